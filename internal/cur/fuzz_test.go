package cur

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

// Seed inputs shared by the fuzz tests, besides testdata/fuzz/<Fuzz...>/.
var fuzzSeeds = []string{"legacy.csv", "cur2.csv", "bad-number.csv", "wrong-field-count.csv",
	"unknown-line-item-type.csv", "missing-column.csv", "focus.csv"}

// fuzzLimits are small enough for the seeds' line bombs and unterminated
// quotes (a few KiB) to pass them, and large enough for the other seeds.
var fuzzLimits = Limits{MaxFieldBytes: 256, MaxRecordBytes: 1024}

// FuzzReadCSV: no input makes the Reader panic, every error carries a
// position (*Error), and every record is consistent with the header. Read
// with small limits, the input yields what it yields without limits up to
// the record that passes a limit.
func FuzzReadCSV(f *testing.F) {
	for _, name := range fuzzSeeds {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A plain io.Reader, as a stream: no random access.
		limited, err := readChecked(t, io.MultiReader(bytes.NewReader(data)), WithLimits(fuzzLimits))
		full, _ := readChecked(t, io.MultiReader(bytes.NewReader(data)))
		if errors.Is(err, ErrLimit) {
			limited = limited[:len(limited)-1]
			full = full[:min(len(limited), len(full))]
		}
		if !slices.Equal(limited, full) {
			t.Errorf("read with limits (ending in %v) differs from the read without:\nlimited %q\nfull    %q", err, limited, full)
		}
	})
}

// FuzzReadGzip compresses the input, then optionally cuts or corrupts the
// stream. Intact streams must read exactly as the plain input does. Its seeds
// are the small inputs in testdata/fuzz/FuzzReadGzip: large seeds make the
// fuzzer spend its time minimizing (see -fuzzminimizetime).
func FuzzReadGzip(f *testing.F) {
	f.Fuzz(func(t *testing.T, plain []byte, cut, flip uint16) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(plain)
		zw.Close()
		z := buf.Bytes()
		if cut > 0 && int(cut) < len(z) {
			z = z[:cut]
		}
		if flip > 0 {
			z[int(flip)%len(z)] ^= 0x55
		}
		got, _ := readChecked(t, io.MultiReader(bytes.NewReader(z)), WithLimits(fuzzLimits))
		if cut == 0 && flip == 0 && !hasMagic(plain) {
			want, _ := readChecked(t, io.MultiReader(bytes.NewReader(plain)), WithLimits(fuzzLimits))
			if !slices.Equal(got, want) {
				t.Errorf("gzip read differs from plain read:\ngzip  %q\nplain %q", got, want)
			}
		}
	})
}

// fuzzParquetLimits keep each fuzzed read small and fast.
var fuzzParquetLimits = Limits{MaxParquetFooterBytes: 1 << 20, MaxParquetPageBytes: 1 << 20,
	MaxParquetPageValues: 1 << 16, MaxParquetRowGroupBytes: 32 << 20}

// FuzzReadParquet reads Parquet inputs through bytes.Reader (random
// access): no input makes the Reader panic or allocate what its footer or
// page headers claim, every error is an *Error, and every record is
// consistent with the header. Seeds: the files the Parquet tests write,
// curtest's valid file, and (in testdata/fuzz/FuzzReadParquet) hostile
// footers and page headers.
func FuzzReadParquet(f *testing.F) {
	for _, seed := range parquetSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, bytes.NewReader(data), WithLimits(fuzzParquetLimits))
		readChecked(t, bytes.NewReader(data), WithLimits(fuzzParquetLimits), WithoutRaw())
	})
}

// parquetSeeds returns the Parquet files of the Parquet tests.
func parquetSeeds(f *testing.F) [][]byte {
	period := time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC)
	legacy := []pqLegacyRow{{PeriodStart: period, BillingEntity: "AWS", Payer: "1", UsageAccount: "2",
		LineItemType: "Usage", UsageStart: period, ProductCode: "AmazonEC2", UsageType: "BoxUsage",
		Operation: "RunInstances", UsageAmount: 1, Currency: "USD", Unblended: 0.1, PublicCost: 0.2, PublicRate: "0.2"}}
	legacy = append(legacy, legacy[0], legacy[0])
	legacy[2].LineItemType, legacy[2].PublicRate = "RIFee", "n/a"
	cost := 1.5
	cur2 := []pqCUR2Row{{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "4", LineItemType: "Usage",
		ProductCode: "AmazonS3", Unblended: 1.5, PublicCost: &cost, Currency: "USD",
		Product: map[string]string{"product_name": "Amazon S3"}, Discount: map[string]float64{"d": -1},
		List: []string{"a", "b"}, Flag: true, Day: 1, Ratio: 0.5, Exact: 12}}
	cur2 = append(cur2, pqCUR2Row{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "5", LineItemType: "Tax", Currency: "USD"})
	valid, err := curtest.ValidParquet()
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{parquetBytes(f, legacy), parquetBytes(f, cur2), valid}
}

// parquetBytes writes rows as Parquet, two rows per row group.
func parquetBytes[T any](f *testing.F, rows []T) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.MaxRowsPerRowGroup(2))
	if _, err := w.Write(rows); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

func hasMagic(b []byte) bool {
	for _, m := range []string{"\x1f\x8b", "PAR1", "PK\x03\x04"} {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// readChecked reads r to the end, checks the invariants, and returns one
// line per record or error (for comparing two reads), and the error that
// ended the read (nil at the end of the input).
func readChecked(t *testing.T, r io.Reader, opts ...Option) ([]string, error) {
	var out []string
	rd, err := NewReader(r, "fuzz", opts...)
	if err != nil {
		return append(out, checkedError(t, err)), err
	}
	defer rd.Close()
	last := 1 // the header's line; Parquet rows count from 1
	if rd.Format().Parquet {
		last = 0
	}
	for range 100_000 {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			out = append(out, checkedError(t, err))
			if rowError(err) {
				continue
			}
			return out, err
		}
		if (rec.Raw != nil && len(rec.Raw) != len(rd.Header())) || rec.Line <= last {
			t.Fatalf("record at line %d (after %d): %d fields, header has %d", rec.Line, last, len(rec.Raw), len(rd.Header()))
		}
		if !slices.Contains(LineItemTypes, rec.LineItemType) {
			t.Fatalf("line %d: line item type %q", rec.Line, rec.LineItemType)
		}
		last = rec.Line
		out = append(out, fmt.Sprint(rec.Line, rec.Raw))
	}
	t.Fatal("reader did not end")
	return nil, nil
}

// rowError reports whether the Reader can go on after err.
func rowError(err error) bool {
	for _, e := range []error{ErrNumber, ErrTime, ErrLineItemType, ErrFieldCount} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func checkedError(t *testing.T, err error) string {
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *cur.Error", err, err)
	}
	if e.Err == nil || e.Error() == "" {
		t.Fatalf("error without a cause: %#v", e)
	}
	return e.Error()
}
