package restjson_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// uploadServer is an admin endpoint on httptest whose import reports the
// spooled file, and whose check takes bodies starting with "id,".
type uploadServer struct {
	url   string
	spool string // Upload.SpoolDir
	done  chan struct{}
	mu    sync.Mutex
	whole []bool // Check's whole argument, per call
}

// newUploadServer serves u (its SpoolDir and Check filled in); wrap, when
// given, wraps the admin handler. done receives a value per request served.
func newUploadServer(t *testing.T, u restjson.Upload, wrap func(http.Handler) http.Handler) *uploadServer {
	t.Helper()
	s := &uploadServer{spool: filepath.Join(t.TempDir(), "uploads"), done: make(chan struct{}, 100)}
	u.SpoolDir = s.spool
	u.Check = s.check
	admin := &restjson.Admin{Upload: u, ImportUsage: func(ctx context.Context, payer, path string) (any, error) {
		b, err := os.ReadFile(path)
		return map[string]any{"name": filepath.Base(path), "bytes": len(b), "payer": payer}, err
	}}
	h := admin.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { s.done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *uploadServer) check(name string, prefix []byte, whole bool) error {
	s.mu.Lock()
	s.whole = append(s.whole, whole)
	s.mu.Unlock()
	if !bytes.HasPrefix(prefix, []byte("id,")) {
		return fmt.Errorf("%s is not a Cost and Usage Report", name)
	}
	return nil
}

// waitServed waits for the server to finish a request.
func (s *uploadServer) waitServed(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the request was not served within 10s")
	}
}

// assertSpoolEmpty fails when the spool directory holds anything.
func (s *uploadServer) assertSpoolEmpty(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(s.spool)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the spool directory: %s", e.Name())
	}
}

// csvBody is n bytes that pass the test check.
func csvBody(n int) []byte {
	b := bytes.Repeat([]byte("x"), n)
	copy(b, "id,cost\n")
	return b
}

// post uploads body as name; it returns the status and the decoded body.
func post(t *testing.T, url, name string, body io.Reader) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url+"/_proforma/usage?payer=123456789012&name="+name, "application/octet-stream", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: body not JSON: %v", resp.Status, err)
	}
	return resp.StatusCode, out
}

// rawUpload opens a connection and sends the headers of an upload of name
// with a Content-Length of size.
func rawUpload(t *testing.T, url, name string, size int64) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /_proforma/usage?name=%s HTTP/1.1\r\nHost: proforma\r\nContent-Length: %d\r\n\r\n", name, size)
	return c
}

// readResponse reads an answer from c within 10 seconds.
func readResponse(t *testing.T, c net.Conn) (int, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Error
}

func TestUploadImportsAndRemovesTheSpool(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{Grace: time.Second, MinRate: 64 << 10}, nil)
	status, out := post(t, s.url, "october.csv", bytes.NewReader(csvBody(200<<10)))
	if status != http.StatusOK || out["name"] != "october.csv" || out["bytes"] != float64(200<<10) {
		t.Errorf("upload: %d %v; want 200, october.csv, %d bytes", status, out, 200<<10)
	}
	s.waitServed(t)
	s.assertSpoolEmpty(t)
}

func TestUploadCheckSeesWhetherItHasTheWholeFile(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{}, nil)
	for _, size := range []int{100, restjson.SniffBytes - 1, restjson.SniffBytes + 1} {
		if status, out := post(t, s.url, "f.csv", bytes.NewReader(csvBody(size))); status != http.StatusOK {
			t.Fatalf("upload of %d bytes: %d %v", size, status, out)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if want := []bool{true, true, false}; fmt.Sprint(s.whole) != fmt.Sprint(want) {
		t.Errorf("whole per upload of 100, SniffBytes-1, SniffBytes+1 bytes: %v, want %v", s.whole, want)
	}
}

func TestUploadOverTheLimitIs413(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{MaxBytes: 100 << 10}, nil)
	t.Run("Content-Length", func(t *testing.T) {
		// Nothing of the body is sent: the answer comes from the headers.
		c := rawUpload(t, s.url, "big.csv", 1<<30)
		status, msg := readResponse(t, c)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "big.csv") || !strings.Contains(msg, "100 KiB") {
			t.Errorf("got %d %q; want 413 naming big.csv and the 100 KiB limit", status, msg)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		body := io.MultiReader(bytes.NewReader(csvBody(150 << 10))) // no length: sent chunked
		status, out := post(t, s.url, "big.csv", body)
		if msg, _ := out["error"].(string); status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "big.csv") {
			t.Errorf("got %d %v; want 413 naming big.csv", status, out)
		}
	})
	t.Run("at the limit", func(t *testing.T) {
		if status, out := post(t, s.url, "edge.csv", io.MultiReader(bytes.NewReader(csvBody(100<<10)))); status != http.StatusOK {
			t.Errorf("upload of exactly the limit: %d %v", status, out)
		}
	})
	for range 3 {
		s.waitServed(t)
	}
	s.assertSpoolEmpty(t)
}

// Every refusal before the import is told to Upload.Refused with the
// status answered, the bytes received and the reason; an upload that is
// imported is not.
func TestUploadRefusalsAreReported(t *testing.T) {
	refusals := make(chan restjson.Refusal, 10)
	s := newUploadServer(t, restjson.Upload{MaxBytes: 100 << 10, Refused: func(r restjson.Refusal) { refusals <- r }}, nil)
	if status, out := post(t, s.url, "fine.csv", bytes.NewReader(csvBody(1000))); status != http.StatusOK {
		t.Fatalf("a CUR: %d %v", status, out)
	}
	c := rawUpload(t, s.url, "big.csv", 1<<30)
	if status, _ := readResponse(t, c); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the limit: %d", status)
	}
	if status, _ := post(t, s.url, "notes.txt", strings.NewReader("dear diary")); status != http.StatusBadRequest {
		t.Fatalf("not a CUR: %d", status)
	}
	for _, want := range []struct {
		name     string
		status   int
		received bool
		reason   string
	}{
		{"big.csv", http.StatusRequestEntityTooLarge, false, "upload limit"},
		{"notes.txt", http.StatusBadRequest, true, "not a Cost and Usage Report"},
	} {
		select {
		case r := <-refusals:
			if r.Name != want.name || r.Status != want.status || (r.Received > 0) != want.received ||
				r.Err == nil || !strings.Contains(r.Err.Error(), want.reason) || r.Elapsed <= 0 {
				t.Errorf("refusal %+v, want %s %d %q", r, want.name, want.status, want.reason)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no refusal reported", want.name)
		}
	}
	select {
	case r := <-refusals:
		t.Errorf("an extra refusal: %+v", r)
	default:
	}
}

// TestUploadNotACURIsRefusedFromItsFirstBytes sends SniffBytes of a 100 MiB
// body and gets the answer without sending more.
func TestUploadNotACURIsRefusedFromItsFirstBytes(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{Grace: 5 * time.Second}, nil)
	c := rawUpload(t, s.url, "holiday.jpg", 100<<20)
	if _, err := c.Write(bytes.Repeat([]byte{0xff}, restjson.SniffBytes)); err != nil {
		t.Fatal(err)
	}
	status, msg := readResponse(t, c)
	if status != http.StatusBadRequest || msg != "holiday.jpg is not a Cost and Usage Report" {
		t.Errorf("got %d %q; want 400 naming holiday.jpg", status, msg)
	}
	s.waitServed(t)
	if _, err := os.Stat(s.spool); !os.IsNotExist(err) {
		t.Errorf("the spool directory was created (%v); the body should be refused before", err)
	}
}

// TestUploadTricklingIsCutOff sends the first bytes, then one byte every
// 100 ms, against a grace of 300 ms.
func TestUploadTricklingIsCutOff(t *testing.T) {
	const grace = 300 * time.Millisecond
	s := newUploadServer(t, restjson.Upload{Grace: grace, MinRate: 64 << 10}, nil)
	c := rawUpload(t, s.url, "slow.csv", 1<<20)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go trickle(c, []byte("id,cost\n"), 100*time.Millisecond, stop)
	status, msg := readResponse(t, c)
	if took := time.Since(start); took > grace+3*time.Second {
		t.Errorf("cut off after %v; want about %v", took, grace)
	}
	if status != http.StatusRequestTimeout || !strings.Contains(msg, "slow.csv") || !strings.Contains(msg, "64 KiB/s") {
		t.Errorf("got %d %q; want 408 naming slow.csv and the rate", status, msg)
	}
	s.waitServed(t)
	s.assertSpoolEmpty(t)
}

// trickle writes first, then one byte per every until stop or an error.
func trickle(c net.Conn, first []byte, every time.Duration, stop <-chan struct{}) {
	if _, err := c.Write(first); err != nil {
		return
	}
	for {
		select {
		case <-stop:
			return
		case <-time.After(every):
		}
		if _, err := c.Write([]byte("x")); err != nil {
			return
		}
	}
}

// TestUploadPaceLetsASteadyUploadRunPastTheGrace sends 2 MiB at about
// 1.5 MiB/s against a grace of 1 s and a minimum of 64 KiB/s, then one
// that pauses longer than the grace.
func TestUploadPaceLetsASteadyUploadRunPastTheGrace(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{Grace: time.Second, MinRate: 64 << 10}, nil)
	steady := &pacedReader{data: csvBody(2 << 20), chunk: 64 << 10, every: 40 * time.Millisecond}
	if status, out := post(t, s.url, "steady.csv", steady); status != http.StatusOK {
		t.Errorf("steady upload: %d %v", status, out)
	}
	paused := &pacedReader{data: csvBody(512 << 10), chunk: 256 << 10, every: 3 * time.Second}
	if status, out := post(t, s.url, "paused.csv", paused); status != http.StatusRequestTimeout {
		t.Errorf("upload pausing 3s against a 1s grace: %d %v; want 408", status, out)
	}
	s.waitServed(t)
	s.waitServed(t)
	s.assertSpoolEmpty(t)
}

// pacedReader yields data chunk bytes at a time, waiting every before each
// chunk but the first.
type pacedReader struct {
	data  []byte
	chunk int
	every time.Duration
	reads int
}

func (r *pacedReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if r.reads > 0 {
		time.Sleep(r.every)
	}
	r.reads++
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestUploadSignatureMismatchIs403 reads the body through a reader that,
// like sigv4.CheckedBody, returns a *sigv4.Error at its end.
func TestUploadSignatureMismatchIs403(t *testing.T) {
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = mismatchAtEOF{r.Body}
			h.ServeHTTP(w, r)
		})
	}
	s := newUploadServer(t, restjson.Upload{}, wrap)
	for _, size := range []int{1000, 200 << 10} {
		resp, err := http.Post(s.url+"/_proforma/usage?name=signed.csv", "text/csv", bytes.NewReader(csvBody(size)))
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Message string } // {"__type", "Message"}, as the strict-mode guard answers
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || body.Message != "payload hash mismatch" ||
			resp.Header.Get("X-Amzn-ErrorType") != sigv4.CodeInvalidSignature {
			t.Errorf("%d bytes: got %d %q %q; want 403 with the error's message and code", size, resp.StatusCode,
				resp.Header.Get("X-Amzn-ErrorType"), body.Message)
		}
		s.waitServed(t)
	}
	s.assertSpoolEmpty(t)
}

type mismatchAtEOF struct{ io.ReadCloser }

func (m mismatchAtEOF) Read(p []byte) (int, error) {
	n, err := m.ReadCloser.Read(p)
	if err == io.EOF {
		err = &sigv4.Error{Code: sigv4.CodeInvalidSignature, Message: "payload hash mismatch", Status: http.StatusForbidden}
	}
	return n, err
}

// TestUploadClientGoneLeavesNothing closes the connection in the middle of
// the body, once part of it is spooled.
func TestUploadClientGoneLeavesNothing(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{Grace: 5 * time.Second}, nil)
	c := rawUpload(t, s.url, "gone.csv", 10<<20)
	if _, err := c.Write(csvBody(1 << 20)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !spoolHasFile(s.spool) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !spoolHasFile(s.spool) {
		t.Fatal("the upload was never spooled")
	}
	c.Close()
	s.waitServed(t)
	s.assertSpoolEmpty(t)
}

func spoolHasFile(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "proforma-upload-*", "gone.csv"))
	return len(files) > 0
}

func TestUploadNamesWithoutABaseName(t *testing.T) {
	s := newUploadServer(t, restjson.Upload{}, nil)
	for _, name := range []string{"", "..", "%2F", "a%2F..%2F.."} {
		status, out := post(t, s.url, name, bytes.NewReader(csvBody(100)))
		if status != http.StatusOK || out["name"] != "upload" {
			t.Errorf("name %q: %d %v; want 200 as upload", name, status, out)
		}
		s.waitServed(t)
	}
	s.assertSpoolEmpty(t)
}
