package conductor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// growthEnv is a payer with n billing groups of two accounts, each priced
// by its own plan of two rules, over a store that counts its reads.
type growthEnv struct {
	svc    *conductor.Service
	reads  *readCounter
	c      conductor.Caller
	groups []string
	plans  []string
	rules  []string
	spare  string // an account in no group
}

func newGrowthEnv(t *testing.T, n int) *growthEnv {
	t.Helper()
	ctx := context.Background()
	const payer = "123456789012"
	org := conductor.Organization{Payers: []conductor.PayerSeed{{Payer: conductor.Payer{ID: payer}}}}
	for i := range 2*n + 1 {
		org.Payers[0].Accounts = append(org.Payers[0].Accounts, conductor.Account{ID: fmt.Sprintf("4000000%05d", i)})
	}
	store := memoryStore(t)
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	e := &growthEnv{reads: &readCounter{Store: store}, c: conductor.Caller{Account: payer}, spare: fmt.Sprintf("4000000%05d", 2*n)}
	e.svc = conductor.NewService(e.reads, clock, nil)
	if err := e.svc.SeedOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var ruleARNs []string
		for j, service := range []string{"AmazonEC2", "AmazonS3"} {
			pct := 5.0
			rule, err := e.svc.CreatePricingRule(ctx, e.c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
				Name: fmt.Sprintf("r%d-%d", i, j), Scope: "SERVICE", Service: service, Type: "MARKUP", ModifierPercentage: &pct}})
			if err != nil {
				t.Fatal(err)
			}
			ruleARNs = append(ruleARNs, rule)
		}
		plan, err := e.svc.CreatePricingPlan(ctx, e.c, conductor.CreatePricingPlanInput{Name: fmt.Sprintf("p%d", i), PricingRuleARNs: ruleARNs})
		if err != nil {
			t.Fatal(err)
		}
		a, b := fmt.Sprintf("4000000%05d", 2*i), fmt.Sprintf("4000000%05d", 2*i+1)
		group, err := e.svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{Name: fmt.Sprintf("g%d", i),
			PrimaryAccountID: a, LinkedAccountIDs: []string{a, b}, PricingPlanARN: plan})
		if err != nil {
			t.Fatal(err)
		}
		e.groups, e.plans, e.rules = append(e.groups, group), append(e.plans, plan), append(e.rules, ruleARNs...)
	}
	return e
}

// TestReadsDoNotGrowWithThePayer measures the records each operation reads
// for a payer of 5 and of 80 billing groups (plans, rules): single-resource
// operations and first pages of 5 read the same at both sizes.
func TestReadsDoNotGrowWithThePayer(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name string
		run  func(e *growthEnv) error
	}{
		{"ListBillingGroups first page", func(e *growthEnv) error {
			_, _, err := e.svc.ListBillingGroups(ctx, e.c, conductor.ListBillingGroupsInput{Page: conductor.Page{MaxResults: 5}})
			return err
		}},
		{"ListBillingGroups by ARN", func(e *growthEnv) error {
			_, _, err := e.svc.ListBillingGroups(ctx, e.c, conductor.ListBillingGroupsInput{Filter: conductor.BillingGroupFilter{ARNs: e.groups[:1]}})
			return err
		}},
		{"ListBillingGroups of a plan", func(e *growthEnv) error {
			_, _, err := e.svc.ListBillingGroups(ctx, e.c, conductor.ListBillingGroupsInput{Filter: conductor.BillingGroupFilter{PricingPlan: e.plans[0]}})
			return err
		}},
		{"UpdateBillingGroup", func(e *growthEnv) error {
			d := "changed"
			_, err := e.svc.UpdateBillingGroup(ctx, e.c, conductor.UpdateBillingGroupInput{ARN: e.groups[0], Description: &d})
			return err
		}},
		{"AssociateAccounts and DisassociateAccounts", func(e *growthEnv) error {
			if _, err := e.svc.AssociateAccounts(ctx, e.c, e.groups[0], []string{e.spare}); err != nil {
				return err
			}
			_, err := e.svc.DisassociateAccounts(ctx, e.c, e.groups[0], []string{e.spare})
			return err
		}},
		{"ListAccountAssociations of a group", func(e *growthEnv) error {
			_, _, err := e.svc.ListAccountAssociations(ctx, e.c, conductor.ListAccountAssociationsInput{Association: e.groups[0]})
			return err
		}},
		{"ListPricingPlans first page", func(e *growthEnv) error {
			_, _, _, err := e.svc.ListPricingPlans(ctx, e.c, conductor.ListPricingPlansInput{Page: conductor.Page{MaxResults: 5}})
			return err
		}},
		{"ListPricingRules first page", func(e *growthEnv) error {
			_, _, _, err := e.svc.ListPricingRules(ctx, e.c, conductor.ListPricingRulesInput{Page: conductor.Page{MaxResults: 5}})
			return err
		}},
		{"ListPricingPlansAssociatedWithPricingRule", func(e *growthEnv) error {
			_, _, _, _, err := e.svc.ListPricingPlansAssociatedWithPricingRule(ctx, e.c, "", e.rules[0], conductor.Page{})
			return err
		}},
		{"DeletePricingPlan refused", func(e *growthEnv) error {
			if _, err := e.svc.DeletePricingPlan(ctx, e.c, e.plans[0]); !hasReason(err, "PRICING_PLAN_ATTACHED_TO_BILLING_GROUP_DELETE_CONFLICT") {
				return fmt.Errorf("deleting a plan in use: %v", err)
			}
			return nil
		}},
		{"CreateBillingGroup", func(e *growthEnv) error {
			_, err := e.svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{Name: "new", PrimaryAccountID: e.spare,
				LinkedAccountIDs: []string{e.spare}, PricingPlanARN: e.plans[0]})
			return err
		}},
		{"CreateCustomLineItem", func(e *growthEnv) error {
			amount := 1.0
			_, err := e.svc.CreateCustomLineItem(ctx, e.c, conductor.CreateCustomLineItemInput{Name: "fee", Description: "d",
				BillingGroupARN: e.groups[0], Charge: conductor.ChargeDetails{Type: "FEE", Flat: &amount}})
			return err
		}},
		{"DeleteBillingGroup", func(e *growthEnv) error {
			_, err := e.svc.DeleteBillingGroup(ctx, e.c, e.groups[len(e.groups)-1])
			return err
		}},
	}
	small, large := newGrowthEnv(t, 5), newGrowthEnv(t, 80)
	for _, op := range ops {
		var errs [2]error
		few := small.reads.reads(func() { errs[0] = op.run(small) })
		many := large.reads.reads(func() { errs[1] = op.run(large) })
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("%s: %v, %v", op.name, errs[0], errs[1])
		}
		t.Logf("%s: %d / %d", op.name, few, many)
		if many > few+2 {
			t.Errorf("%s read %d records with 5 groups, %d with 80", op.name, few, many)
		}
	}
}
