package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
