package conductor_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// rulePlans lists the plans holding rule at period ("" for the current one).
func (e *itemEnv) rulePlans(rule, period string) []string {
	e.t.Helper()
	arns, _, _, _, err := e.svc.ListPricingPlansAssociatedWithPricingRule(context.Background(), e.c, period, rule, conductor.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Sort(arns)
	return arns
}

func (e *itemEnv) wantRulePlans(rule, period string, want ...string) {
	e.t.Helper()
	slices.Sort(want)
	if got := e.rulePlans(rule, period); !slices.Equal(got, want) {
		e.t.Errorf("plans of the rule at %q = %v, want %v", period, got, want)
	}
}

func (e *itemEnv) newRule(name string) string {
	e.t.Helper()
	pct := 10.0
	arn, err := e.svc.CreatePricingRule(context.Background(), e.c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: name, Scope: conductor.ScopeGlobal, Type: conductor.RuleDiscount, ModifierPercentage: &pct}})
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

func (e *itemEnv) newPlan(name string, rules ...string) string {
	e.t.Helper()
	arn, err := e.svc.CreatePricingPlan(context.Background(), e.c, conductor.CreatePricingPlanInput{Name: name, PricingRuleARNs: rules})
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// The plans of a rule follow creates with rules, associations,
// disassociations and deletes, month by month.
func TestRulePlansFollowChanges(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t)
	rule := e.newRule("r")
	a := e.newPlan("a", rule)
	b := e.newPlan("b")
	e.wantRulePlans(rule, "", a)
	if _, err := e.svc.AssociatePricingRules(ctx, e.c, b, []string{rule}); err != nil {
		t.Fatal(err)
	}
	e.wantRulePlans(rule, "", a, b)
	if _, err := e.svc.DeletePricingRule(ctx, e.c, rule); err == nil {
		t.Error("deleting a rule held by plans: no error")
	}
	e.clock.Pin(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC))
	if _, err := e.svc.DisassociatePricingRules(ctx, e.c, a, []string{rule}); err != nil {
		t.Fatal(err)
	}
	e.wantRulePlans(rule, "", b)
	e.wantRulePlans(rule, "2026-11", a, b)
	if _, err := e.svc.DeletePricingPlan(ctx, e.c, b); err != nil {
		t.Fatal(err)
	}
	e.wantRulePlans(rule, "")
	e.wantRulePlans(rule, "2026-11", a, b)
	if _, err := e.svc.DeletePricingRule(ctx, e.c, rule); err != nil {
		t.Errorf("deleting a rule no plan holds: %v", err)
	}
}

// A store written before the index existed has plans with rules and no
// index records: reads decode the plans until a change builds the index,
// which then holds the plans of before.
func TestRulePlansOfAnOlderStore(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t)
	rule := e.newRule("r")
	var plans []string
	for i := range 3 {
		plans = append(plans, e.newPlan(fmt.Sprint("p", i), rule))
	}
	ruleID := rule[len("arn:aws:billingconductor::123456789012:pricingrule/"):]
	err := e.store.Update(ctx, func(tx conductor.Tx) error { // forget the index, as an older version never wrote it
		recs, err := tx.List(e.c.Account, "pricingrule.plans/"+ruleID, e.svc.CurrentPeriod())
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := tx.Truncate(e.c.Account, "pricingrule.plans/"+ruleID, r.ID, conductor.Timeless); err != nil {
				return err
			}
		}
		return tx.Truncate(e.c.Account, "indexbuilt", "pricingrule.plans", conductor.Timeless)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantRulePlans(rule, "", plans...)
	e.newPlan("other") // builds the index
	err = e.store.View(ctx, func(tx conductor.Tx) error {
		n, err := tx.Count(e.c.Account, "pricingrule.plans/"+ruleID, e.svc.CurrentPeriod())
		if err == nil && n != len(plans) {
			t.Errorf("index records of the rule = %d, want %d", n, len(plans))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantRulePlans(rule, "", plans...)
	if _, err := e.svc.DisassociatePricingRules(ctx, e.c, plans[0], []string{rule}); err != nil {
		t.Fatal(err)
	}
	e.wantRulePlans(rule, "", plans[1:]...)
}
