package cur

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// roundTrip writes recs with header in format f and reads them back.
func roundTrip(t *testing.T, header []string, recs []Record, f Format, extra ...[]string) ([]Record, *Reader) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, header, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec.Raw); err != nil {
			t.Fatal(err)
		}
	}
	for _, row := range extra {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, "roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	return got, r
}

func TestWriterRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		file   string
		format Format
	}{
		{"legacy.csv", Format{}},
		{"legacy.csv", Format{Gzip: true}},
		{"cur2.csv.gz", Format{Snake: true, CUR2: true}},
		{"cur2.csv", Format{Gzip: true, Snake: true, CUR2: true}},
	} {
		t.Run(tt.file+"/"+tt.format.String(), func(t *testing.T) {
			want, in := openAll(t, filepath.Join("testdata", tt.file))
			got, out := roundTrip(t, in.Header(), want, tt.format)
			if out.Format() != tt.format {
				t.Errorf("Format() = %v, want %v", out.Format(), tt.format)
			}
			if diff := cmp.Diff(in.Header(), out.Header()); diff != "" {
				t.Errorf("header (-in +out):\n%s", diff)
			}
			if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
				t.Errorf("records (-in +out):\n%s", diff)
			}
		})
	}
}

func TestWriterParquetToCSV(t *testing.T) {
	period := time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC)
	row := pqLegacyRow{PeriodStart: period, BillingEntity: "AWS", UsageAccount: "2", LineItemType: "Usage",
		UsageStart: period, ProductCode: "AmazonEC2", Currency: "USD", Unblended: 0.1, PublicCost: 1e-9}
	in, err := NewReader(writeParquet(t, []pqLegacyRow{row, row, row}), "in.parquet")
	if err != nil {
		t.Fatal(err)
	}
	want, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := roundTrip(t, in.Header(), want, Format{})
	for i := range want {
		want[i].Line++ // the CSV has a header line
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("Parquet exported as CSV (-parquet +csv):\n%s", diff)
	}
}

func TestWriterCustomLineItemRow(t *testing.T) {
	recs, in := openAll(t, "testdata/legacy.csv")
	fee := slices.Clone(recs[0].Raw)
	fee[in.Index(FieldLineItemType)] = LineItemFee
	fee[in.Index(FieldUnblendedCost)] = "10.00"
	fee[in.Index(FieldDescription)] = "Proforma_Fee: support, flat"
	got, _ := roundTrip(t, in.Header(), recs, Format{}, fee)
	last := got[len(got)-1]
	if len(got) != len(recs)+1 || last.LineItemType != LineItemFee || !last.UnblendedCost.Equal(dec("10")) {
		t.Errorf("last record = %+v", last)
	}
}

func TestWriterErrors(t *testing.T) {
	header := []string{"a", "b"}
	if _, err := NewWriter(&bytes.Buffer{}, header, Format{Parquet: true}); !errors.Is(err, ErrParquetWrite) {
		t.Errorf("Parquet: %v, want ErrParquetWrite", err)
	}
	if _, err := NewWriter(&bytes.Buffer{}, nil, Format{}); err == nil {
		t.Error("empty header accepted")
	}
	w, err := NewWriter(&bytes.Buffer{}, header, Format{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Write([]string{"1"})
	if e := asError(t, err); !errors.Is(err, ErrFieldCount) || e.Line != 2 {
		t.Errorf("short row: %v", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "dir.csv"), header, Format{}); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}

func TestCreate(t *testing.T) {
	recs, in := openAll(t, "testdata/legacy.csv")
	path := filepath.Join(t.TempDir(), "proforma.csv.gz")
	w, err := Create(path, in.Header(), Format{Gzip: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, r := openAll(t, path)
	if !r.Format().Gzip || len(got) != len(recs) {
		t.Errorf("read back %d records, format %v", len(got), r.Format())
	}
}
