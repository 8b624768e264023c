package cur

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var legacyWant = map[string]sums{
	"Usage":                   {4, dec("0.5466"), dec("0.046650792")},
	"SavingsPlanCoveredUsage": {1, dec("0.0416"), dec("0.0416")},
	"SavingsPlanNegation":     {1, dec("-0.0416"), dec("0")},
	"SavingsPlanRecurringFee": {1, dec("22"), dec("0")},
	"DiscountedUsage":         {1, dec("0"), dec("0.188")},
	"RIFee":                   {1, dec("21.6"), dec("0")},
	"Tax":                     {1, dec("0.08"), dec("0")},
	"Credit":                  {1, dec("-5"), dec("0")},
	"EdpDiscount":             {1, dec("-0.00416"), dec("0")},
}

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		want   map[string]sums
	}{
		{"legacy.csv", Format{}, legacyWant},
		{"legacy.csv.gz", Format{Gzip: true}, legacyWant},
		{"legacy-gzipped-no-extension.csv", Format{Gzip: true}, legacyWant},
		{"cur2.csv", Format{Snake: true, CUR2: true}, map[string]sums{
			"Usage":  {1, dec("1.08"), dec("1.08")},
			"Credit": {1, dec("-1.08"), dec("0")},
			"Tax":    {1, dec("0"), dec("0")},
		}},
		{"cur2.csv.gz", Format{Gzip: true, Snake: true, CUR2: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs, r := openAll(t, filepath.Join("testdata", tt.file))
			if got := r.Format(); got != tt.format {
				t.Errorf("Format() = %v, want %v", got, tt.format)
			}
			if tt.want == nil {
				return
			}
			if diff := cmp.Diff(tt.want, sumByType(recs), decimalEqual); diff != "" {
				t.Errorf("sums by line item type (-want +got):\n%s", diff)
			}
			for _, rec := range recs {
				if len(rec.Raw) != len(r.Header()) {
					t.Errorf("line %d: %d raw fields, header has %d", rec.Line, len(rec.Raw), len(r.Header()))
				}
			}
		})
	}
}

func TestLegacyRecords(t *testing.T) {
	recs, r := openAll(t, "testdata/legacy.csv")
	var lines []int
	for _, rec := range recs {
		lines = append(lines, rec.Line)
	}
	// The record at line 12 spans lines 12-13.
	if want := []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14}; !cmp.Equal(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
	period := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	want := map[string]Record{
		"l03": {
			Line: 4, BillingPeriodStart: period, PayerAccountID: "999999999999", UsageAccountID: "111111111111",
			BillingEntity: "AWS", LineItemType: LineItemSavingsPlanNegation, ProductCode: "AmazonEC2",
			ServiceCode: "AmazonEC2", ProductName: "Amazon Elastic Compute Cloud", UsageType: "BoxUsage:t3.medium",
			Operation: "RunInstances", UsageAmount: dec("1"), UnblendedCost: dec("-0.0416"), Currency: "USD",
			Description:    "SavingsPlanNegation used by AccountId : 111111111111 and UsageSku : ABCDEFGH",
			SavingsPlanARN: "arn:aws:savingsplans::999999999999:savingsplan/0a1b2c3d-0000-4000-8000-000000000001",
			UsageStartDate: period.Add(time.Hour),
		},
		"l05": {
			Line: 6, BillingPeriodStart: period, PayerAccountID: "999999999999", UsageAccountID: "111111111111",
			BillingEntity: "AWS", LineItemType: LineItemDiscountedUsage, ProductCode: "AmazonEC2",
			ServiceCode: "AmazonEC2", ProductName: "Amazon Elastic Compute Cloud", UsageType: "BoxUsage:m5.large",
			Operation: "RunInstances:0002", UsageAmount: dec("1"), UnblendedCost: dec("0"),
			PublicOnDemandCost: nullDec("0.188"), PublicOnDemandRate: nullDec("0.188"), Currency: "USD",
			Description:    "USD 0.0 hourly fee per Windows (Amazon VPC), m5.large instance",
			ReservationARN: "arn:aws:ec2:us-east-1:999999999999:reserved-instances/11111111-2222-3333-4444-555555555555",
			UsageStartDate: period.Add(2 * time.Hour),
		},
		"l10": {
			Line: 11, BillingPeriodStart: period, PayerAccountID: "999999999999", UsageAccountID: "111111111111",
			BillingEntity: "AWS", LineItemType: LineItemUsage, ProductCode: "AmazonS3", ServiceCode: "AmazonS3",
			ProductName: "Amazon Simple Storage Service", UsageType: "TimedStorage-ByteHrs", Operation: "StandardStorage",
			UsageAmount: dec("0.0022083478"), UnblendedCost: dec("0"), PublicOnDemandCost: nullDec("0.000050792"),
			PublicOnDemandRate: nullDec("0.023"), Currency: "USD",
			Description:    `First 50 TB / month of storage used, "Standard"`,
			UsageStartDate: time.Date(2024, 3, 3, 5, 0, 0, 0, time.UTC),
		},
	}
	for _, rec := range recs {
		w, ok := want[rec.Raw[0]]
		if !ok {
			continue
		}
		if diff := cmp.Diff(w, rec, decimalEqual, cmpopts.IgnoreFields(Record{}, "Raw")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", rec.Raw[0], diff)
		}
	}
	if got := recs[10].Description; !strings.Contains(got, "\n(second line") {
		t.Errorf("multi-line description = %q", got)
	}
	if i := r.Index(FieldUnblendedCost); r.Header()[i] != "lineItem/UnblendedCost" {
		t.Errorf("Index(FieldUnblendedCost) = %d (%q)", i, r.Header()[i])
	}
	if got := r.Index(FieldUsageAmount); got < 0 {
		t.Errorf("Index(FieldUsageAmount) = %d", got)
	}
}

func TestCUR2ProductName(t *testing.T) {
	recs, r := openAll(t, "testdata/cur2.csv")
	got := []string{recs[0].ProductName, recs[2].ProductName}
	want := []string{"Amazon Elastic Compute Cloud", `Amazon Simple Storage Service & "Glacier"`}
	if !cmp.Equal(got, want) {
		t.Errorf("ProductName = %q, want %q", got, want)
	}
	if r.Index(FieldProductName) != -1 || r.Index(FieldReservationARN) != -1 {
		t.Errorf("absent optional columns must have Index -1")
	}
	if recs[0].PayerAccountID != "333333333333" || recs[1].PublicOnDemandRate.Valid {
		t.Errorf("record 1 = %+v", recs[0])
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string // fixture under testdata
		input   string // or inline CSV
		wantErr error
		line    int
		column  string
		msg     string // substring of Error()
		minLine int
		seek    bool // inline input offers io.ReaderAt and io.Seeker
	}{
		{name: "missing column", file: "missing-column.csv", wantErr: ErrMissingColumn, line: 1,
			column: "lineItem/UnblendedCost (line_item_unblended_cost)",
			msg:    "missing-column.csv:1: column lineItem/UnblendedCost (line_item_unblended_cost): missing required column (also missing: lineItem/CurrencyCode (line_item_currency_code))"},
		{name: "bad number", file: "bad-number.csv", wantErr: ErrNumber, line: 3, column: "lineItem/UnblendedCost",
			msg: `bad-number.csv:3: column lineItem/UnblendedCost: invalid number "0.04l6"`},
		{name: "wrong field count", file: "wrong-field-count.csv", wantErr: ErrFieldCount, line: 3,
			column: "lineItem/UsageAmount", msg: "wrong number of fields: row has 10, header has 20"},
		{name: "unknown line item type", file: "unknown-line-item-type.csv", wantErr: ErrLineItemType, line: 4,
			column: "lineItem/LineItemType", msg: `unknown line item type "Usages"`},
		{name: "truncated gzip", file: "truncated.csv.gz", wantErr: ErrTruncated, minLine: 5,
			msg: "gzip: truncated input: unexpected EOF"},
		{name: "FOCUS", file: "focus.csv", wantErr: ErrFOCUS, line: 1, msg: "FOCUS"},
		{name: "empty", input: "", wantErr: ErrNoHeader, line: 1},
		{name: "not a CUR", input: "a,b\n1,2\n", wantErr: ErrMissingColumn, line: 1, msg: "no CUR column"},
		{name: "snake names first", input: "line_item_line_item_type\nUsage\n", wantErr: ErrMissingColumn, line: 1,
			column: "bill_billing_period_start_date (bill/BillingPeriodStartDate)"},
		{name: "bare quote", input: "a,b\"c\n", wantErr: csv.ErrBareQuote, line: 1},
		{name: "bad gzip header", input: "\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\x00rest", wantErr: gzip.ErrHeader, msg: "gzip: invalid header"},
		{name: "short gzip", input: "\x1f\x8b", wantErr: ErrTruncated},
		{name: "parquet needs random access", input: "PAR1xxxx", msg: "random access"},
		{name: "short parquet", input: "PAR1xxxx", seek: true, msg: "inline.csv: parquet: file of 8 bytes is too short"},
		{name: "corrupt parquet", input: "PAR1xxxxxxxxxxxx", seek: true, msg: `inline.csv: parquet: magic bytes "PAR1"…"xxxx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readUntilError(t, tt.file, tt.input, tt.seek)
			if err == nil {
				t.Fatal("no error")
			}
			e := asError(t, err)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			if tt.file != "" && e.File != filepath.Join("testdata", tt.file) {
				t.Errorf("File = %q", e.File)
			}
			if tt.line != 0 && e.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", e.Line, tt.line, err)
			}
			if e.Line < tt.minLine {
				t.Errorf("Line = %d, want the line reached, at least %d (%v)", e.Line, tt.minLine, err)
			}
			if e.Column != tt.column && tt.column != "" {
				t.Errorf("Column = %q, want %q", e.Column, tt.column)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Error() = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

// readUntilError opens a fixture (or inline input) and reads to the first error.
func readUntilError(t *testing.T, file, input string, seek bool) error {
	var (
		r   *Reader
		err error
	)
	if file != "" {
		r, err = Open(filepath.Join("testdata", file))
	} else if seek {
		r, err = NewReader(strings.NewReader(input), "inline.csv")
	} else {
		r, err = NewReader(io.MultiReader(strings.NewReader(input)), "inline.csv")
	}
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = readAll(t, r)
	return err
}

func TestContinueAfterRowError(t *testing.T) {
	r, err := Open("testdata/bad-number.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var lines []int
	var errs int
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs++
			continue
		}
		lines = append(lines, rec.Line)
	}
	if errs != 1 || !cmp.Equal(lines, []int{2, 4}) {
		t.Errorf("errors = %d, lines = %v; want 1 and [2 4]", errs, lines)
	}
}

// All yields the records before a failing row, then the row's *Error, and
// stops there; breaking out of the loop early stops it too.
func TestAllStopsAtTheFirstError(t *testing.T) {
	r, err := Open("testdata/bad-number.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var lines []int
	var errs []error
	for rec, err := range r.All() {
		if err != nil {
			errs = append(errs, err)
			continue // All ends after yielding it all the same
		}
		lines = append(lines, rec.Line)
	}
	var ce *Error
	if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Line != 3 || !cmp.Equal(lines, []int{2}) {
		t.Errorf("errors %v, lines %v; want line 3's error after [2]", errs, lines)
	}
	for rec := range r.All() { // the rest of the file, from where Next left it
		if rec.Line != 4 {
			t.Errorf("after the error: line %d, want 4", rec.Line)
		}
		break
	}
}

func TestNextBatch(t *testing.T) {
	want, _ := openAll(t, "testdata/legacy.csv")
	r, err := Open("testdata/legacy.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []Record
	batch := make([]Record, 5)
	for {
		n, err := r.NextBatch(batch)
		for _, rec := range batch[:n] {
			rec.Raw = append([]string(nil), rec.Raw...)
			got = append(got, rec)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("NextBatch returned 0, nil")
		}
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("NextBatch differs from Next (-want +got):\n%s", diff)
	}
}

func TestFilesSortedSkippingManifests(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"r/20240301-20240401/r-Manifest.json", "r/20240301-20240401/a/r-10.csv.gz",
		"r/20240301-20240401/a/r-2.csv.gz", "r/20240301-20240401/a/r-1.csv.gz",
		"r/20240201-20240301/x.snappy.parquet", "r/.hidden/r-1.csv", "r/notes.txt", "r/.DS_Store.csv",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = filepath.ToSlash(strings.TrimPrefix(got[i], dir+string(filepath.Separator)))
	}
	want := []string{
		"r/20240201-20240301/x.snappy.parquet", "r/20240301-20240401/a/r-1.csv.gz",
		"r/20240301-20240401/a/r-2.csv.gz", "r/20240301-20240401/a/r-10.csv.gz",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	one, err := Files(filepath.Join(dir, "r/notes.txt"))
	if err != nil || len(one) != 1 {
		t.Errorf("Files(file) = %v, %v; want the file itself", one, err)
	}
	if _, err := Files(filepath.Join(dir, "absent")); err == nil {
		t.Error("Files(absent) succeeded")
	}
}

func TestReaderFromStream(t *testing.T) {
	data, err := os.ReadFile("testdata/legacy.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	// A plain io.Reader (no ReaderAt) is enough for gzip CSV.
	r, err := NewReader(io.MultiReader(bytes.NewReader(data)), "stream")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	if err != nil || len(recs) != 12 {
		t.Fatalf("read %d records, %v; want 12", len(recs), err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err == nil {
		t.Error("Next after Close succeeded")
	}
}

func TestZip(t *testing.T) {
	data, err := os.ReadFile("testdata/legacy.csv")
	if err != nil {
		t.Fatal(err)
	}
	archive := func(names ...string) *bytes.Reader {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			w, err := zw.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(buf.Bytes())
	}
	r, err := NewReader(archive("report-1.csv"), "report.zip")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	if err != nil || len(recs) != 12 || !r.Format().Zip {
		t.Errorf("zip: %d records, %v, format %v", len(recs), err, r.Format())
	}
	_, err = NewReader(archive("a.csv", "b.csv"), "two.zip")
	if e := asError(t, err); e.File != "two.zip" || !strings.Contains(err.Error(), "found 2") {
		t.Errorf("two files: %v", err)
	}
}
