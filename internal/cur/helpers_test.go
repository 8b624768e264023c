package cur

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// decimalEqual compares decimals by value, so 0.0 equals 0.
var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func nullDec(s string) decimal.NullDecimal {
	if s == "" {
		return decimal.NullDecimal{}
	}
	return decimal.NewNullDecimal(dec(s))
}

// readAll reads every Record (Raw cloned) until io.EOF or the first error.
func readAll(t testing.TB, r *Reader) ([]Record, error) {
	t.Helper()
	var out []Record
	for rec, err := range r.All() {
		if err != nil {
			return out, err
		}
		rec.Raw = append([]string(nil), rec.Raw...)
		out = append(out, rec)
	}
	return out, nil
}

func openAll(t testing.TB, path string) ([]Record, *Reader) {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { r.Close() })
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return recs, r
}

// asError unwraps err to the *Error it must be or wrap.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *cur.Error", err, err)
	}
	return e
}

// sums totals a file's records by line item type.
type sums struct {
	Rows      int
	Unblended decimal.Decimal
	Public    decimal.Decimal
}

func sumByType(recs []Record) map[string]sums {
	m := map[string]sums{}
	for i := range recs {
		addSums(m, &recs[i])
	}
	return m
}

func addSums(m map[string]sums, r *Record) {
	s := m[r.LineItemType]
	s.Rows++
	s.Unblended = s.Unblended.Add(r.UnblendedCost)
	s.Public = s.Public.Add(r.PublicOnDemandCost.Decimal)
	m[r.LineItemType] = s
}
