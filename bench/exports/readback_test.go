package main

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/proforma-dev/proforma/bench/internal/benchproc"
	"github.com/proforma-dev/proforma/internal/harness"
)

// curRow and focusRow are the few columns of the exports the readback
// needs, typed as `proforma export` types the costs.
type curRow struct {
	Account     string   `parquet:"line_item_usage_account_id"`
	Unblended   [16]byte `parquet:"line_item_unblended_cost,decimal(18:38)"`
	Blended     [16]byte `parquet:"line_item_blended_cost,decimal(18:38)"`
	NetAsString string   `parquet:"line_item_net_unblended_cost,optional"` // not a number: reported, not summed
}

type focusRow struct {
	SubAccountID string   `parquet:"SubAccountId"`
	BilledCost   [16]byte `parquet:"BilledCost,decimal(18:38)"`
}

// legacyRow has a legacy CSV header's name and no decimal: the readback
// takes the cost column case-insensitively, and reports the type it finds.
type legacyRow struct {
	Unblended float64 `parquet:"lineitem/unblendedcost"`
}

// decimal38 is d as a DECIMAL(38,18) FIXED_LEN_BYTE_ARRAY(16): the unscaled
// value, big-endian two's complement.
func decimal38(t *testing.T, s string) [16]byte {
	t.Helper()
	u := decimal.RequireFromString(s).Shift(18).BigInt()
	if u.BitLen() > 127 {
		t.Fatalf("%s does not fit DECIMAL(38,18)", s)
	}
	if u.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	var b [16]byte
	u.FillBytes(b[:])
	return b
}

func writeParquet[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

// TestReadBack runs readback.mjs on Parquet files written here, when node
// and DuckDB's npm package are installed: DuckDB's sums are exact to the
// 18th decimal, negative amounts included, and an unreadable file or one
// without a cost column is an error of that file alone.
func TestReadBack(t *testing.T) {
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if why := benchproc.DuckDBMissing(root); why != "" {
		t.Skip(why)
	}
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name+".parquet") }
	writeParquet(t, path("parquet"), []curRow{
		{"011254002932", decimal38(t, "0.123456789012345678"), decimal38(t, "1"), "1"},
		{"011254002932", decimal38(t, "-0.000000000000000001"), decimal38(t, "1"), ""},
		{"836060457634", decimal38(t, "12345678901234567890.5"), decimal38(t, "1.25"), "1"},
	})
	writeParquet(t, path("focus"), []focusRow{{"011254002932", decimal38(t, "12.34")}, {"836060457634", decimal38(t, "-2.345")}})
	writeParquet(t, path("legacy"), []legacyRow{{0.1}, {0.2}})
	writeParquet(t, path("nocost"), []focusRow{{"x", decimal38(t, "1")}})
	if err := os.WriteFile(path("garbage"), []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	order := []string{"parquet", "focus", "legacy", "garbage", "nocost", "missing"}
	var files []readbackFile
	for _, name := range order {
		cols := costColumns["parquet"]
		if name == "focus" || name == "missing" {
			cols = costColumns["focus"]
		}
		files = append(files, readbackFile{Path: path(name), CostColumns: cols, AlsoColumns: alsoColumns["parquet"]})
	}
	out, err := readBack(root, dir, files)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DuckDB %s", out.Version)
	want := []readback{
		{CostColumn: "line_item_unblended_cost", CostType: "DECIMAL(38,18)", Sum: "12345678901234567890.623456789012345677", Rows: 3},
		{CostColumn: "BilledCost", CostType: "DECIMAL(38,18)", Sum: "9.995000000000000000", Rows: 2},
		{CostColumn: "lineitem/unblendedcost", CostType: "DOUBLE", Rows: 2},
	}
	for i, w := range want {
		got := out.Files[i]
		if got.Error != "" || got.CostColumn != w.CostColumn || got.CostType != w.CostType || got.Rows != w.Rows ||
			(w.Sum != "" && got.Sum != w.Sum) {
			t.Errorf("%s: got %+v\nwant %+v", order[i], got, w)
		}
	}
	if cols := out.Files[0].Columns; len(cols) != 4 || cols[0] != (column{"line_item_usage_account_id", "VARCHAR"}) {
		t.Errorf("parquet columns = %v", cols)
	}
	wantAlso := []columnSum{{Column: "line_item_blended_cost", Type: "DECIMAL(38,18)", Sum: "3.250000000000000000"},
		{Column: "line_item_net_unblended_cost", Type: "VARCHAR", Error: "VARCHAR, not a number"}}
	if got := out.Files[0].Also; len(got) != 2 || got[0] != wantAlso[0] || got[1] != wantAlso[1] {
		t.Errorf("parquet also = %+v, want %+v", got, wantAlso)
	}
	if got := out.Files[1].Also; len(got) != 0 {
		t.Errorf("focus also = %+v, want none", got)
	}
	for _, i := range []int{3, 4, 5} {
		if out.Files[i].Error == "" {
			t.Errorf("%s: no error: %+v", order[i], out.Files[i])
		} else {
			t.Logf("%s: %s", order[i], out.Files[i].Error)
		}
	}
}
