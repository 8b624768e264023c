package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

// maxHostileRSS bounds the peak resident memory of a proforma process that
// reads a hostile file: far below what any of them claims or expands to.
const maxHostileRSS = 256 << 20

// TestHostileFilesRefused feeds every hostile file of curtest (Parquet
// footers and page headers claiming 2^31 of something, gzip and zip line
// bombs, a quote never closed over 300 MB) to the real binary: `proforma
// import` fails naming the file, its peak RSS stays under 256 MiB and the
// store is unchanged; uploaded to a running server, each gets a 4xx with a
// JSON error, and the server stays healthy and small.
func TestHostileFilesRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 310 MB of hostile files and runs the binary on each")
	}
	dir, data := t.TempDir(), t.TempDir()
	files, err := curtest.Hostile(dir)
	if err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(small, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, "--quiet", small)
	p := startProforma(t, data, "--now", "2026-10-15")
	createMarkupGroup(t, p.URL)
	p.Stop()
	before := storeReport(t, data)

	for _, f := range files {
		t.Run("import/"+f.Name, func(t *testing.T) { importHostile(t, data, f) })
	}
	if after := storeReport(t, data); after != before {
		t.Errorf("the store changed after the hostile imports:\nbefore %s\nafter  %s", before, after)
	}

	p = startProforma(t, data, "--now", "2026-10-15")
	for _, f := range files {
		t.Run("upload/"+f.Name, func(t *testing.T) { uploadHostile(t, p, f) })
	}
	if hwm, err := peakRSS(p.cmd.Process.Pid); err != nil {
		t.Logf("server peak RSS unknown: %v", err)
	} else if t.Logf("server peak RSS after the uploads: %d MiB", hwm>>20); hwm > maxHostileRSS {
		t.Errorf("server peak RSS %d MiB, want under %d", hwm>>20, maxHostileRSS>>20)
	}
	p.Stop()
	if after := storeReport(t, data); after != before {
		t.Errorf("the store changed after the hostile uploads:\nbefore %s\nafter  %s", before, after)
	}
}

// storeReport is what `proforma report` says of the store, by group and
// by service.
func storeReport(t *testing.T, data string) string {
	t.Helper()
	return runProforma(t, "report", "--data", data, "--format", "json") +
		runProforma(t, "report", "--data", data, "--by-service")
}

// importHostile runs `proforma import` on one hostile file: it must fail,
// name the file, and stay under maxHostileRSS. The import runs through the
// child RSS helper (childrss_test.go): measured from the test process, its
// peak would be at least the test process's own, which other tests of the
// package (reading whole exports) can have made larger than the bound.
func importHostile(t *testing.T, data string, f curtest.HostileFile) {
	cmd := commandMeasured(t, proformaBinary(t), "import", "--data", data, "--quiet", f.Path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); !ok || cmd.ProcessState.ExitCode() == 125 {
		t.Fatalf("import of %s (%s): %v, want a non-zero exit\n%s", f.Name, f.Why, err, stderr.String())
	}
	msg := strings.TrimSpace(stderr.String())
	if !strings.Contains(msg, f.Name) {
		t.Errorf("import of %s failed without naming it: %s", f.Name, msg)
	}
	rss, floor := cmd.peak(t)
	if rss > maxHostileRSS {
		t.Errorf("import of %s: peak RSS %d MiB, want under %d", f.Name, rss>>20, maxHostileRSS>>20)
	}
	t.Logf("%s: peak RSS %d MiB (measured from a %d MiB helper) in %v: %s", f.Why, rss>>20, floor>>20,
		time.Since(start).Round(time.Millisecond), msg)
}

// uploadHostile streams one hostile file to POST /_proforma/usage: it must
// get a 4xx with a JSON error, and leave the server alive and healthy.
func uploadHostile(t *testing.T, p *proc, f curtest.HostileFile) {
	body, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Post(p.URL+"/_proforma/usage?name="+url.QueryEscape(f.Name), "application/octet-stream", body)
	if err != nil {
		t.Fatalf("upload of %s: %v", f.Name, err)
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	var e struct{ Error string }
	if resp.StatusCode < 400 || resp.StatusCode > 499 || json.Unmarshal(raw, &e) != nil || e.Error == "" {
		t.Errorf("upload of %s (%s): %s %s; want a 4xx with a JSON error", f.Name, f.Why, resp.Status, raw)
	}
	health, err := http.Get(p.URL + "/_proforma/health")
	if err != nil || health.StatusCode != http.StatusOK {
		t.Fatalf("health after uploading %s: %v %v", f.Name, health, err)
	}
	health.Body.Close()
	if !p.running() {
		t.Fatalf("the server exited after the upload of %s", f.Name)
	}
	t.Logf("%s: %d %s", f.Name, resp.StatusCode, e.Error)
}

// peakRSS returns the peak resident set of process pid (VmHWM).
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
