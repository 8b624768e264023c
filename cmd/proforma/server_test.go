package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/server"
	"github.com/proforma-dev/proforma/internal/usage"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1048576", 1 << 20}, {"512MiB", 512 << 20}, {"8GiB", 8 << 30}, {"8gib", 8 << 30},
		{"64 KiB", 64 << 10}, {"1TiB", 1 << 40}, {"100B", 100}, {"5MB", 5e6}, {"2kb", 2000}, {"3GB", 3e9},
	}
	for _, tt := range tests {
		if got, err := parseByteSize(tt.in); err != nil || got != tt.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "8G", "-1", "1.5GiB", "GiB", "10000000TiB", "8 gigabytes"} {
		if got, err := parseByteSize(bad); err == nil {
			t.Errorf("parseByteSize(%q) = %d; want an error", bad, got)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	for n, want := range map[byteSize]string{0: "0", 100: "100", 64 << 10: "64KiB", 8 << 30: "8GiB", 1536: "1536", 3 << 40: "3TiB"} {
		if got := n.String(); got != want {
			t.Errorf("byteSize(%d).String() = %q, want %q", int64(n), got, want)
		}
	}
}

func TestServeFlagsOfLimits(t *testing.T) {
	m := NewMain(io.Discard)
	err := m.ParseFlags([]string{"--read-header-timeout", "2s", "--read-timeout", "3s", "--write-timeout", "4s",
		"--idle-timeout", "5s", "--max-connections", "10", "--max-upload", "512MiB", "--upload-min-rate", "1MiB", "--spool-dir", "/x"})
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 4 * time.Second,
		IdleTimeout: 5 * time.Second, MaxConnections: 10, MaxUpload: 512 << 20, UploadMinRate: 1 << 20, SpoolDir: "/x"}
	if m.Config.Limits != want {
		t.Errorf("limits = %+v, want %+v", m.Config.Limits, want)
	}
	if got := NewMain(io.Discard).Config.Limits; got != defaultLimits() {
		t.Errorf("default limits = %+v, want defaultLimits()", got)
	}
	for _, args := range [][]string{{"--max-connections", "0"}, {"--max-upload", "0"}, {"--max-upload", "8G"},
		{"--read-timeout", "-1s"}, {"--upload-min-rate", "fast"}} {
		if err := NewMain(io.Discard).ParseFlags(args); err == nil {
			t.Errorf("ParseFlags(%q) succeeded; want an error", args)
		}
	}
}

func TestServeFlagReportCache(t *testing.T) {
	if got := NewMain(io.Discard).Config.ReportCache; got != usage.DefaultCacheBytes {
		t.Errorf("default --report-cache = %v, want %v", got, byteSize(usage.DefaultCacheBytes))
	}
	for arg, want := range map[string]byteSize{"2GiB": 2 << 30, "0": 0} {
		m := NewMain(io.Discard)
		if err := m.ParseFlags([]string{"--report-cache", arg}); err != nil || m.Config.ReportCache != want {
			t.Errorf("--report-cache %s = %v (err %v), want %v", arg, m.Config.ReportCache, err, want)
		}
	}
	if err := NewMain(io.Discard).ParseFlags([]string{"--report-cache", "lots"}); err == nil {
		t.Error("--report-cache lots was accepted")
	}
}

func TestSpoolDir(t *testing.T) {
	tests := []struct {
		data, flag, want string
		own              bool
	}{
		{"/srv/proforma", "", "/srv/proforma/uploads", true},
		{"/srv/proforma", "/big", "/big", false},
		{":memory:", "", "TMP", false},
		{"postgres://u:p@db/proforma", "", "TMP", false},
	}
	for _, tt := range tests {
		m := NewMain(io.Discard)
		m.Config.DataDir, m.Config.Limits.SpoolDir = tt.data, tt.flag
		dir, own := m.spoolDir()
		if tt.want == "TMP" {
			tt.want = os.TempDir()
		}
		if dir != tt.want || own != tt.own {
			t.Errorf("spoolDir of --data %s --spool-dir %q = %s, %v; want %s, %v", tt.data, tt.flag, dir, own, tt.want, tt.own)
		}
	}
}

func TestCheckUpload(t *testing.T) {
	header := engineCUR[:strings.IndexByte(engineCUR, '\n')+1]
	gzipped := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	bigCUR := gzipped(header + strings.Repeat("x", 4<<20)) // incompressible enough to outgrow a cut
	tests := []struct {
		name   string
		prefix []byte
		whole  bool
		ok     bool
	}{
		{"CUR CSV", []byte(engineCUR), true, true},
		{"CUR CSV, cut in a row", []byte(engineCUR[:len(header)+20]), false, true},
		{"header row cut off by the prefix", []byte(header[:100]), false, true},
		{"gzip CUR CSV", gzipped(engineCUR), true, true},
		{"gzip CUR CSV, cut", bigCUR[:len(bigCUR)/2], false, true},
		{"Parquet", []byte("PAR1\x15\x04"), false, true},
		{"zip", []byte("PK\x03\x04\x14\x00"), false, true},
		{"text", []byte("Dear Sir or Madam,\nplease find attached\n"), false, false},
		{"binary", bytes.Repeat([]byte{0xff, '\n'}, 1000), false, false},
		{"gzip text", gzipped("hello,world\n1,2\n"), true, false},
		{"FOCUS", []byte("BilledCost,BillingAccountId,BillingPeriodStart,ChargeCategory,ServiceName\n"), false, false},
		{"empty", nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := server.CheckUpload("october.csv", tt.prefix, tt.whole)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckUpload = %v; want ok %v", err, tt.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "october.csv is not a Cost and Usage Report: ") {
				t.Errorf("error %q does not start by naming the file", err)
			}
		})
	}
}

func TestConnectionCap(t *testing.T) {
	limit, ok := openFileLimit()
	if !ok {
		t.Skip("no open-file limit on this platform")
	}
	if got, _ := connectionCap(10); got != 10 && limit > fdReserve+10 {
		t.Errorf("connectionCap(10) = %d under a limit of %d", got, limit)
	}
	if got, gotLimit := connectionCap(1 << 30); uint64(got) != max(limit-fdReserve, 1) || gotLimit != limit {
		t.Errorf("connectionCap(1<<30) = %d, %d; want the limit %d minus %d", got, gotLimit, limit, fdReserve)
	}
}

// TestLimitListener serves health behind a cap of 2 connections.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int32
	ln := newLimitListener(inner, 2, func() { refused.Add(1) })
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(ln)
	defer srv.Close()
	addr := inner.Addr().String()
	a, b := dialHealth(t, addr), dialHealth(t, addr)
	if status, body := getOnce(t, addr); status != http.StatusServiceUnavailable || !strings.Contains(body, "limit of 2 open connections") {
		t.Errorf("third connection: %d %q; want 503 naming the limit", status, body)
	}
	a.Close()
	if status := waitStatus(t, addr, http.StatusOK); status != http.StatusOK {
		t.Errorf("after one closed: %d; want 200", status)
	}
	b.Close()
	if n := refused.Load(); n < 1 { // more when health was tried before the server saw a close
		t.Errorf("refused %d connections; want at least 1", n)
	}
}

func TestLimitConnReleasesOnce(t *testing.T) {
	ln := newLimitListener(nil, 2, func() {})
	ln.slots <- struct{}{}
	ln.slots <- struct{}{}
	c1, c2 := net.Pipe()
	defer c2.Close()
	conn := &limitConn{Conn: c1, release: func() { <-ln.slots }}
	conn.Close()
	conn.Close()
	if len(ln.slots) != 1 {
		t.Errorf("slots taken after closing one connection twice: %d, want 1", len(ln.slots))
	}
}

// dialHealth opens a connection, gets /_proforma/health on it and keeps it open.
func dialHealth(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	status, _ := rawGet(t, c)
	if status != http.StatusOK {
		t.Fatalf("health on a connection within the cap: %d", status)
	}
	return c
}

// getOnce gets /_proforma/health on a new connection and closes it.
func getOnce(t *testing.T, addr string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return rawGet(t, c)
}

// rawGet sends GET /_proforma/health on c and reads the answer (5 s at most).
func rawGet(t *testing.T, c net.Conn) (int, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET /_proforma/health HTTP/1.1\r\nHost: proforma\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitStatus gets health on new connections until it answers want, for 5
// seconds at most, and returns the last status.
func waitStatus(t *testing.T, addr string, want int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _ := getOnce(t, addr)
		if status == want || time.Now().After(deadline) {
			return status
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWithDeadlines checks each deadline of withDeadlines in-process, with
// a read and a write timeout of 300 ms.
func TestWithDeadlines(t *testing.T) {
	const timeout = 300 * time.Millisecond
	writeErr := make(chan error, 1)
	readErr := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow-answer", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * timeout) // a long computation does not count against the write timeout
		io.WriteString(w, "done")
	})
	mux.HandleFunc("GET /flood", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for range 4096 { // 256 MiB, far more than socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	})
	mux.HandleFunc("POST /body", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	})
	srv := httptest.NewServer(withDeadlines(mux, timeout, timeout))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	if status, body := rawRequest(t, addr, "GET /slow-answer"); status != http.StatusOK || body != "done" {
		t.Errorf("answer after %v of work: %d %q; want 200", 2*timeout, status, body)
	}
	c := dialRaw(t, addr)
	io.WriteString(c, "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	if err := waitErr(t, writeErr); err == nil {
		t.Error("a client that reads nothing took 256 MiB; want a write error after the write timeout")
	}
	c = dialRaw(t, addr)
	io.WriteString(c, "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab") // and never the rest
	if err := waitErr(t, readErr); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("reading a stalled body: %v; want a deadline error", err)
	}
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawRequest sends "METHOD PATH" on a new connection and reads the answer.
func rawRequest(t *testing.T, addr, line string) (int, string) {
	t.Helper()
	c := dialRaw(t, addr)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, line+" HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitErr waits 5 seconds at most for a handler's outcome.
func waitErr(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not finish within 5s")
		return nil
	}
}
