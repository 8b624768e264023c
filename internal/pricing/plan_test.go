package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// A modifier multiplies exactly as decimal.Decimal.Mul: same coefficient,
// same exponent, whether the product fits in 64 bits or not.
func TestApplyModifierEqualsDecimalMul(t *testing.T) {
	bases := []string{"0", "0.104", "-1.5", "123456789.123456789", "999999999999999999", "-999999999999999999e-20",
		"12345678901234567890123", "5e-40", "-0.000001"}
	for _, pct := range []float64{0, 10, 12.5, 3.333, 100, 99.9999} {
		for _, typ := range []string{conductor.RuleMarkup, conductor.RuleDiscount} {
			r := newRule(&conductor.PricingRule{Type: typ, ModifierPercentage: &pct})
			for _, b := range bases {
				base := decimal.RequireFromString(b)
				got, want := applyModifier(base, r), base.Mul(r.factor)
				if got.Cmp(want) != 0 || got.Exponent() != want.Exponent() || got.String() != want.String() {
					t.Errorf("%s %v%% of %s: %s (exponent %d), want %s (exponent %d)", typ, pct, b, got, got.Exponent(), want, want.Exponent())
				}
			}
		}
	}
}
