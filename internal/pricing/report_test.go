package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestMarginPercentage(t *testing.T) {
	for _, tc := range []struct {
		name, aws, proforma, want string
	}{
		{"no pro forma cost", "12", "0", "0"},
		{"nothing at all", "0", "0", "0"},
		{"positive", "150", "200", "25"},
		{"negative margin", "250", "200", "-25"},
		{"non-terminating rounds at 10 digits", "2", "3", "33.3333333333"},
		{"rounds half up when above the tie", "1", "3", "66.6666666667"},
		{"negative pro forma", "1", "-3", "133.3333333333"},
	} {
		c := Costs{AWSCost: dec(tc.aws), ProformaCost: dec(tc.proforma)}
		equal(t, tc.name, c.MarginPercentage(), tc.want)
	}
}

func TestPercentOfHalfEven(t *testing.T) {
	for _, tc := range []struct{ num, den, want string }{
		{"0.00000000015", "100", "0.0000000002"}, // tie, odd: up
		{"0.00000000025", "100", "0.0000000002"}, // tie, even: down
		{"-0.00000000015", "100", "-0.0000000002"},
		{"0.00000000014999999999999999", "100", "0.0000000001"}, // just below a tie: one rounding only
		{"0.00000000025000000000000001", "100", "0.0000000003"},
		{"1", "-8", "-12.5"},
	} {
		equal(t, tc.num+"/"+tc.den, percentOf(dec(tc.num), dec(tc.den)), tc.want)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"176.50", "176.5"},
		{"204.1500000000", "204.15"},
		{"100", "100"},
		{"0", "0"},
		{"-3.00", "-3"},
		{"1.23456789012345", "1.2345678901"},
		{"0.00000000005", "0"},            // tie, even: down to 0
		{"0.00000000015", "0.0000000002"}, // tie, odd: up
		{"0.00000000025", "0.0000000002"}, // tie, even: down
		{"-0.00000000015", "-0.0000000002"},
		{"-0.00000000001", "0"}, // no negative zero
		{"0.00000000005000000001", "0.0000000001"},
		{"12345678901234567890.123", "12345678901234567890.123"},
		{"1E+3", "1000"},
	} {
		if got := Format(dec(tc.in)); got != tc.want {
			t.Errorf("Format(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := Format(decimal.Decimal{}); got != "0" {
		t.Errorf("Format(zero value) = %s", got)
	}
}
