package pricing

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// A sum equals the chain of decimal.Decimal.Add it replaces, exponent
// included, over small, large and scaled addends.
func TestSumEqualsDecimalAdd(t *testing.T) {
	addends := []string{"0.104", "-1", "1e3", "2.30", "98765432109876543210.0123456789", "-0.0000000000000000000001",
		"12345678901234567890123456789", "5e-40", "-7.5", "0"}
	// At the sum's exponent and in 64 bits, past what an int64 holds, both
	// ways: 18 digits, 12 times up, then 30 times down.
	for i := range 42 {
		a := "999999999999999999e-40"
		if i >= 12 {
			a = "-" + a
		}
		addends = append(addends, a)
	}
	var s Sum
	want := decimal.Zero
	for i, a := range addends {
		d := decimal.RequireFromString(a)
		s.Add(d)
		want = want.Add(d)
		got := s.Decimal()
		if !got.Equal(want) || got.Exponent() != want.Exponent() || got.String() != want.String() {
			t.Fatalf("after %d addends: sum %s (exponent %d), want %s (exponent %d)", i+1, got, got.Exponent(), want, want.Exponent())
		}
	}
	if got := (&Sum{}).Decimal(); !got.Equal(decimal.Zero) || got.Exponent() != 0 {
		t.Errorf("empty sum = %s", got)
	}
}

// TestSumOfScalesEqualsDecimalAdd: the sum has the coefficient and exponent
// of a chain of decimal.Decimal.Add from zero — what the aggregates stored
// before — over amounts of every scale, sign and size, through int64
// overflow both ways.
func TestSumOfScalesEqualsDecimalAdd(t *testing.T) {
	cases := map[string][]string{
		"CUR amounts":            {"0.0104", "10", "2.3", "-1", "0.25", "0.0000000001", "123456.789"},
		"overflow upwards":       {"9223372036854775", "9223372036854775", "0.001", "9223372036854775"},
		"overflow downwards":     {"-9223372036854775807", "-9223372036854775807", "-1.5"},
		"rescale overflows":      {"922337203685477580", "0.1"},
		"positive exponents":     {"1E+3", "2E+20", "5", "0.5"},
		"huge":                   {"123456789012345678901234567890.123", "1", "-123456789012345678901234567890.123"},
		"cancel out":             {"5.5", "-5.5", "0.000"},
		"zero takes 20 decimals": {"0", "1e-20", "2"},
		"zero beyond 10^18":      {"1e-20", "0e+5", "3"},
		"tiny first":             {"5e-25", "1", "-5e-25"},
		"empty":                  {},
	}
	for name, amounts := range cases {
		var s Sum
		want := decimal.Decimal{}
		for _, a := range amounts {
			d := decimal.RequireFromString(a)
			s.Add(d)
			want = want.Add(d)
		}
		got := s.Decimal()
		if got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0 {
			t.Errorf("%s: %s (coefficient %s, exponent %d), want %s (%s, %d)", name, got, got.Coefficient(), got.Exponent(),
				want, want.Coefficient(), want.Exponent())
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var s Sum
		want := decimal.Decimal{}
		for range 1 + r.IntN(50) {
			c := r.Int64N(1<<uint(1+r.IntN(62))) - r.Int64N(1<<40)
			if r.IntN(8) == 0 {
				c = 0
			}
			d := decimal.New(c, 4-int32(r.IntN(30))) // 10^4 down to 10^-25: rescales past 10^18 too
			s.Add(d)
			want = want.Add(d)
		}
		if got := s.Decimal(); got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0 {
			t.Fatalf("round %d: %s (exp %d), want %s (exp %d)", round, got, got.Exponent(), want, want.Exponent())
		}
	}
}

// FuzzSum: a sum of any two-to-three addends has the coefficient and
// exponent of the decimal.Decimal.Add chain it replaces, and never panics.
func FuzzSum(f *testing.F) {
	f.Add(int64(0), int32(0), int64(1), int32(-20), int64(2), int32(0))
	f.Add(int64(1), int32(-20), int64(0), int32(5), int64(3), int32(0))
	f.Add(int64(922337203685477580), int32(0), int64(1), int32(-1), int64(-5), int32(-30))
	f.Add(int64(-9223372036854775808), int32(3), int64(9223372036854775807), int32(-3), int64(0), int32(-40))
	f.Fuzz(func(t *testing.T, c1 int64, e1 int32, c2 int64, e2 int32, c3 int64, e3 int32) {
		var s Sum
		want := decimal.Decimal{}
		for _, d := range []decimal.Decimal{decimal.New(c1, e1%64), decimal.New(c2, e2%64), decimal.New(c3, e3%64)} {
			s.Add(d)
			want = want.Add(d)
		}
		if got := s.Decimal(); got.Exponent() != want.Exponent() || got.Coefficient().Cmp(want.Coefficient()) != 0 {
			t.Fatalf("%s (exponent %d), want %s (exponent %d)", got, got.Exponent(), want, want.Exponent())
		}
	})
}
