package pricing

import (
	"slices"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// tier is a custom tier in decimals: rate for usage in [begin, end).
type tier struct {
	begin decimal.Decimal
	end   decimal.NullDecimal // Valid false: no upper bound
	rate  decimal.Decimal
}

// newTiers converts custom tiers, ordered by their start.
func newTiers(custom []conductor.CustomTier) []tier {
	tiers := make([]tier, 0, len(custom))
	for _, c := range custom {
		t := tier{begin: decimal.NewFromFloat(c.BeginRangeInclusive), rate: decimal.NewFromFloat(c.RateValue)}
		if c.EndRangeExclusive != nil {
			t.end = decimal.NewNullDecimal(decimal.NewFromFloat(*c.EndRangeExclusive))
		}
		tiers = append(tiers, t)
	}
	slices.SortFunc(tiers, func(a, b tier) int { return a.begin.Cmp(b.begin) })
	return tiers
}

// tieredCost is the price of the usage range [0, u) on the tier curve
// (rule 10): each tier's rate times the part of the range inside it.
// [choice] The last tier extends upward even when it has an end, so usage
// past the last bound keeps the last rate. u ≤ 0 costs 0.
func tieredCost(tiers []tier, u decimal.Decimal) decimal.Decimal {
	sum := decimal.Zero
	for i, t := range tiers {
		if u.LessThanOrEqual(t.begin) {
			break
		}
		top := u
		if t.end.Valid && i < len(tiers)-1 {
			top = decimal.Min(u, t.end.Decimal)
		}
		sum = sum.Add(top.Sub(t.begin).Mul(t.rate))
	}
	return sum
}

// sliceCost is the price of usage from `from` to `to` on the tier curve:
// the pro forma cost of a line whose usage follows `from` units of the same
// SKU in the period (rule 10). Slices add up: the price of consecutive
// slices is the price of their union, whatever order they come in.
func sliceCost(tiers []tier, from, to decimal.Decimal) decimal.Decimal {
	return tieredCost(tiers, to).Sub(tieredCost(tiers, from))
}

// IsFreeTier reports whether a line is free-tier usage: its FreeTier mark,
// else recognized from the line (rule 10 [choice]): a Usage
// line with zero unblended cost and a positive public rate, or whose
// description mentions the free tier ("… under the monthly global free
// tier"). The "AWS Free Tier" credit lines are Credit lines, excluded by
// rule 5.
func IsFreeTier(l *Line) bool {
	switch {
	case l.LineItemType != TypeUsage:
		return false
	case l.FreeTier != DetectFreeTier:
		return l.FreeTier == FreeTierUsage
	}
	rated := l.PublicOnDemandRate.Valid && l.PublicOnDemandRate.Decimal.IsPositive()
	if l.UnblendedCost.IsZero() && rated {
		return true
	}
	return strings.Contains(strings.ToLower(l.LineItemDescription), "free tier")
}

// freeTierActive reports whether the free tier applies under the most
// specific TIERING rule of a line; with none it does (the default).
func freeTierActive(t *rule) bool { return t == nil || t.freeTier }

// freeTierBase is the base of a line given its free tier setting (rule 10):
// a free-tier line stays at its actual (free) unblended cost while the free
// tier is active, even when the CUR fills publicOnDemandCost for it, and
// costs its public rate × usage amount when deactivated (its public base
// when it has no rate). Other lines keep the base of rule 4.
func freeTierBase(l *Line, active bool) decimal.Decimal {
	switch {
	case !IsFreeTier(l):
		return baseCost(l)
	case active:
		return l.UnblendedCost
	case l.PublicOnDemandRate.Valid:
		return l.PublicOnDemandRate.Decimal.Mul(l.UsageAmount)
	}
	return baseCost(l)
}
