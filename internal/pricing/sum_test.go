package pricing

import (
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
	var s sum
	want := decimal.Zero
	for i, a := range addends {
		d := decimal.RequireFromString(a)
		s.add(d)
		want = want.Add(d)
		got := s.decimal()
		if !got.Equal(want) || got.Exponent() != want.Exponent() || got.String() != want.String() {
			t.Fatalf("after %d addends: sum %s (exponent %d), want %s (exponent %d)", i+1, got, got.Exponent(), want, want.Exponent())
		}
	}
	if got := (&sum{}).decimal(); !got.Equal(decimal.Zero) || got.Exponent() != 0 {
		t.Errorf("empty sum = %s", got)
	}
}
