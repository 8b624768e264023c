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
)

// Seed inputs shared by the fuzz tests, besides testdata/fuzz/<Fuzz...>/.
var fuzzSeeds = []string{"legacy.csv", "cur2.csv", "bad-number.csv", "wrong-field-count.csv",
	"unknown-line-item-type.csv", "missing-column.csv", "focus.csv"}

// FuzzReadCSV: no input makes the Reader panic, every error carries a
// position (*Error), and every record is consistent with the header.
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
		readChecked(t, io.MultiReader(bytes.NewReader(data)))
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
		got := readChecked(t, io.MultiReader(bytes.NewReader(z)))
		if cut == 0 && flip == 0 && !hasMagic(plain) {
			want := readChecked(t, io.MultiReader(bytes.NewReader(plain)))
			if !slices.Equal(got, want) {
				t.Errorf("gzip read differs from plain read:\ngzip  %q\nplain %q", got, want)
			}
		}
	})
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
// line per record or error (for comparing two reads).
func readChecked(t *testing.T, r io.Reader) []string {
	var out []string
	rd, err := NewReader(r, "fuzz")
	if err != nil {
		return append(out, checkedError(t, err))
	}
	defer rd.Close()
	last := 1
	for range 100_000 {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, checkedError(t, err))
			if rowError(err) {
				continue
			}
			return out
		}
		if len(rec.Raw) != len(rd.Header()) || rec.Line <= last {
			t.Fatalf("record at line %d (after %d): %d fields, header has %d", rec.Line, last, len(rec.Raw), len(rd.Header()))
		}
		if !slices.Contains(LineItemTypes, rec.LineItemType) {
			t.Fatalf("line %d: line item type %q", rec.Line, rec.LineItemType)
		}
		last = rec.Line
		out = append(out, fmt.Sprint(rec.Line, rec.Raw))
	}
	t.Fatal("reader did not end")
	return nil
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
