package cur

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

// TestFooterCostsCoverFormat checks the decoded-size estimates of the
// footer walk against parquet-go's types: every struct that appears as a
// list element in a FileMetaData decodes to at most structCost bytes,
// except ColumnChunk (chunkCost) and SchemaElement (elementCost).
func TestFooterCostsCoverFormat(t *testing.T) {
	special := map[reflect.Type]int64{
		reflect.TypeFor[format.ColumnChunk]():   chunkCost,
		reflect.TypeFor[format.SchemaElement](): elementCost,
	}
	seen := map[reflect.Type]bool{}
	var walk func(rt reflect.Type, inList bool)
	walk = func(rt reflect.Type, inList bool) {
		if rt.Kind() == reflect.Struct && inList {
			limit, ok := special[rt]
			if !ok {
				limit = structCost
			}
			if int64(rt.Size()) > limit {
				t.Errorf("%v decodes to %d bytes, more than the %d the footer walk counts", rt, rt.Size(), limit)
			}
		}
		if seen[rt] {
			return
		}
		seen[rt] = true
		switch rt.Kind() {
		case reflect.Struct:
			for i := range rt.NumField() {
				ft := rt.Field(i).Type
				// thrift.Slice[T] is a struct holding a []T.
				list := ft.Kind() == reflect.Slice || strings.HasPrefix(ft.Name(), "Slice[")
				walk(ft, list)
			}
		case reflect.Slice, reflect.Pointer, reflect.Array:
			walk(rt.Elem(), inList)
		}
	}
	walk(reflect.TypeFor[format.FileMetaData](), false)
	if !seen[reflect.TypeFor[format.ColumnChunk]()] {
		t.Error("the walk did not reach format.ColumnChunk: thrift.Slice changed shape?")
	}
}

// TestParquetCodecs reads a file of each codec parquet-go supports, then
// the same file with a page header claiming 1 uncompressed byte: the
// preflight decodes (or, for snappy, reads the block length) and refuses it.
func TestParquetCodecs(t *testing.T) {
	for _, codec := range []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip,
		&parquet.Brotli, &parquet.Zstd, &parquet.Lz4Raw} {
		t.Run(codec.String(), func(t *testing.T) {
			data, err := curtest.ValidParquet(parquet.Compression(codec))
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewReader(bytes.NewReader(data), "ok.parquet")
			if err != nil {
				t.Fatal(err)
			}
			if recs, err := readAll(t, r); err != nil || len(recs) != 2 {
				t.Fatalf("%d records, %v", len(recs), err)
			}
			if codec == &parquet.Uncompressed {
				return
			}
			lie, err := curtest.PatchPageHeader(data, func(h *format.PageHeader) { h.UncompressedPageSize = 1 })
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewReader(bytes.NewReader(lie), "lie.parquet")
			if err == nil || !strings.Contains(err.Error(), "lie.parquet: column line_item_unblended_cost: parquet: row group 0: page at byte") ||
				!strings.Contains(err.Error(), codec.String()+" page:") {
				t.Errorf("page claiming 1 byte: %v", err)
			}
			t.Log(err)
		})
	}
}

// TestParquetChecks refuses footers and page headers that claim more than
// the file holds or the limits allow, each with its cause.
func TestParquetChecks(t *testing.T) {
	valid, err := curtest.ValidParquet()
	if err != nil {
		t.Fatal(err)
	}
	footer := func(edit func(*format.FileMetaData)) []byte {
		b, err := curtest.PatchFooter(valid, edit)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	page := func(edit func(*format.PageHeader)) []byte {
		b, err := curtest.PatchPageHeader(valid, edit)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lastMeta := func(m *format.FileMetaData) *format.ColumnMetaData {
		cols := m.RowGroups[0].Columns
		return &cols[len(cols)-1].MetaData
	}
	wrap := curtest.ParquetFooter
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   string
		limit  bool // errors.Is(err, ErrLimit)
	}{
		{name: "encrypted footer", data: append(bytes.Clone(valid[:len(valid)-4]), "PARE"...),
			want: "encrypted footers are not supported"},
		{name: "footer over the limit", data: valid, limits: Limits{MaxParquetFooterBytes: 100},
			want: "parquet: footer of", limit: true},
		{name: "bytes after the metadata", data: wrap(append(curtest.QuadraticFooter(1), 0)),
			want: "1 bytes after the FileMetaData"},
		{name: "decoded footer over the limit", data: wrap(curtest.QuadraticFooter(1000)), limits: Limits{MaxParquetFooterBytes: 64 << 10},
			want: "decoding the footer would take more than 0 MiB", limit: true},
		{name: "deep schema", data: wrap(curtest.DeepSchemaFooter(40)), want: "schema nested deeper than 32", limit: true},
		{name: "children beyond the schema", data: wrap([]byte{0x15, 0x02, 0x19, 0x1c, 0x48, 0x01, 'r', 0x15, 0x0a, 0x00, 0x16, 0x00, 0x19, 0x0c, 0x00}),
			want: `"r" claims 5 children, 0 elements follow`},
		{name: "root is a column", data: wrap([]byte{0x15, 0x02, 0x19, 0x1c, 0x15, 0x02, 0x38, 0x01, 'r', 0x00, 0x16, 0x00, 0x19, 0x0c, 0x00}),
			want: "parquet: footer has no schema root"},
		{name: "nested lists", data: wrap(append(append([]byte{0x15, 0x02, 0x89}, bytes.Repeat([]byte{0x19}, 40)...), 0x09)),
			want: "nested deeper than 32"},
		{name: "long varint", data: wrap(append([]byte{0x15}, bytes.Repeat([]byte{0xff}, 11)...)), want: "varint overflows 64 bits"},
		{name: "unknown type", data: wrap([]byte{0x1e, 0x00}), want: "unknown type 14"},
		{name: "column data outside the file", data: footer(func(m *format.FileMetaData) { lastMeta(m).DataPageOffset = 1 << 40 }),
			want: "is outside the file's data"},
		{name: "unsupported codec", data: footer(func(m *format.FileMetaData) { lastMeta(m).Codec = format.LZO }),
			want: "compression codec 3 is not supported"},
		{name: "encrypted column", data: footer(func(m *format.FileMetaData) {
			m.RowGroups[0].Columns[0].EncryptedColumnMetadata = []byte{1}
		}), want: "column bill_billing_period_start_date: parquet: row group 0: encrypted columns are not supported"},
		{name: "column ratio", data: footer(func(m *format.FileMetaData) { lastMeta(m).TotalUncompressedSize = 1 << 40 }),
			want: "claim to expand to 1099511627776, more than 1000 times", limit: true},
		{name: "page ratio", data: page(func(h *format.PageHeader) { h.UncompressedPageSize = 20 << 20 }),
			want: "claims to expand to 20971520, more than 1000 times", limit: true},
		{name: "page beyond its chunk", data: page(func(h *format.PageHeader) { h.CompressedPageSize = 1 << 20 }),
			want: "page of 1048576 bytes, 18 left in the column chunk"},
		{name: "page over a small limit", data: valid, limits: Limits{MaxParquetPageBytes: 8},
			want: "more than 8", limit: true},
		{name: "row group over a small limit", data: valid, limits: Limits{MaxParquetRowGroupBytes: 100},
			want: "row group 0: reading it would take about 0 MiB, more than 0 MiB", limit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.data), "x.parquet", WithLimits(tt.limits))
			if err == nil {
				t.Fatal("no error")
			}
			if e := asError(t, err); e.File != "x.parquet" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q; want it to name x.parquet and contain %q", err, tt.want)
			}
			if tt.limit != errors.Is(err, ErrLimit) {
				t.Errorf("errors.Is(%v, ErrLimit) = %v, want %v", err, !tt.limit, tt.limit)
			}
		})
	}
}

// TestParquetMemoryOfColumnsRead: the row-group memory limit counts only
// the columns read, so WithoutRaw reads a wide file a full read may not.
func TestParquetMemoryOfColumnsRead(t *testing.T) {
	path := sample(t, "Nov2018-WorkshopCUR-00001.snappy.parquet")
	small := WithLimits(Limits{MaxParquetRowGroupBytes: 64 << 20})
	_, err := Open(path, small)
	if err == nil || !strings.Contains(err.Error(), "row group 0: reading it would take about 131 MiB, more than 64 MiB") {
		t.Errorf("full read under a 64 MiB limit: %v", err)
	}
	r, err := Open(path, small, WithoutRaw())
	if err != nil {
		t.Fatalf("WithoutRaw read under a 64 MiB limit: %v", err)
	}
	r.Close()
}

// TestParquetRowValues counts the values of a row of a map column across
// pages: run-length encoded (curtest's row bomb, data pages v1 written by
// hand), and as parquet-go writes pages v1 (snappy, decompressed for the
// levels) and v2 (levels uncompressed).
func TestParquetRowValues(t *testing.T) {
	bomb, err := curtest.RowBombParquet(4, 1000)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewReader(bytes.NewReader(bomb), "bomb.parquet", WithLimits(Limits{MaxParquetRowValues: 3999}))
	if err == nil || !strings.Contains(err.Error(), "cur: bomb.parquet: column product.key_value.key: parquet: row group 0: page at byte") ||
		!strings.HasSuffix(err.Error(), "a row holds more than 3999 values of this column") {
		t.Errorf("4,000 entries over 4 pages, 3,999 allowed: %v", err)
	}
	r, err := NewReader(bytes.NewReader(bomb), "bomb.parquet", WithLimits(Limits{MaxParquetRowValues: 4000}))
	if err != nil {
		t.Fatalf("4,000 entries, 4,000 allowed: %v", err)
	}
	recs, err := readAll(t, r)
	if err != nil || len(recs) != 1 || strings.Count(recs[0].Raw[len(recs[0].Raw)-1], `"k":"v"`) != 4000 {
		t.Errorf("read %d records, %v", len(recs), err)
	}
	product := map[string]string{}
	for i := range 300 {
		product[strconv.Itoa(i)] = "x"
	}
	for _, version := range []int{1, 2} {
		data, err := mapParquet(product, parquet.DataPageVersion(version))
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewReader(bytes.NewReader(data), "map.parquet", WithLimits(Limits{MaxParquetRowValues: 299}))
		if err == nil || !strings.HasSuffix(err.Error(), "a row holds more than 299 values of this column") {
			t.Errorf("pages v%d, 300 entries, 299 allowed: %v", version, err)
		}
		if _, err := NewReader(bytes.NewReader(data), "map.parquet", WithLimits(Limits{MaxParquetRowValues: 300})); err != nil {
			t.Errorf("pages v%d, 300 entries, 300 allowed: %v", version, err)
		}
	}
}

// mapParquet writes one CUR row with the product map, snappy-compressed.
func mapParquet(product map[string]string, opts ...parquet.WriterOption) ([]byte, error) {
	var buf bytes.Buffer
	row := curtest.MapRow{Row: curtest.Row{BillingEntity: "AWS", UsageAccount: "100000000001", LineItemType: "Usage"}, Product: product}
	w := parquet.NewGenericWriter[curtest.MapRow](&buf, append(opts, parquet.Compression(&parquet.Snappy))...)
	if _, err := w.Write([]curtest.MapRow{row}); err != nil {
		return nil, err
	}
	err := w.Close()
	return buf.Bytes(), err
}

// TestParquetBatch: a batch holds at most about MaxParquetRowValues values
// of each repeated column read.
func TestParquetBatch(t *testing.T) {
	c := &pqCosts{top: []string{"a", "m", "m"}, rows: []int64{1, 5000, 4000}}
	l := &Limits{MaxParquetRowValues: 1 << 20}
	for _, tt := range []struct {
		read []string
		want int
	}{{nil, 209}, {[]string{"a"}, parquetBatch}, {[]string{"m"}, 209}} {
		if got := c.batch(tt.read, l); got != tt.want {
			t.Errorf("batch(%v) = %d, want %d", tt.read, got, tt.want)
		}
	}
	if got := c.batch(nil, &Limits{MaxParquetRowValues: 10}); got != 1 {
		t.Errorf("batch with rows over the limit = %d, want 1", got)
	}
}

// TestParquetRowText: a row's text is bounded by MaxRecordBytes, as a CSV
// record is, in scalar columns and in maps.
func TestParquetRowText(t *testing.T) {
	data, err := mapParquet(map[string]string{"product_name": strings.Repeat("x", 300)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(data), "long.parquet", WithLimits(Limits{MaxRecordBytes: 200}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, r)
	if err == nil || err.Error() != "cur: long.parquet: row 1: column product: row longer than 200 bytes" || !errors.Is(err, ErrLimit) {
		t.Errorf("a 300-byte map value under a 200-byte limit: %v", err)
	}
	r, err = NewReader(bytes.NewReader(data), "long.parquet", WithLimits(Limits{MaxRecordBytes: 400}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, r); err != nil {
		t.Errorf("under a 400-byte limit: %v", err)
	}
}

// TestParquetDecimalBytes refuses a DECIMAL of more than 32 bytes, whose
// text would take quadratic time.
func TestParquetDecimalBytes(t *testing.T) {
	l := pqLeaf{kind: leafDecimal, scale: 2}
	if got, err := l.appendDecimal(nil, parquet.ByteArrayValue([]byte{0x30, 0x39})); err != nil || string(got) != "123.45" {
		t.Errorf("12345 at scale 2 = %q, %v", got, err)
	}
	if _, err := l.appendDecimal(nil, parquet.ByteArrayValue(make([]byte, 33))); err == nil || err.Error() != "decimal of 33 bytes, more than 32" {
		t.Errorf("33-byte decimal: %v", err)
	}
}
