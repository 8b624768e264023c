package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/proforma-dev/proforma/internal/cur"
)

// TestGeneratedCURReads checks that a small generated CUR is deterministic,
// has exactly the lines asked for, parses with Proforma's own CUR reader,
// and holds every kind of line the scenario needs.
func TestGeneratedCURReads(t *testing.T) {
	const lines = 3000
	var a, b bytes.Buffer
	if err := writeCUR(&a, lines, 7, false); err != nil {
		t.Fatal(err)
	}
	if err := writeCUR(&b, lines, 7, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs with one seed differ")
	}
	rd, err := cur.NewReader(bytes.NewReader(a.Bytes()), "generated.csv")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	n := 0
	for rec, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
		types[rec.LineItemType]++
		if rec.BillingPeriod() != period || rec.PayerAccountID != payer {
			t.Fatalf("line %d: period %s payer %s", rec.Line, rec.BillingPeriod(), rec.PayerAccountID)
		}
	}
	if n != lines {
		t.Errorf("%d lines, want %d", n, lines)
	}
	for _, typ := range []string{"Usage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "DiscountedUsage",
		"Tax", "Credit", "Fee", "EdpDiscount", "BundledDiscount"} {
		if types[typ] == 0 {
			t.Errorf("no %s line in %d lines: %v", typ, lines, types)
		}
	}
}

// TestCURFileCaches checks that a generated file is reused by parameters.
func TestCURFileCaches(t *testing.T) {
	dir := t.TempDir()
	path, cached, err := curFile(dir, 100, 1, true)
	if err != nil || cached {
		t.Fatalf("first call: cached %v, err %v", cached, err)
	}
	if filepath.Ext(path) != ".gz" {
		t.Errorf("gzip file named %s", path)
	}
	again, cached, err := curFile(dir, 100, 1, true)
	if err != nil || !cached || again != path {
		t.Fatalf("second call: %s cached %v, err %v", again, cached, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the cache, want 1 (no temporary left)", len(entries))
	}
}
