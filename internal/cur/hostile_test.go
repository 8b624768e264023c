package cur

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

// TestHostileFiles reads every hostile file of curtest: each is refused
// with an *Error naming it, and the read allocates little in all.
func TestHostileFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 310 MB of hostile files")
	}
	files, err := curtest.Hostile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := readFile(f.Path)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("%s (%s) was read without an error", f.Name, f.Why)
			}
			e := asError(t, err)
			if !strings.Contains(e.File, f.Name) {
				t.Errorf("error names %q, not the file: %v", e.File, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("reading allocated %d MiB in all, want under 64 (%v)", alloc>>20, err)
			}
			t.Logf("%s: %v", f.Why, err)
		})
	}
}

// readFile opens and reads path to the end or the first error.
func readFile(path string, opts ...Option) error {
	r, err := Open(path, opts...)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// TestHostileParquetRefusedBeforeParquetGo checks each small hostile
// Parquet file is refused by the preflight, with the cause it is about.
func TestHostileParquetRefusedBeforeParquetGo(t *testing.T) {
	samples, err := curtest.ParquetSamples()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"parquet-list-claim.parquet":         "footer: malformed Thrift metadata: size 2147483647 claimed with 0 bytes left",
		"parquet-string-claim.parquet":       "footer: malformed Thrift metadata: size 2147483647 claimed with 0 bytes left",
		"parquet-row-group-claim.parquet":    "footer: malformed Thrift metadata: size 2147483647 claimed with 0 bytes left",
		"parquet-footer-beyond-file.parquet": "parquet: footer length 4294967280 is more than the 8 bytes before it",
		"parquet-page-claim.parquet":         "page claims 2147483647 bytes",
		"parquet-page-values.parquet":        "page claims 2147483647 values, more than 4194304",
		"parquet-quadratic.parquet":          "parquet: row group 0 has 0 column chunks, the schema 100000 columns",
		"parquet-row-bomb.parquet":           "column product.key_value.key: parquet: row group 0: page at byte",
	}
	for _, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(s.Data), s.Name)
			if err == nil {
				t.Fatal("no error")
			}
			e := asError(t, err)
			if e.File != s.Name || !strings.Contains(err.Error(), want[s.Name]) {
				t.Errorf("error %q; want it to name %s and contain %q", err, s.Name, want[s.Name])
			}
			if strings.Contains(s.Name, "-page-") && (e.Column != "line_item_unblended_cost" || !errors.Is(err, ErrLimit)) {
				t.Errorf("page error: Column = %q, errors.Is(ErrLimit) = %v; want the last column and ErrLimit", e.Column, errors.Is(err, ErrLimit))
			}
		})
	}
	valid, err := curtest.ValidParquet()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(valid), "valid.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := readAll(t, r); err != nil || len(recs) != 2 {
		t.Errorf("valid file: %d records, %v", len(recs), err)
	}
}
