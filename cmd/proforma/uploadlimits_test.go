package main

// Black-box tests of the usage upload's limits against the real binary:
// size, content check, pace, and the spool directory under --data.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUploadLimits runs one server with a 1 MiB upload limit and a 2 s
// read timeout against uploads that break each limit, then checks that
// nothing is left in DATA/uploads, whose leftovers of an earlier run the
// start removed.
func TestUploadLimits(t *testing.T) {
	data := t.TempDir()
	spool := filepath.Join(data, "uploads")
	stale := filepath.Join(spool, "proforma-upload-123", "killed.csv")
	os.MkdirAll(filepath.Dir(stale), 0o700)
	os.WriteFile(stale, []byte("left by a killed server"), 0o600)
	p := startProforma(t, data, "--now", "2026-10-15", "--max-upload", "1MiB", "--read-timeout", "2s", "--upload-min-rate", "64KiB")
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale spool survived the start: %v", err)
	}
	addr := strings.TrimPrefix(p.URL, "http://")
	big := engineCUR + strings.Repeat(engineCUR[strings.LastIndexByte(engineCUR[:len(engineCUR)-1], '\n')+1:], 20000)

	t.Run("a CUR imports", func(t *testing.T) {
		status, msg := uploadString(t, p.URL, "october.csv", engineCUR, true)
		if status != http.StatusOK {
			t.Errorf("upload of a CUR: %d %s", status, msg)
		}
	})
	t.Run("over the limit, with Content-Length", func(t *testing.T) {
		c := openUpload(t, addr, "big.csv", 2<<20) // no byte of the body is sent
		if status, msg := answer(t, c); status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "big.csv is larger than this server's upload limit of 1 MiB") {
			t.Errorf("got %d %q; want 413 naming big.csv and 1 MiB", status, msg)
		}
	})
	t.Run("over the limit, chunked", func(t *testing.T) {
		status, msg := uploadString(t, p.URL, "big.csv", big, false)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "big.csv") {
			t.Errorf("got %d %q; want 413 naming big.csv", status, msg)
		}
	})
	t.Run("not a CUR, refused from its first bytes", func(t *testing.T) {
		c := openUpload(t, addr, "notes.txt", 1<<20)
		io.WriteString(c, strings.Repeat("Meeting notes: the CUR is attached.\n", 2000)) // 72 KB of 1 MiB
		status, msg := answer(t, c)
		if status != http.StatusBadRequest || !strings.HasPrefix(msg, "notes.txt is not a Cost and Usage Report: ") {
			t.Errorf("got %d %q; want 400 naming notes.txt", status, msg)
		}
	})
	t.Run("trickling, cut off", func(t *testing.T) {
		c := openUpload(t, addr, "slow.csv", 1<<20)
		stop := make(chan struct{})
		defer close(stop)
		io.WriteString(c, engineCUR)
		go trickleBytes(c, stop)
		start := time.Now()
		status, msg := answer(t, c)
		t.Logf("cut off after %v: %d %s", time.Since(start).Round(time.Millisecond), status, msg)
		if took := time.Since(start); status != http.StatusRequestTimeout || took > 6*time.Second || !strings.Contains(msg, "slow.csv") {
			t.Errorf("got %d %q after %v; want 408 naming slow.csv after about 2s", status, msg, took)
		}
	})
	t.Run("client gone in the middle", func(t *testing.T) {
		c := openUpload(t, addr, "gone.csv", 1<<20)
		io.WriteString(c, big[:512<<10])
		waitFor(t, "the upload is spooled", func() bool { return len(spooled(t, spool)) > 0 })
		c.Close()
	})
	waitFor(t, "the spool directory is empty", func() bool { return len(spooled(t, spool)) == 0 })
	if left := spooled(t, spool); len(left) > 0 {
		t.Errorf("left in %s: %v", spool, left)
	}
}

// uploadString posts body as name, with a Content-Length or chunked; it
// returns the status and the error message, or the body for a success.
func uploadString(t *testing.T, base, name, body string, withLength bool) (int, string) {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	if !withLength {
		r = io.MultiReader(r) // hides the length: sent chunked
	}
	resp, err := http.Post(base+"/_proforma/usage?name="+name, "text/csv", r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct{ Error string }
	if json.Unmarshal(raw, &e); e.Error != "" {
		return resp.StatusCode, e.Error
	}
	return resp.StatusCode, string(raw)
}

// openUpload connects and sends the headers of an upload of name with a
// Content-Length of size.
func openUpload(t *testing.T, addr, name string, size int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /_proforma/usage?name=%s HTTP/1.1\r\nHost: proforma\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n",
		name, size)
	return c
}

// answer reads the server's answer on c (10 s at most): status and error message.
func answer(t *testing.T, c net.Conn) (int, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}

// spooled lists what the spool directory holds, files included.
func spooled(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && path != dir {
			found = append(found, strings.TrimPrefix(path, dir))
		}
		return nil
	})
	return found
}

// waitFor polls cond for 5 seconds at most.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for: %s", what)
		}
	}
}
