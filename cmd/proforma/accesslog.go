package main

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/restjson"
)

// accessLog logs one line per request once it is answered: the request ID
// the client saw (x-amzn-RequestId), method, path, operation, caller,
// status, AWS error code and duration — never a body or a credential.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, rec := restjson.WithRecord(r.Context())
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		op := rec.Operation
		if op == "" {
			op = operationOf(r)
		}
		code, _, _ := strings.Cut(w.Header().Get("X-Amzn-Errortype"), ":")
		log.Info("request", "requestId", w.Header().Get("x-amzn-RequestId"), "method", r.Method, "path", r.URL.Path,
			"operation", op, "caller", rec.Caller, "status", sw.status, "errorCode", code,
			"durationMs", float64(time.Since(start).Microseconds())/1000)
	})
}

// operationOf names a request no API handler matched: a Cloud Control or
// STS action, an admin or console path.
func operationOf(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	return r.Method + " " + r.URL.Path
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushes) through the wrapper.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
