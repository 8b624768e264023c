package pricing

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

var benchServices = []string{"AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonCloudWatch", "AWSDataTransfer", "AmazonDynamoDB", "AWSGlue"}

// benchGroups returns 10 groups of 8 accounts each, with a mixed plan and
// items; accounts 80–99 are unmonitored.
func benchGroups() []Group {
	rules := []conductor.PricingRule{
		modifierRule("g", conductor.ScopeGlobal, conductor.RuleDiscount, 3),
		serviceRule("s", "AmazonEC2", conductor.RuleMarkup, 12.5),
		{ID: "e", Scope: conductor.ScopeBillingEntity, BillingEntity: "AWS Marketplace", Type: conductor.RuleMarkup, ModifierPercentage: ptr(5.0)},
		freeTierRule("ft", conductor.ScopeService, "AmazonS3", false),
		tieredRule(),
	}
	var groups []Group
	for i := range 10 {
		arn := fmt.Sprintf("arn:aws:billingconductor::123456789012:billinggroup/%012d", i+1)
		g := Group{ARN: arn, Period: period, Rules: rules, Associations: map[string][]string{"pct": {arn}},
			Items: []conductor.CustomLineItem{flatItem("f", conductor.ChargeFee, 100), percentItem("pct", conductor.ChargeFee, 7)}}
		for a := range 8 {
			g.Accounts = append(g.Accounts, fmt.Sprintf("%012d", 100000000000+i*8+a))
		}
		groups = append(groups, g)
	}
	return groups
}

// benchLines generates n lines over 100 accounts: mostly Usage, some free
// tier, commitment lines, credits and taxes.
func benchLines(n int) []Line {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{TypeUsage, TypeUsage, TypeUsage, TypeUsage, TypeSavingsPlanCoveredUsage, TypeSavingsPlanNegation, TypeCredit, TypeTax}
	lines := make([]Line, n)
	for i := range lines {
		svc := benchServices[rng.IntN(len(benchServices))]
		l := usage(svc, fmt.Sprintf("%d.%06d", rng.IntN(100), rng.IntN(1000000)))
		l.UsageAccount = fmt.Sprintf("%012d", 100000000000+rng.IntN(100))
		l.LineItemType = types[rng.IntN(len(types))]
		l.UsageAmount = decimal.New(int64(rng.IntN(10000)), -2)
		l.PublicOnDemandRate = opt("0.0123")
		if l.LineItemType != TypeUsage {
			l.SavingsPlanARN = "arn:aws:savingsplans::" + l.UsageAccount + ":savingsplan/x"
		}
		if rng.IntN(10) == 0 {
			l.UnblendedCost = decimal.Zero // free tier
		}
		lines[i] = l
	}
	return lines
}

func BenchmarkCalculator(b *testing.B) {
	lines := benchLines(100_000)
	c, err := NewCalculator(benchGroups())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Add(lines[i%len(lines)])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "lines/s")
	if r := c.Result(); len(r) != 10 {
		b.Fatalf("%d reports", len(r))
	}
}
