package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
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
		abort := serveSafely(log, sw, r, next)
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
		if abort {
			panic(http.ErrAbortHandler) // net/http's way to cut a response short, after the log line
		}
	})
}

// serveSafely serves r with next. A panic of the handler's goroutine — a
// bug — is logged with its stack at ERROR and answered with
// InternalServerException, where net/http would only drop the
// connection. It reports whether the response must be cut short: the
// panic came after the response began, or the handler cut it
// (http.ErrAbortHandler).
func serveSafely(log *slog.Logger, w *statusWriter, r *http.Request, next http.Handler) (abort bool) {
	defer func() {
		v := recover()
		if v == nil || v == http.ErrAbortHandler {
			abort = v != nil
			return
		}
		id := w.Header().Get("x-amzn-RequestId")
		if id == "" {
			id = restjson.NewRequestID()
			w.Header().Set("x-amzn-RequestId", id)
		}
		log.Error("internal error: the handler panicked", "requestId", id, "method", r.Method, "path", r.URL.Path,
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if abort = w.wrote; !abort {
			restjson.WriteInternalError(w, id)
		}
	}()
	next.ServeHTTP(w, r)
	return false
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
