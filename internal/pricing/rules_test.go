package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

func TestExcluded(t *testing.T) {
	for _, tc := range []struct {
		typ, product string
		want         bool
	}{
		{TypeUsage, "AmazonEC2", false},
		{"BundledDiscount", "AmazonEC2", false},
		{TypeFee, "AmazonEC2", false},
		{TypeCredit, "AmazonEC2", true},
		{TypeRefund, "AmazonEC2", true},
		{TypeTax, "AmazonEC2", true},
		{"EdpDiscount", "AmazonEC2", true},
		{"PrivateRateDiscount", "AmazonEC2", true},
		{"SppDiscount", "AmazonEC2", true},
		{"DistributorDiscount", "AmazonEC2", true},
		{"RiVolumeDiscount", "AmazonEC2", true},
		{TypeUsage, "AWSSupportBusiness", true},
		{TypeUsage, "AWSSupportEnterprise", true},
		{TypeUsage, "OCBPremiumSupport", true},
		{TypeUsage, "AWSSupportless", true}, // the prefix decides
	} {
		l := Line{LineItemType: tc.typ, ProductCode: tc.product}
		if got := excluded(&l); got != tc.want {
			t.Errorf("excluded(%s, %s) = %v, want %v", tc.typ, tc.product, got, tc.want)
		}
	}
}

func TestBaseCost(t *testing.T) {
	for _, tc := range []struct {
		name         string
		public, rate decimal.NullDecimal
		unblended    string
		want         string
	}{
		{"public cost", opt("12.5"), opt("1.25"), "10", "12.5"},
		{"public cost zero with a rate is a cost", opt("0"), opt("0.1"), "3", "0"},
		{"public cost zero of an unbilled line is a cost", opt("0"), decimal.NullDecimal{}, "0", "0"},
		{"public cost zero of a billed line without a rate: unblended", opt("0"), decimal.NullDecimal{}, "3", "3"},
		{"no public cost: unblended", decimal.NullDecimal{}, decimal.NullDecimal{}, "20.00", "20"},
	} {
		l := Line{PublicOnDemandCost: tc.public, PublicOnDemandRate: tc.rate, UnblendedCost: dec(tc.unblended)}
		equal(t, tc.name, baseCost(&l), tc.want)
	}
}

func TestCommitments(t *testing.T) {
	spARN := func(owner string) string { return "arn:aws:savingsplans::" + owner + ":savingsplan/abc" }
	riARN := func(owner string) string { return "arn:aws:ec2:us-east-1:" + owner + ":reserved-instances/abc" }
	line := func(typ, unblended, public, sp, ri string) Line {
		l := usage("AmazonEC2", unblended)
		l.LineItemType, l.SavingsPlanARN, l.ReservationARN = typ, sp, ri
		l.PublicOnDemandCost = decimal.NullDecimal{}
		if public != "" {
			l.PublicOnDemandCost = opt(public)
		}
		return l
	}
	rules := []conductor.PricingRule{modifierRule("m", conductor.ScopeGlobal, conductor.RuleMarkup, 10)}
	for _, tc := range []struct {
		name    string
		l       Line
		applies bool
		want    string
	}{
		{"SP covered, owner in group", line(TypeSavingsPlanCoveredUsage, "30", "30", spARN(acctB), ""), true, "33"},
		{"SP covered, owner outside", line(TypeSavingsPlanCoveredUsage, "30", "30", spARN(outside), ""), true, "33"},
		{"SP negation, owner in group: same rule", line(TypeSavingsPlanNegation, "-30", "", spARN(acctB), ""), true, "-33"},
		{"SP negation with a positive public cost", line(TypeSavingsPlanNegation, "-30", "30", spARN(acctB), ""), true, "-33"},
		{"SP negation, owner outside", line(TypeSavingsPlanNegation, "-30", "", spARN(outside), ""), false, "0"},
		{"SP recurring fee, owner in group: unmodified", line(TypeSavingsPlanRecurringFee, "22", "", spARN(acctA), ""), true, "22"},
		{"SP upfront fee, owner outside", line(TypeSavingsPlanUpfrontFee, "500", "", spARN(outside), ""), false, "0"},
		{"RI covered, owner in group: nets to 0", line(TypeDiscountedUsage, "0", "40", "", riARN(acctA)), true, "0"},
		{"RI covered, owner outside: public price", line(TypeDiscountedUsage, "0", "40", "", riARN(outside)), true, "44"},
		{"RI fee, owner in group", line(TypeRIFee, "15", "", "", riARN(acctB)), true, "15"},
		{"RI fee, owner outside", line(TypeRIFee, "15", "", "", riARN(outside)), false, "0"},
		{"upfront Fee with RI ARN, owner in group", line(TypeFee, "1000", "", "", riARN(acctA)), true, "1000"},
		{"upfront Fee with RI ARN, owner outside", line(TypeFee, "1000", "", "", riARN(outside)), false, "0"},
		{"Fee without ARN is an ordinary line", line(TypeFee, "5", "", "", ""), true, "5.5"},
		{"no parsable ARN: the usage account owns it", line(TypeRIFee, "15", "", "", "garbage"), true, "15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := NewCalculator([]Group{group(rules)})
			p := c.Price(tc.l)
			if p.Applies != tc.applies {
				t.Errorf("Applies = %v, want %v", p.Applies, tc.applies)
			}
			equal(t, "Proforma", p.Proforma, tc.want)
		})
	}
}

func TestPrecedence(t *testing.T) {
	all := []conductor.PricingRule{
		modifierRule("global", conductor.ScopeGlobal, conductor.RuleMarkup, 1),
		{ID: "entity", Scope: conductor.ScopeBillingEntity, BillingEntity: "AWS Marketplace", Type: conductor.RuleMarkup, ModifierPercentage: ptr(2.0)},
		serviceRule("service", "AmazonEC2", conductor.RuleMarkup, 3),
		skuRule("sku", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", conductor.RuleDiscount, 4),
		serviceRule("productcode", "AWSDataTransfer", conductor.RuleMarkup, 5),
	}
	ec2 := usage("AmazonEC2", "1")
	box := ec2
	box.UsageType, box.Operation = "BoxUsage:t3.micro", "RunInstances"
	otherOp := box
	otherOp.Operation = "RunInstances:0002"
	noServiceCode := usage("AWSDataTransfer", "1")
	noServiceCode.ServiceCode = ""
	for _, tc := range []struct {
		name string
		l    Line
		want string
	}{
		{"SKU beats SERVICE", box, "sku"},
		{"SKU needs the operation too", otherOp, "service"},
		{"SERVICE beats GLOBAL", ec2, "service"},
		{"SERVICE matches the product code without a service code", noServiceCode, "productcode"},
		{"BILLING_ENTITY beats GLOBAL", marketplace("1"), "entity"},
		{"GLOBAL matches the rest", usage("AmazonS3", "1"), "global"},
	} {
		p := newPlan(all)
		if got := p.modifiers.match(&tc.l); got == nil || got.src.ID != tc.want {
			t.Errorf("%s: matched %v, want %s", tc.name, got, tc.want)
		}
	}
	basic := newPlan(nil)
	if got := basic.modifiers.match(&ec2); got != nil {
		t.Errorf("BasicPricingPlan matched %s", got.src.ID)
	}
}

func TestTieringIsItsOwnDimension(t *testing.T) {
	rules := []conductor.PricingRule{
		serviceRule("markup", "AmazonS3", conductor.RuleMarkup, 10),
		freeTierRule("tiering", conductor.ScopeGlobal, "", false),
	}
	p := newPlan(rules)
	l := usage("AmazonS3", "1")
	if m, tr := p.modifiers.match(&l), p.tiering.match(&l); m.src.ID != "markup" || tr.src.ID != "tiering" {
		t.Errorf("matched modifier %s and tiering %s, want markup and tiering", m.src.ID, tr.src.ID)
	}
}

func TestModifierArithmetic(t *testing.T) {
	for _, tc := range []struct {
		typ        string
		pct        float64
		base, want string
	}{
		{conductor.RuleMarkup, 10, "100.00", "110"},
		{conductor.RuleDiscount, 5, "50.00", "47.5"},
		{conductor.RuleMarkup, 12.34, "0.01", "0.011234"},
		{conductor.RuleDiscount, 0.1, "0.3", "0.2997"}, // 0.1 is one tenth, not its float64
		{conductor.RuleDiscount, 100, "80", "0"},
		{conductor.RuleMarkup, 0, "7", "7"},
		{conductor.RuleMarkup, 10, "-30", "-33"},
	} {
		r := newRule(&conductor.PricingRule{Type: tc.typ, ModifierPercentage: ptr(tc.pct)})
		equal(t, tc.typ, applyModifier(dec(tc.base), r), tc.want)
	}
	equal(t, "no rule", applyModifier(dec("3.14"), nil), "3.14")
}

func TestRouting(t *testing.T) {
	next := Group{ARN: groupARN, Period: period.Next(), Accounts: []string{acctB}}
	c, err := NewCalculator([]Group{group(nil), next})
	if err != nil {
		t.Fatal(err)
	}
	stranger := usage("AmazonEC2", "5")
	stranger.UsageAccount = outside
	if p := c.Add(stranger); p.GroupARN != "" || p.Applies {
		t.Errorf("unmonitored line priced: %+v", p)
	}
	later := usage("AmazonEC2", "7")
	later.BillingPeriod, later.UsageAccount = period.Next(), acctB
	c.Add(later)
	c.Add(usage("AmazonEC2", "3"))
	got := c.Result()
	equal(t, "first period", got[0].ProformaCost, "3")
	equal(t, "next period", got[1].ProformaCost, "7")
}

func TestNewCalculatorRejectsOverlaps(t *testing.T) {
	other := Group{ARN: "arn:aws:billingconductor::123456789012:billinggroup/100000000002", Period: period, Accounts: []string{acctB}}
	if _, err := NewCalculator([]Group{group(nil), other}); err == nil {
		t.Error("an account in two groups of one period was accepted")
	}
	if _, err := NewCalculator([]Group{group(nil), group(nil)}); err == nil {
		t.Error("a group twice in one period was accepted")
	}
	other.Period = period.Next()
	if _, err := NewCalculator([]Group{group(nil), other}); err != nil {
		t.Errorf("moving an account to another group next period: %v", err)
	}
}

func TestAWSCost(t *testing.T) {
	credit := usage("AmazonEC2", "-4")
	credit.LineItemType, credit.PublicOnDemandCost = TypeCredit, decimal.NullDecimal{}
	tax := usage("AmazonEC2", "9")
	tax.LineItemType = TypeTax
	edp := usage("AmazonEC2", "-1.5")
	edp.LineItemType = "EdpDiscount"
	free := usage("AmazonEC2", "0")
	free.PublicOnDemandCost, free.PublicOnDemandRate = opt("2"), opt("2") // free tier, public cost filled
	r := run(t, group(nil), usage("AmazonEC2", "10"), credit, tax, edp, free)
	equal(t, "AWSCost", r.AWSCost, "4.5") // 10 − 4 − 1.5, without tax
	equal(t, "ProformaCost", r.ProformaCost, "10")
	equal(t, "Margin", r.Margin(), "5.5")
	equal(t, "MarginPercentage", r.MarginPercentage(), "55")
}

// The PassthroughPlan prices every line at its billed amount, Tax aside:
// before custom line items the margin is 0.
func TestPassthroughPricesBilledAmounts(t *testing.T) {
	billed := usage("AmazonEC2", "100")
	billed.UnblendedCost = dec("80") // billed below its public price
	credit, tax := usage("AmazonEC2", "0"), usage("AmazonEC2", "0")
	credit.LineItemType, credit.UnblendedCost, credit.PublicOnDemandCost = TypeCredit, dec("-5"), decimal.NullDecimal{}
	tax.LineItemType, tax.UnblendedCost = TypeTax, dec("7")
	g := group([]conductor.PricingRule{modifierRule("m", conductor.ScopeGlobal, conductor.RuleMarkup, 50)})
	g.Passthrough = true
	r := run(t, g, billed, credit, tax)
	equal(t, "ProformaCost", r.ProformaCost, "75")
	equal(t, "AWSCost", r.AWSCost, "75")
}
