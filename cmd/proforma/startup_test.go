package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// largeOrgAccounts is the size of a reseller's organization (issue 13).
const largeOrgAccounts = 10_000

// largeOrgYAML is an organization file with one payer and n linked accounts.
func largeOrgYAML(n int) string {
	var b strings.Builder
	b.WriteString("payers:\n  - id: \"123456789012\"\n    name: Reseller\n    accounts:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - id: \"%012d\"\n        name: Linked %d\n", 100000000001+i, i)
	}
	return b.String()
}

// TestStartupLargeOrganization starts the real binary twice on one data
// directory with a 10,000-account organization file and logs the time from
// process start to health 200: the first start seeds the organization, the
// second finds it unchanged and skips seeding; a start with the demo
// organization is the peer measured in the same run. It asserts no timing
// (machines are noisy); the figures are for the reader. The health poll runs
// every 20 ms, which bounds their resolution.
func TestStartupLargeOrganization(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary with a 10,000-account organization")
	}
	proformaBinary(t) // build outside the measured starts
	org := writeOrg(t, largeOrgYAML(largeOrgAccounts))
	data := filepath.Join(t.TempDir(), "data")
	for _, start := range []string{"first start (seeds)", "second start (unchanged)"} {
		began := time.Now()
		p := startProforma(t, data, "--org", org)
		t.Logf("%s with %d accounts: healthy after %v", start, largeOrgAccounts, time.Since(began).Round(time.Millisecond))
		if got := countAccounts(t, p.URL); got != largeOrgAccounts+1 {
			t.Errorf("%s: %d accounts in the organization, want %d (the linked accounts and the payer)", start, got, largeOrgAccounts+1)
		}
		p.Stop()
	}
	began := time.Now()
	startProforma(t, filepath.Join(t.TempDir(), "demo")).Stop()
	t.Logf("peer: a start with the demo organization: healthy after %v", time.Since(began).Round(time.Millisecond))
}

// countAccounts returns how many accounts the admin endpoint lists for the
// default payer.
func countAccounts(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/_proforma/accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Accounts []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET /_proforma/accounts: %s: %v", resp.Status, err)
	}
	return len(body.Accounts)
}
