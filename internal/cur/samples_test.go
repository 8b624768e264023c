package cur

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

func sample(t *testing.T, name string) string { return curtest.SampleCUR(t, name) }

// cents rounds the sums to cents, the precision SOURCES.md gives.
func cents(m map[string]sums) map[string]sums {
	out := map[string]sums{}
	for k, s := range m {
		out[k] = sums{s.Rows, s.Unblended.Round(2), s.Public.Round(2)}
	}
	return out
}

func TestSamples(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		rows   int
		want   map[string]sums // from SOURCES.md, in cents
		check  func(t *testing.T, path string) map[string]sums
	}{
		{"Nov2018-WorkshopCUR-00001.snappy.parquet", Format{Parquet: true, Snake: true}, 124340,
			map[string]sums{
				"Usage":           {117129, dec("3357.94"), dec("3334.96")},
				"DiscountedUsage": {7202, dec("0"), dec("336.24")},
				"RIFee":           {9, dec("147.38"), dec("0")},
			}, independentParquet},
		{"sample-anonymous-aws-export-dataset.csv", Format{}, 1281,
			map[string]sums{
				"Usage": {1269, dec("1.60"), dec("3.36")},
				"Tax":   {12, dec("0.08"), dec("0")},
			}, independentCSV("lineItem/LineItemType", "lineItem/UnblendedCost", "pricing/publicOnDemandCost")},
		{"ha-project-CUR-daily-1-00001.csv", Format{Snake: true, CUR2: true}, 1882,
			map[string]sums{
				"Usage":  {1511, dec("47.68"), dec("49.56")},
				"Credit": {358, dec("-47.68"), dec("0")},
				"Tax":    {13, dec("0"), dec("0")},
			}, independentCSV("line_item_line_item_type", "line_item_unblended_cost", "pricing_public_on_demand_cost")},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := sample(t, tt.file)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Format() != tt.format {
				t.Errorf("Format() = %v, want %v", r.Format(), tt.format)
			}
			got := map[string]sums{}
			n := 0
			first := 2 // CSV: line 1 is the header
			if tt.format.Parquet {
				first = 1
			}
			each(t, r, func(rec *Record) {
				if rec.Line != first+n || len(rec.Raw) != len(r.Header()) {
					t.Fatalf("record %d: Line %d, %d raw fields", n, rec.Line, len(rec.Raw))
				}
				n++
				addSums(got, rec)
			})
			if n != tt.rows {
				t.Errorf("rows = %d, want %d", n, tt.rows)
			}
			if diff := cmp.Diff(tt.want, cents(got), decimalEqual); diff != "" {
				t.Errorf("sums by line item type vs SOURCES.md (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.check(t, path), got, decimalEqual); diff != "" {
				t.Errorf("sums vs an independent read (-want +got):\n%s", diff)
			}
		})
	}
}

// each calls fn for every record of r, failing the test on an error.
func each(t *testing.T, r *Reader, fn func(*Record)) {
	t.Helper()
	for rec, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		fn(&rec)
	}
}

func TestSampleParquetAccounts(t *testing.T) {
	r, err := Open(sample(t, "Nov2018-WorkshopCUR-00001.snappy.parquet"), WithoutRaw())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type acct struct {
		Rows      int
		Unblended decimal.Decimal
	}
	got := map[string]acct{}
	each(t, r, func(rec *Record) {
		a := got[rec.UsageAccountID]
		a.Rows++
		a.Unblended = a.Unblended.Add(rec.UnblendedCost)
		got[rec.UsageAccountID] = a
		if rec.PayerAccountID != "836060457634" || rec.BillingPeriod() != "2018-11" || rec.Currency != "USD" {
			t.Fatalf("row %d: payer %s period %s currency %s", rec.Line, rec.PayerAccountID, rec.BillingPeriod(), rec.Currency)
		}
	})
	for k, a := range got {
		got[k] = acct{a.Rows, a.Unblended.Round(2)}
	}
	want := map[string]acct{
		"836060457634": {90809, dec("3444.84")},
		"011254002932": {33531, dec("60.49")},
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("by usage account (-want +got):\n%s", diff)
	}
}

func TestSampleFOCUSRefused(t *testing.T) {
	_, err := Open(sample(t, "focus_sample.csv"))
	if !errors.Is(err, ErrFOCUS) {
		t.Fatalf("Open(FOCUS) = %v, want ErrFOCUS", err)
	}
}

func TestSampleFiles(t *testing.T) {
	sample(t, "SOURCES.md")
	got, err := Files(curtest.SamplesDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	want := []string{
		"Nov2018-WorkshopCUR-00001.snappy.parquet", "focus_sample.csv",
		"ha-project-CUR-daily-1-00001.csv", "sample-anonymous-aws-export-dataset.csv",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
}

// independentCSV sums a CSV by line item type with encoding/csv alone.
func independentCSV(typeCol, costCol, publicCol string) func(*testing.T, string) map[string]sums {
	return func(t *testing.T, path string) map[string]sums {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		m := map[string]sums{}
		for _, row := range rows[1:] {
			s := m[row[col[typeCol]]]
			s.Rows++
			s.Unblended = s.Unblended.Add(decimal.RequireFromString(row[col[costCol]]))
			s.Public = s.Public.Add(decimal.RequireFromString(row[col[publicCol]]))
			m[row[col[typeCol]]] = s
		}
		return m
	}
}

// independentParquet sums the Parquet sample column by column, page by page.
func independentParquet(t *testing.T, path string) map[string]sums {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	types := parquetColumn(t, pf, "line_item_line_item_type")
	costs := parquetColumn(t, pf, "line_item_unblended_cost")
	public := parquetColumn(t, pf, "pricing_public_on_demand_cost")
	m := map[string]sums{}
	for i := range types {
		k := string(types[i].ByteArray())
		s := m[k]
		s.Rows++
		s.Unblended = s.Unblended.Add(decimal.RequireFromString(strconv.FormatFloat(costs[i].Double(), 'f', -1, 64)))
		s.Public = s.Public.Add(decimal.RequireFromString(strconv.FormatFloat(public[i].Double(), 'f', -1, 64)))
		m[k] = s
	}
	return m
}

func parquetColumn(t *testing.T, pf *parquet.File, name string) []parquet.Value {
	leaf, ok := pf.Schema().Lookup(name)
	if !ok {
		t.Fatalf("no column %s", name)
	}
	var out []parquet.Value
	buf := make([]parquet.Value, 1024)
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for {
			p, err := pages.ReadPage()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			vals := p.Values()
			for {
				n, err := vals.ReadValues(buf)
				for _, v := range buf[:n] {
					out = append(out, v.Clone())
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			parquet.Release(p)
		}
		pages.Close()
	}
	return out
}

func TestSampleParquetWithoutRaw(t *testing.T) {
	path := sample(t, "Nov2018-WorkshopCUR-00001.snappy.parquet")
	full, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	lean, err := Open(path, WithoutRaw())
	if err != nil {
		t.Fatal(err)
	}
	defer lean.Close()
	n := 0
	each(t, full, func(a *Record) {
		b, err := lean.Next()
		if err != nil {
			t.Fatalf("lean reader at row %d: %v", a.Line, err)
		}
		if ka, kb := recordKey(*a), recordKey(b); ka != kb || b.Raw != nil {
			t.Fatalf("row %d differs:\nfull %s\nlean %s (Raw %q)", a.Line, ka, kb, b.Raw)
		}
		n++
	})
	if _, err := lean.Next(); err != io.EOF || n != 124340 {
		t.Errorf("after %d rows the lean reader returned %v, want io.EOF", n, err)
	}
}

// recordKey prints every field but Raw (cmp.Diff is too slow for 124k rows).
func recordKey(r Record) string {
	return fmt.Sprint(r.Line, r.BillingPeriodStart, r.PayerAccountID, r.UsageAccountID, r.BillingEntity,
		r.LineItemType, r.ProductCode, r.ServiceCode, r.ProductName, r.UsageType, r.Operation,
		r.UsageAmount.String(), r.UnblendedCost.String(), r.PublicOnDemandCost, r.PublicOnDemandRate,
		r.Currency, r.Description, r.SavingsPlanARN, r.ReservationARN, r.UsageStartDate)
}
