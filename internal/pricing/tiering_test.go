package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// freeLine is S3 usage of 1000 requests under the free tier: no charge,
// public rate 0.0000004, and (as in the sample CURs) a filled public cost.
func freeLine() Line {
	l := usage("AmazonS3", "0")
	l.UsageAmount, l.PublicOnDemandRate, l.PublicOnDemandCost = dec("1000"), opt("0.0000004"), opt("0.0004")
	return l
}

func TestIsFreeTier(t *testing.T) {
	described := usage("AWSDataTransfer", "0")
	described.PublicOnDemandCost, described.LineItemDescription = decimal.NullDecimal{}, "$0.000 per GB - data transfer out under the monthly global Free Tier"
	zeroRate := freeLine()
	zeroRate.PublicOnDemandRate = opt("0")
	credit := freeLine()
	credit.LineItemType, credit.LineItemDescription = TypeCredit, "AWS Free Tier"
	markedFree, markedPaid := usage("AmazonS3", "3"), freeLine()
	markedFree.FreeTier, markedPaid.FreeTier = FreeTierUsage, NotFreeTier
	for _, tc := range []struct {
		name string
		l    Line
		want bool
	}{
		{"zero cost with a public rate", freeLine(), true},
		{"free tier description", described, true},
		{"zero cost with a zero rate", zeroRate, false},
		{"paid usage", usage("AmazonS3", "3"), false},
		{"not a Usage line", credit, false},
		{"marked free tier", markedFree, true},
		{"marked not free tier", markedPaid, false},
	} {
		if got := IsFreeTier(&tc.l); got != tc.want {
			t.Errorf("%s: IsFreeTier = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFreeTier(t *testing.T) {
	off := freeTierRule("off", conductor.ScopeGlobal, "", false)
	on := freeTierRule("on", conductor.ScopeService, "AmazonS3", true)
	markup := modifierRule("markup", conductor.ScopeGlobal, conductor.RuleMarkup, 10)
	noRate := freeLine()
	noRate.PublicOnDemandRate, noRate.LineItemDescription = decimal.NullDecimal{}, "under the free tier"
	for _, tc := range []struct {
		name  string
		rules []conductor.PricingRule
		l     Line
		want  string
	}{
		{"no rule: the free tier is active", nil, freeLine(), "0"},
		{"deactivated: public rate × usage", []conductor.PricingRule{off}, freeLine(), "0.0004"},
		{"deactivated, then marked up", []conductor.PricingRule{off, markup}, freeLine(), "0.00044"},
		{"a more specific rule reactivates it", []conductor.PricingRule{off, on}, freeLine(), "0"},
		{"deactivated without a rate: public base", []conductor.PricingRule{off}, noRate, "0.0004"},
		{"paid usage is unaffected", []conductor.PricingRule{off}, usage("AmazonS3", "3"), "3"},
	} {
		c, _ := NewCalculator([]Group{group(tc.rules)})
		equal(t, tc.name, c.Price(tc.l).Proforma, tc.want)
	}
}

// tieredRule prices SKU AmazonS3/Usage/Op at 0.10 up to 100 units, 0.05 up
// to 200, and 0.02 beyond (the last tier is closed but extends).
func tieredRule() conductor.PricingRule {
	return conductor.PricingRule{ID: "tiers", Scope: conductor.ScopeSKU, Type: conductor.RuleTiering,
		Service: "AmazonS3", UsageType: "Usage", Operation: "Op",
		Tiering: &conductor.Tiering{CustomTiers: []conductor.CustomTier{
			{BeginRangeInclusive: 100, EndRangeExclusive: ptr(200.0), RateValue: 0.05}, // out of order on purpose
			{BeginRangeInclusive: 0, EndRangeExclusive: ptr(100.0), RateValue: 0.1},
			{BeginRangeInclusive: 200, EndRangeExclusive: ptr(300.0), RateValue: 0.02},
		}}}
}

func s3Usage(amount string) Line {
	l := usage("AmazonS3", "999") // the public cost does not matter under custom tiers
	l.UsageAmount = dec(amount)
	return l
}

func TestCustomTiersAcrossLines(t *testing.T) {
	rules := []conductor.PricingRule{tieredRule(), modifierRule("markup", conductor.ScopeGlobal, conductor.RuleMarkup, 50)}
	c, _ := NewCalculator([]Group{group(rules)})
	for i, want := range []string{"6", "5", "3", "1.8", "4"} { // 60 + 60 + 60 + 60 + 200 units
		amount := "60"
		if i == 4 {
			amount = "200"
		}
		equal(t, "line "+amount, c.Add(s3Usage(amount)).Proforma, want)
	}
	// 100×0.10 + 100×0.05 + 240×0.02; the markup does not apply to custom tiers.
	equal(t, "total", c.Result()[0].ProformaCost, "19.8")
}

func TestCustomTiersOrderIndependentTotal(t *testing.T) {
	amounts := []string{"0.5", "150", "30.25", "99.25", "7"}
	total := func(order []int) decimal.Decimal {
		var lines []Line
		for _, i := range order {
			lines = append(lines, s3Usage(amounts[i]))
		}
		return run(t, group([]conductor.PricingRule{tieredRule()}), lines...).ProformaCost
	}
	want := total([]int{0, 1, 2, 3, 4})
	equal(t, "in order", want, "16.74") // 287 units: 10 + 5 + 87×0.02
	equal(t, "reversed", total([]int{4, 3, 2, 1, 0}), want.String())
	equal(t, "shuffled", total([]int{2, 0, 4, 1, 3}), want.String())
}

func TestCustomTiersOnlyOnDemandUsage(t *testing.T) {
	covered := s3Usage("10")
	covered.LineItemType, covered.PublicOnDemandCost = TypeSavingsPlanCoveredUsage, opt("2")
	otherSKU := s3Usage("10")
	otherSKU.Operation = "Other"
	c, _ := NewCalculator([]Group{group([]conductor.PricingRule{tieredRule()})})
	equal(t, "covered usage keeps its public base", c.Add(covered).Proforma, "2")
	equal(t, "another SKU keeps its public base", c.Add(otherSKU).Proforma, "999")
	equal(t, "first tier still unused", c.Add(s3Usage("10")).Proforma, "1")
}

func TestTieredCost(t *testing.T) {
	tiers := newTiers(tieredRule().Tiering.CustomTiers)
	for _, tc := range []struct{ u, want string }{
		{"-5", "0"}, {"0", "0"}, {"50", "5"}, {"100", "10"}, {"150", "12.5"}, {"300", "17"}, {"400", "19"},
	} {
		equal(t, "tieredCost("+tc.u+")", tieredCost(tiers, dec(tc.u)), tc.want)
	}
}
