package cur

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

const limitsHeader = "bill/BillingPeriodStartDate,bill/BillingEntity,lineItem/UsageAccountId,lineItem/LineItemType," +
	"lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode\n"

// limitsRow returns a record whose lineItem/UsageType is usageType as written.
func limitsRow(usageType string) string {
	return "2026-10-01T00:00:00Z,AWS,100000000001,Usage,AmazonEC2," + usageType + ",RunInstances,1,0.1,USD\n"
}

// TestCSVLimits: a record or field over the limit is refused with the line
// the record starts on and the column of the field; the records before it
// are read.
func TestCSVLimits(t *testing.T) {
	small := Limits{MaxFieldBytes: 30, MaxRecordBytes: 250}
	ok := limitsRow("BoxUsage")
	tests := []struct {
		name   string
		input  string
		limits Limits
		before int // records read before the error
		want   string
	}{
		{"field", limitsHeader + ok + limitsRow(strings.Repeat("x", 31)), small, 1,
			"cur: f.csv:3: column lineItem/UsageType: field longer than 30 bytes"},
		{"field of 30 bytes", limitsHeader + ok + limitsRow(strings.Repeat("x", 30)), small, 2, ""},
		{"quoted field with a comma, a quote and a line feed", limitsHeader + ok +
			limitsRow(`"a,""b""`+"\n"+`c"`) + limitsRow(`"`+strings.Repeat("y,", 15)+`"`), small, 2,
			"cur: f.csv:5: column lineItem/UsageType: field longer than 30 bytes"},
		{"record", limitsHeader + ok + strings.Replace(ok, ",0.1,USD", ",0.1"+strings.Repeat("0", 25)+strings.Repeat(",x", 80), 1), small, 1,
			"cur: f.csv:3: record longer than 250 bytes"},
		{"record in a known column", limitsHeader + ok + strings.Repeat(strings.Repeat("x", 28)+",", 9) + strings.Repeat("x", 28) + "\n",
			small, 1, "cur: f.csv:3: column lineItem/UnblendedCost: record longer than 250 bytes"},
		{"unterminated quote", limitsHeader + ok + limitsRow(`"BoxUsage`+strings.Repeat("\nline", 10)), small, 1,
			"cur: f.csv:3: column lineItem/UsageType: field longer than 30 bytes"},
		{"header", strings.Repeat("h", 31) + "," + limitsHeader, small, 0,
			"cur: f.csv:1: field longer than 30 bytes"},
		{"default field limit", limitsHeader + limitsRow(strings.Repeat("x", 1<<20+1)), Limits{}, 0,
			"cur: f.csv:2: column lineItem/UsageType: field longer than 1048576 bytes"},
		{"default record limit", limitsHeader + limitsRow(strings.Repeat("x,", 2<<20)), Limits{}, 0,
			"cur: f.csv:2: record longer than 4194304 bytes"},
		{"a field of 1 MiB", limitsHeader + limitsRow(strings.Repeat("x", 1<<20)), Limits{}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.input), "f.csv", WithLimits(tt.limits))
			var n int
			for err == nil {
				if _, err = r.Next(); err == nil {
					n++
				}
			}
			if tt.want == "" {
				if err != io.EOF || n != tt.before {
					t.Errorf("read %d records, then %v; want %d, then EOF", n, err, tt.before)
				}
				return
			}
			if err == io.EOF || err.Error() != tt.want || !errors.Is(err, ErrLimit) {
				t.Errorf("error %v;\nwant      %s (ErrLimit)", err, tt.want)
			}
			if n != tt.before {
				t.Errorf("read %d records before the error, want %d", n, tt.before)
			}
		})
	}
}

// refLimit is the limiter's rule written plainly, one byte at a time: the
// index of the byte that passes a limit, the line its record starts on, the
// index of its field and which limit; cut = len(data) when none is passed.
func refLimit(data []byte, maxField, maxRecord int) (cut, line, field int, what string) {
	quoted, lineNo, recLen, fieldLen := false, 1, 0, 0
	line = 1
	for i, c := range data {
		if c == '\n' {
			lineNo++
			if !quoted {
				line, field, recLen, fieldLen = lineNo, 0, 0, 0
				continue
			}
		}
		if c == '"' {
			quoted = !quoted
		}
		recLen++
		if c == ',' && !quoted {
			field, fieldLen = field+1, 0
		} else {
			fieldLen++
		}
		switch {
		case recLen > maxRecord:
			return i, line, field, "record"
		case fieldLen > maxField:
			return i, line, field, "field"
		}
	}
	return len(data), 0, 0, ""
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// FuzzRecordLimiter checks the limiter's fast scan (runs between quotes
// and line feeds, commas counted in bulk) against refLimit, for any input,
// limits and split into reads: the same bytes pass, then the same error.
func FuzzRecordLimiter(f *testing.F) {
	f.Add([]byte("a,b\n\"x,\"\"y\"\"\n\",z\n"), uint8(3), uint8(8), uint8(2))
	f.Add([]byte(limitsHeader+limitsRow(`"a,"",b`+"\n"+`"`)+limitsRow(strings.Repeat("x", 40))), uint8(20), uint8(200), uint8(7))
	f.Add([]byte("\"\n\n\n,,,,\"aaaa,bbbb\ncc"), uint8(2), uint8(5), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, field, record, chunk uint8) {
		maxField, maxRecord := int(field)+1, int(record)+1
		l := &Limits{MaxFieldBytes: maxField, MaxRecordBytes: maxRecord}
		lim := newRecordLimiter(&chunkReader{data, int(chunk) + 1}, l)
		got, err := io.ReadAll(lim)
		cut, line, col, what := refLimit(data, maxField, maxRecord)
		if len(got) != cut {
			t.Fatalf("%d bytes passed, want %d (then %v)", len(got), cut, err)
		}
		if what == "" {
			if err != nil {
				t.Fatalf("error %v, want none", err)
			}
			return
		}
		var le *recordLimitError
		if !errors.As(err, &le) || le.line != line || le.field != col || !strings.HasPrefix(err.Error(), what+" longer than") {
			t.Fatalf("error %v (%+v), want a %s limit at line %d, field %d", err, le, what, line, col)
		}
	})
}

// TestGzipMembers: a gzip file of several members (concatenated .gz files)
// reads as its plain text does.
func TestGzipMembers(t *testing.T) {
	plain, err := os.ReadFile("testdata/legacy.csv")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	for _, part := range [][]byte{plain[:len(plain)/3], plain[len(plain)/3:]} {
		zw := gzip.NewWriter(&z)
		zw.Write(part)
		zw.Close()
	}
	r, err := NewReader(bytes.NewReader(z.Bytes()), "two-members.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := openAll(t, "testdata/legacy.csv")
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("multi-member gzip (-plain +gzip):\n%s", diff)
	}
}

// TestDecompressionLimits: gzip and zip inputs stop at MaxDecompressedBytes
// and at MaxRatio times their compressed size; a zip entry is refused from
// the sizes its directory declares before any is read.
func TestDecompressionLimits(t *testing.T) {
	rows := limitsHeader + strings.Repeat(limitsRow("BoxUsage"), 400_000) // 34 MB, compresses about 300:1
	gz := gzipBytes(t, rows)
	err := readBytes(gz, "rows.csv.gz", Limits{MaxRatio: 100})
	if err == nil || !strings.HasPrefix(err.Error(), "cur: rows.csv.gz:") ||
		!strings.HasSuffix(err.Error(), ": gzip: decompressed more than 100 times the compressed size") || !errors.Is(err, ErrLimit) {
		t.Errorf("gzip over the ratio: %v", err)
	}
	if e := asError(t, err); e.Line < 100_000 {
		t.Errorf("the ratio was checked at line %d, before %d MiB came out", e.Line, RatioSlack>>20)
	}
	if err := readBytes(gz, "rows.csv.gz", Limits{}); err != nil {
		t.Errorf("gzip under the default ratio: %v", err)
	}
	err = readBytes(gz, "rows.csv.gz", Limits{MaxDecompressedBytes: 1000})
	if err == nil || !strings.HasSuffix(err.Error(), "gzip: decompressed more than 1000 bytes") {
		t.Errorf("gzip over the size: %v", err)
	}
	zipped := zipBytes(t, rows, 0)
	if err := readBytes(zipped, "rows.zip", Limits{}); err != nil {
		t.Errorf("zip: %v", err)
	}
	err = readBytes(zipped, "rows.zip", Limits{MaxRatio: 100})
	if err == nil || !strings.Contains(err.Error(), "cur: rows.zip!rows.csv: zip: rows.csv declares 34400218 bytes compressed to") {
		t.Errorf("zip over the ratio: %v", err)
	}
	err = readBytes(zipBytes(t, rows, 1<<41), "lie.zip", Limits{})
	if err == nil || !strings.Contains(err.Error(), "rows.csv declares 2199023255552 bytes, more than 1099511627776") {
		t.Errorf("zip declaring 2 TiB: %v", err)
	}
}

// TestZipLineBomb reads curtest's zip line bomb with the ratio limit off:
// the field limit stops it, in the file inside the archive.
func TestZipLineBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("computes a CRC over 2 GiB")
	}
	files, err := curtest.Hostile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name != "zip-line-bomb.zip" {
			continue
		}
		err := readFile(f.Path, WithLimits(Limits{MaxRatio: 1 << 40}))
		if err == nil || !strings.HasSuffix(err.Error(), "zip-line-bomb.zip!line-bomb.csv:2: column lineItem/UsageType: field longer than 1048576 bytes") {
			t.Errorf("zip line bomb: %v", err)
		}
	}
}

func readBytes(b []byte, name string, l Limits) error {
	r, err := NewReader(bytes.NewReader(b), name, WithLimits(l))
	if err != nil {
		return err
	}
	for {
		if _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func gzipBytes(t *testing.T, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipBytes zips s as rows.csv; a declared size other than 0 replaces the
// true one in the directory.
func zipBytes(t *testing.T, s string, declared uint64) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if declared == 0 {
		return b.Bytes()
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw = zip.NewWriter(&out)
	h := zr.File[0].FileHeader
	h.UncompressedSize64 = declared
	w, err = zw.CreateRaw(&h)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(w, raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
