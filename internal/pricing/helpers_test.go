package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

const (
	period   = conductor.Period("2026-09")
	groupARN = "arn:aws:billingconductor::123456789012:billinggroup/100000000001"
	acctA    = "100000000001"
	acctB    = "100000000002"
	outside  = "100000000099"
)

// dec parses an exact decimal literal.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// opt is a present optional amount.
func opt(s string) decimal.NullDecimal { return decimal.NewNullDecimal(dec(s)) }

// usage is a Usage line of account acctA for a service, with a public cost.
func usage(service, public string) Line {
	return Line{
		BillingPeriod: period, UsageAccount: acctA, BillingEntity: "AWS", LineItemType: TypeUsage,
		ProductCode: service, ServiceCode: service, ProductName: service, UsageType: "Usage", Operation: "Op",
		UsageAmount: dec("1"), UnblendedCost: dec(public), PublicOnDemandCost: opt(public),
	}
}

// marketplace is a Marketplace line with no public cost.
func marketplace(unblended string) Line {
	return Line{
		BillingPeriod: period, UsageAccount: acctA, BillingEntity: "AWS Marketplace", LineItemType: TypeUsage,
		ProductCode: "prodmkt", ProductName: "Some Marketplace Product", UsageType: "SoftwareUsage",
		UsageAmount: dec("1"), UnblendedCost: dec(unblended),
	}
}

func ptr[T any](v T) *T { return &v }

func modifierRule(id, scope, typ string, pct float64) conductor.PricingRule {
	return conductor.PricingRule{ID: id, Scope: scope, Type: typ, ModifierPercentage: ptr(pct)}
}

func serviceRule(id, service, typ string, pct float64) conductor.PricingRule {
	r := modifierRule(id, conductor.ScopeService, typ, pct)
	r.Service = service
	return r
}

func skuRule(id, service, usageType, operation, typ string, pct float64) conductor.PricingRule {
	r := serviceRule(id, service, typ, pct)
	r.Scope, r.UsageType, r.Operation = conductor.ScopeSKU, usageType, operation
	return r
}

func freeTierRule(id, scope, service string, active bool) conductor.PricingRule {
	return conductor.PricingRule{ID: id, Scope: scope, Type: conductor.RuleTiering, Service: service,
		Tiering: &conductor.Tiering{FreeTierActivated: ptr(active)}}
}

func flatItem(id, typ string, amount float64) conductor.CustomLineItem {
	return conductor.CustomLineItem{ID: id, Type: typ, Flat: ptr(amount)}
}

func percentItem(id, typ string, pct float64, filters ...conductor.LineItemFilter) conductor.CustomLineItem {
	return conductor.CustomLineItem{ID: id, Type: typ, Percentage: ptr(pct), LineItemFilters: filters}
}

func itemARN(id string) string {
	return conductor.ARN("123456789012", conductor.TypeCustomLineItem, id)
}

// group is a group of acctA and acctB in period.
func group(rules []conductor.PricingRule, items ...conductor.CustomLineItem) Group {
	return Group{ARN: groupARN, Period: period, Accounts: []string{acctA, acctB}, Rules: rules, Items: items,
		Associations: map[string][]string{}}
}

// run adds lines to a calculator of one group and returns its report.
func run(t *testing.T, g Group, lines ...Line) Report {
	t.Helper()
	c, err := NewCalculator([]Group{g})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		c.Add(l)
	}
	return c.Result()[0]
}

// equal fails unless got is exactly want.
func equal(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}
