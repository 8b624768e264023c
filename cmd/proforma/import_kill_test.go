package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// TestKilledImportLeavesPreviousData SIGKILLs `proforma import` at random
// moments of a large re-import of a period: after each kill the reports
// show the previous import or the new one, whole, never a mix; a complete
// import then replaces the period.
func TestKilledImportLeavesPreviousData(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	small := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(small, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, small)
	p := startProforma(t, data, "--now", "2026-10-15")
	createMarkupGroup(t, p.URL)
	p.Stop()
	before := groupCosts(t, data)
	big := largeCUR(t, dir, 400_000)

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("kill points from seed %d", seed)
	var seen [][2]string
	for range 3 {
		cmd := exec.Command(proformaBinary(t), "import", "--data", data, "--quiet", big)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		cmd.Process.Kill()
		err := cmd.Wait()
		t.Logf("import killed: %v", err)
		seen = append(seen, groupCosts(t, data))
	}
	runProforma(t, "import", "--data", data, "--quiet", big)
	after := groupCosts(t, data)
	if after == before {
		t.Fatalf("the large import did not change the report (%v): the test cannot tell the states apart", after)
	}
	for i, got := range seen {
		if got != before && got != after {
			t.Errorf("after kill %d the report is %v: neither the previous import %v nor the new one %v", i+1, got, before, after)
		}
	}
}

// groupCosts returns the AWS and pro forma cost of the one billing group,
// through `proforma report`.
func groupCosts(t *testing.T, data string) [2]string {
	t.Helper()
	var reports []struct{ AwsCost, ProformaCost string }
	if err := json.Unmarshal([]byte(runProforma(t, "report", "--data", data, "--format", "json")), &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("report: %d groups, want 1", len(reports))
	}
	return [2]string{reports[0].AwsCost, reports[0].ProformaCost}
}

// largeCUR writes an October 2026 CUR of n usage lines with engineCUR's
// columns, spread over the demo accounts 100000000001…100000000004.
func largeCUR(t *testing.T, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "october-large.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(strings.SplitN(engineCUR, "\n", 2)[0] + "\n")
	for i := range n {
		cost := fmt.Sprintf("0.%06d", 1+i%997)
		fmt.Fprintf(w, "l%d,INV-2,AWS,123456789012,2026-10-01T00:00:00Z,1000000000%02d,Usage,AmazonEC2,BoxUsage:m5.large,RunInstances,1,USD,%s,%s,%s,Amazon Elastic Compute Cloud,%s,%s\n",
			i, 1+i%4, cost, cost, cost, cost, cost)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// stagedChunkSize is the size of the chunks an import stages (usage's chunkSize).
const stagedChunkSize = 8 << 20

// TestKilledImportIsReclaimed SIGKILLs `proforma import` once it has
// staged several chunks of a large file; whatever comes next on the data
// directory — `proforma serve`, or another import — reclaims them, and the
// store (proforma.db, -wal, -shm) is back to its size before the import.
func TestKilledImportIsReclaimed(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	small := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(small, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, "--quiet", small)
	p := startProforma(t, data) // seeds the organization: part of the size before
	p.Stop()
	big := incompressibleCUR(t, dir, 600_000)
	reclaimers := []struct {
		name string
		run  func(t *testing.T) string // its output
	}{
		{"serve", func(t *testing.T) string {
			p := startProforma(t, data)
			p.Stop()
			return p.output.String()
		}},
		{"import", func(t *testing.T) string { return runProforma(t, "import", "--data", data, "--quiet", small) }},
	}
	for _, r := range reclaimers {
		before := storeSize(t, data)
		chunks := killImport(t, data, big, before)
		killed := storeSize(t, data)
		out := r.run(t)
		after := storeSize(t, data)
		t.Logf("%s: store %d bytes before the import, %d after it was killed with %d chunks staged, %d after %s started",
			r.name, before, killed, chunks, after, r.name)
		if after > before+1<<20 {
			t.Errorf("%s: the store is %d bytes after reclaiming, %d before the killed import; want at most 1 MiB more", r.name, after, before)
		}
		if r.name == "serve" && !strings.Contains(out, "reclaimed the staged data of interrupted imports") {
			t.Errorf("serve did not log the reclaim:\n%s", out)
		}
	}
}

// TestReclaimSparesARunningImport starts `proforma serve`, which reclaims
// dead imports as it starts, while an import into the same store, in
// another process, is staging chunks: the import completes.
func TestReclaimSparesARunningImport(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(small, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	big := incompressibleCUR(t, dir, 300_000)
	stores := []struct {
		name string
		data func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", func(t *testing.T) string { return harness.PostgresSchema(t) }},
	}
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			data := store.data(t)
			runProforma(t, "import", "--data", data, "--quiet", small) // the store exists before the import we watch
			cmd := exec.Command(proformaBinary(t), "import", "--data", data, "--quiet", big)
			var out harness.LockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			waitStaged(t, data, exited)
			p := startProforma(t, data)
			p.Stop()
			select {
			case err := <-exited:
				t.Fatalf("the import ended (%v) before serve was up: make the CUR larger\n%s", err, out.String())
			default:
			}
			if strings.Contains(p.output.String(), "reclaimed") {
				t.Errorf("serve reclaimed an import while it ran:\n%s", p.output.String())
			}
			if err := <-exited; err != nil || !strings.Contains(out.String(), ": 300000 lines") {
				t.Fatalf("the import that ran while serve started: %v\n%s", err, out.String())
			}
			if n := stagedChunks(t, data); n != 0 {
				t.Errorf("%d chunks left staged after the import", n)
			}
		})
	}
}

// waitStaged waits until the store's staging records list a chunk.
func waitStaged(t *testing.T, data string, exited chan error) {
	t.Helper()
	s, err := openStore(context.Background(), data, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.After(20 * time.Second)
	for countStaged(t, s) == 0 {
		select {
		case err := <-exited:
			t.Fatalf("the import ended (%v) before it staged a chunk", err)
		case <-deadline:
			t.Fatalf("the import staged no chunk in 20s")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// killImport starts importing path into data and SIGKILLs the import once
// the store has grown by 5 chunks (the database and its log both hold
// them); it returns the chunks staged then, at least 3.
func killImport(t *testing.T, data, path string, before int64) int {
	t.Helper()
	cmd := exec.Command(proformaBinary(t), "import", "--data", data, "--quiet", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(20 * time.Second)
	for storeSize(t, data) < before+5*stagedChunkSize {
		select {
		case err := <-exited:
			t.Fatalf("the import ended (%v) before the store grew by 5 chunks: make the CUR larger", err)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("the store did not grow by 5 chunks in 20s")
		case <-time.After(2 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	if err := <-exited; err == nil {
		t.Fatal("the import completed before it could be killed: make the CUR larger")
	}
	n := stagedChunks(t, data)
	if n < 3 {
		t.Fatalf("the import was killed with %d chunks staged; the test wants several", n)
	}
	return n
}

// stagedChunks counts the chunks the staging records of the store of
// data list.
func stagedChunks(t *testing.T, data string) int {
	t.Helper()
	s, err := openStore(context.Background(), data, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return countStaged(t, s)
}

// countStaged counts the chunks the store's staging records list.
func countStaged(t *testing.T, s conductor.Store) int {
	t.Helper()
	n := 0
	err := s.View(context.Background(), func(tx conductor.Tx) error {
		recs, err := tx.List("", "usagestage", conductor.Timeless)
		for _, r := range recs {
			var st struct{ Chunks []string }
			if err := json.Unmarshal(r.Data, &st); err != nil {
				return err
			}
			n += len(st.Chunks)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// storeSize is the size of the SQLite store in data: the database and its
// -wal and -shm files.
func storeSize(t *testing.T, data string) int64 {
	t.Helper()
	var n int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		info, err := os.Stat(filepath.Join(data, sqlite.FileName+suffix))
		if err == nil {
			n += info.Size()
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return n
}

// incompressibleCUR writes an October 2026 CUR of n usage lines with
// engineCUR's columns whose line item IDs are random, so that its stored
// chunks (gzip-compressed) are many: about 120 bytes a line.
func incompressibleCUR(t *testing.T, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "october-random.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(strings.SplitN(engineCUR, "\n", 2)[0] + "\n")
	rng := rand.New(rand.NewPCG(1, 2))
	id := make([]byte, 120)
	for i := range n {
		for j := range id {
			id[j] = byte(rng.Uint32())
		}
		cost := fmt.Sprintf("0.%06d", 1+i%997)
		fmt.Fprintf(w, "%s,INV-2,AWS,123456789012,2026-10-01T00:00:00Z,1000000000%02d,Usage,AmazonEC2,BoxUsage:m5.large,RunInstances,1,USD,%s,%s,%s,Amazon Elastic Compute Cloud,%s,%s\n",
			base64.RawURLEncoding.EncodeToString(id), 1+i%4, cost, cost, cost, cost, cost)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
