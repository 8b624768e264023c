package main

import (
	"path/filepath"
	"strings"
	"testing"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
)

// seedYAML makes a rule, a plan of it, a group on the plan and an item,
// the later changes naming the earlier ones by the ARNs of their Output
// (as a scenario's change list does).
const seedYAML = `
- Operation: CreatePricingRule
  Input: {Name: markup-10, Scope: GLOBAL, Type: MARKUP, ModifierPercentage: 10}
  Output: {Arn: "arn:aws:billingconductor::123456789012:pricingrule/seedrule01"}
- Operation: CreatePricingPlan
  Input: {Name: resale, PricingRuleArns: ["arn:aws:billingconductor::123456789012:pricingrule/seedrule01"]}
  Output: {Arn: "arn:aws:billingconductor::123456789012:pricingplan/seedplan01"}
- Operation: CreateBillingGroup
  Input:
    Name: acme
    PrimaryAccountId: "100000000001"
    AccountGrouping: {LinkedAccountIds: ["100000000001"]}
    ComputationPreference: {PricingPlanArn: "arn:aws:billingconductor::123456789012:pricingplan/seedplan01"}
  Output: {Arn: "arn:aws:billingconductor::123456789012:billinggroup/123456789999"}
- Operation: CreateCustomLineItem
  Input:
    Name: support
    Description: support fee
    BillingGroupArn: "arn:aws:billingconductor::123456789012:billinggroup/123456789999"
    ChargeDetails: {Type: FEE, Flat: {ChargeValue: 5}}
`

// A seed file creates plans, rules, groups and items on the first start
// and nothing on the second; a failing change stops the start with its
// error.
func TestSeedFile(t *testing.T) {
	data, seed := t.TempDir(), filepath.Join(t.TempDir(), "seed.yaml")
	writeFile(t, seed, seedYAML)
	counts := func(url string) [4]int {
		t.Helper()
		c := newClient(url, "123456789012")
		ctx, cancel := callCtx()
		defer cancel()
		rules, err1 := c.ListPricingRules(ctx, &bc.ListPricingRulesInput{})
		plans, err2 := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
		groups, err3 := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
		items, err4 := c.ListCustomLineItems(ctx, &bc.ListCustomLineItemsInput{})
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				t.Fatal(err)
			}
		}
		return [4]int{len(rules.PricingRules), len(plans.PricingPlans), len(groups.BillingGroups), len(items.CustomLineItems)}
	}
	first := startProforma(t, data, "--seed", seed)
	if got := counts(first.URL); got != [4]int{1, 1, 1, 1} {
		t.Fatalf("after the first start: rules, plans, groups, items = %v, want one each", got)
	}
	first.Stop()
	second := startProforma(t, data, "--seed", seed)
	if got := counts(second.URL); got != [4]int{1, 1, 1, 1} {
		t.Errorf("after the second start: %v, want the first start's", got)
	}
	if !strings.Contains(second.output.String(), "seeded before") {
		t.Errorf("the second start did not say it skipped the seed:\n%s", second.output.String())
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, `[{"Operation": "CreatePricingRule", "Input": {"Name": "bad name!", "Scope": "GLOBAL", "Type": "MARKUP", "ModifierPercentage": 1}}]`)
	msg := runProformaFailing(t, nil, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--seed", bad)
	if !strings.Contains(msg, "seed") || !strings.Contains(msg, "CreatePricingRule") || !strings.Contains(msg, "ValidationException") {
		t.Errorf("a failing seed: %q", msg)
	}
}
