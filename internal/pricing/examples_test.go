package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// The worked examples of PROFORMA.md, with exact decimal results.

func precedencePlan() []conductor.PricingRule {
	return []conductor.PricingRule{
		serviceRule("ec2markup", "AmazonEC2", conductor.RuleMarkup, 10),
		modifierRule("globaldiscount", conductor.ScopeGlobal, conductor.RuleDiscount, 5),
	}
}

func precedenceLines() []Line {
	return []Line{usage("AmazonEC2", "100.00"), usage("AmazonS3", "50.00"), marketplace("20.00")}
}

func TestExamplePrecedenceNoStacking(t *testing.T) {
	r := run(t, group(precedencePlan()), precedenceLines()...)
	equal(t, "ProformaCost", r.ProformaCost, "176.50") // 110.00 + 47.50 + 19.00
	if got := Format(r.ProformaCost); got != "176.5" {
		t.Errorf("Format(ProformaCost) = %q, want 176.5", got)
	}
}

func TestExamplePrecedenceSKURule(t *testing.T) {
	rules := append(precedencePlan(), skuRule("sku", "AmazonEC2", "Usage", "Op", conductor.RuleDiscount, 20))
	c, err := NewCalculator([]Group{group(rules)})
	if err != nil {
		t.Fatal(err)
	}
	lines := precedenceLines()
	equal(t, "EC2 line", c.Add(lines[0]).Proforma, "80.00")
	c.Add(lines[1])
	c.Add(lines[2])
	equal(t, "ProformaCost", c.Result()[0].ProformaCost, "146.50") // 80.00 + 47.50 + 19.00
}

func TestExamplePercentageItem(t *testing.T) {
	for _, tc := range []struct {
		name             string
		associated       []string
		wantItem, wantPC string
	}{
		{"group only", []string{groupARN}, "17.65", "204.15"},
		{"group and flat item", []string{groupARN, itemARN("flat")}, "18.65", "205.15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := group(precedencePlan(), flatItem("flat", conductor.ChargeFee, 10), percentItem("pct", conductor.ChargeFee, 10))
			g.Associations["pct"] = tc.associated
			r := run(t, g, precedenceLines()...)
			equal(t, "percentage item", r.Items[1].Charge, tc.wantItem)
			equal(t, "ProformaCost", r.ProformaCost, tc.wantPC)
		})
	}
}

// savingsPlanLines: Usage 100, SavingsPlanCoveredUsage 30, SavingsPlanNegation
// −30 and SavingsPlanRecurringFee 22, the plan owned by acctB in the group.
func savingsPlanLines(owner string) []Line {
	arn := "arn:aws:savingsplans::" + owner + ":savingsplan/0b1e5f2c-1111-2222-3333-444455556666"
	covered := usage("AmazonEC2", "30")
	covered.LineItemType, covered.SavingsPlanARN = TypeSavingsPlanCoveredUsage, arn
	negation := usage("AmazonEC2", "-30")
	negation.LineItemType, negation.SavingsPlanARN, negation.PublicOnDemandCost = TypeSavingsPlanNegation, arn, opt("0")
	fee := Line{BillingPeriod: period, UsageAccount: owner, BillingEntity: "AWS", LineItemType: TypeSavingsPlanRecurringFee,
		ProductCode: "ComputeSavingsPlans", UsageType: "ComputeSP:1yrNoUpfront", UsageAmount: dec("1"),
		UnblendedCost: dec("22"), SavingsPlanARN: arn}
	return []Line{usage("AmazonEC2", "100"), covered, negation, fee}
}

func TestExampleSavingsPlanNegationFilter(t *testing.T) {
	noNegations := conductor.LineItemFilter{Attribute: "LINE_ITEM_TYPE", MatchOption: "NOT_EQUAL", Values: []string{"SAVINGS_PLAN_NEGATION"}}
	for _, tc := range []struct {
		name              string
		filters           []conductor.LineItemFilter
		wantItem, wantAll string
	}{
		{"no filter", nil, "12.20", "134.20"},
		{"negations filtered out", []conductor.LineItemFilter{noNegations}, "15.20", "137.20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := group(nil, percentItem("pct", conductor.ChargeFee, 10, tc.filters...))
			g.Associations["pct"] = []string{groupARN}
			r := run(t, g, savingsPlanLines(acctB)...)
			lines := r.ProformaCost.Sub(r.Items[0].Charge)
			equal(t, "lines", lines, "122")
			equal(t, "item", r.Items[0].Charge, tc.wantItem)
			equal(t, "ProformaCost", r.ProformaCost, tc.wantAll)
		})
	}
}
