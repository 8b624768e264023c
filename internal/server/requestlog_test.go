package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A handler that panics before answering is answered with
// InternalServerException naming the request ID; the panic and its stack
// are logged, the request is counted, and the server goes on serving.
func TestAPanicIsAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	m := NewMetrics(nil, nil)
	h := observe(slog.New(slog.NewJSONHandler(&logs, nil)), m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			var groups map[string][]int
			groups["g"][3]++ // a bug: index out of range
		}
		w.Write([]byte("ok"))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("x-amzn-RequestId")
	var msg struct{ Message string }
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("X-Amzn-ErrorType") != "InternalServerException" ||
		json.Unmarshal(body, &msg) != nil || id == "" || !strings.HasSuffix(msg.Message, "Request ID: "+id) {
		t.Fatalf("%d %v %s, want InternalServerException naming the request ID", resp.StatusCode, resp.Header, body)
	}
	if strings.Contains(string(body), "index out of range") {
		t.Errorf("the answer tells the client about the bug: %s", body)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("unknown", "500", "InternalServerException")); got != 1 {
		t.Errorf("requests counted with status 500: %v", got)
	}
	lines := map[string]map[string]any{}
	for l := range strings.Lines(logs.String()) {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines[e["msg"].(string)] = e
	}
	p := lines["internal error: the handler panicked"]
	if p == nil || p["requestId"] != id || !strings.Contains(p["panic"].(string), "index out of range") ||
		!strings.Contains(p["stack"].(string), "TestAPanicIsAnInternalError") {
		t.Errorf("the panic's log line: %v", p)
	}
	if r := lines["request"]; r == nil || r["requestId"] != id || r["status"] != 500.0 {
		t.Errorf("the request's log line: %v", r)
	}

	resp, err = http.Get(srv.URL + "/fine")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after the panic: %v %v", resp, err)
	}
	resp.Body.Close()
}

// A panic after the response began cuts it short: the client sees a
// broken response, never a complete-looking one.
func TestAPanicMidResponseCutsItShort(t *testing.T) {
	var logs bytes.Buffer
	h := observe(slog.New(slog.NewTextHandler(&logs, nil)), NewMetrics(nil, nil), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte(`{"Items":[`))
		http.NewResponseController(w).Flush()
		panic("half way")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("a response cut short by a panic read whole")
	}
	if !strings.Contains(logs.String(), "half way") || !strings.Contains(logs.String(), "msg=request") {
		t.Errorf("logs:\n%s", logs.String())
	}
}
