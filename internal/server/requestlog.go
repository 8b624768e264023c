package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/restjson"
)

// observe logs one line per request once it is answered — the request ID
// the client saw (x-amzn-RequestId), method, path, operation, caller,
// status, AWS error code and duration, never a body or a credential — and
// counts it in m.
func observe(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, rec := restjson.WithRecord(r.Context())
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		elapsed := time.Since(start)
		op := operationName(rec, r)
		code := rec.ErrorCode
		if code == "" {
			code, _, _ = strings.Cut(w.Header().Get("X-Amzn-Errortype"), ":")
		}
		m.observeRequest(op, sw.status, code, elapsed)
		log.Info("request", "requestId", w.Header().Get("x-amzn-RequestId"), "method", r.Method, "path", r.URL.Path,
			"operation", op, "caller", rec.Caller, "status", sw.status, "errorCode", code,
			"durationMs", float64(elapsed.Microseconds())/1000)
	})
}

// operationName names a served request from a fixed set: the operation a
// handler recorded (Billing Conductor, Cloud Control, STS), else the
// route pattern that served it (admin endpoints, the console), else
// "unknown" (a path or action no route knows).
func operationName(rec *restjson.Record, r *http.Request) string {
	switch {
	case rec.Operation != "":
		return rec.Operation
	case r.Pattern != "" && r.Pattern != "/":
		return r.Pattern
	}
	return "unknown"
}

// statusWriter remembers the status a handler answered, and gives a
// response no handler set a request ID for (the admin endpoints, the
// console) one, so that every log line names the response it is about.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
		if h := w.Header(); h.Get("x-amzn-RequestId") == "" {
			h.Set("x-amzn-RequestId", restjson.NewRequestID())
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushes) through the wrapper.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
