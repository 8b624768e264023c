package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

var ctx = context.Background()

// live is a store with the demo organization and a clock in November 2026.
func live(t *testing.T) (conductor.Store, *conductor.Service, *conductor.PinnableClock) {
	t.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
	svc := conductor.NewService(store, clock, nil)
	if err := svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		t.Fatal(err)
	}
	return store, svc, clock
}

var payer = conductor.Caller{Account: "123456789012"}

func createRule(t *testing.T, svc *conductor.Service, name string) string {
	t.Helper()
	pct := 10.0
	arn, err := svc.CreatePricingRule(ctx, payer, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: name, Scope: "GLOBAL", Type: "MARKUP", ModifierPercentage: &pct}})
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func ruleNames(t *testing.T, svc *conductor.Service, c conductor.Caller, period string) []string {
	t.Helper()
	rules, _, _, err := svc.ListPricingRules(ctx, c, conductor.ListPricingRulesInput{BillingPeriod: period})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	return names
}

// A scenario starts as a copy of live, changes without touching live, is
// invisible to another payer, and is gone with its records once deleted.
func TestScenarioBranchesLive(t *testing.T) {
	store, svc, clock := live(t)
	createRule(t, svc, "live-rule")
	m := scenario.NewManager(store, clock, nil, []string{"usage"})
	sc, err := m.Create(ctx, payer, "markup-12", "")
	if err != nil {
		t.Fatal(err)
	}
	if sc.BillingPeriod != "2026-11" {
		t.Errorf("period = %s", sc.BillingPeriod)
	}
	inside := m.Service(sc)
	if got := ruleNames(t, inside, payer, ""); len(got) != 1 || got[0] != "live-rule" {
		t.Fatalf("scenario rules = %v, want live's", got)
	}
	createRule(t, inside, "draft-rule")
	if got := ruleNames(t, svc, payer, ""); len(got) != 1 {
		t.Errorf("live rules after a scenario change = %v", got)
	}
	if got := ruleNames(t, inside, payer, ""); len(got) != 2 {
		t.Errorf("scenario rules = %v", got)
	}
	other := conductor.Caller{Account: "210987654321"}
	if _, err := m.Get(ctx, other, sc.ID); !isNotFound(err) {
		t.Errorf("another payer's Get = %v, want not found", err)
	}
	if list, _ := m.List(ctx, other); len(list) != 0 {
		t.Errorf("another payer lists %v", list)
	}
	if err := m.Delete(ctx, payer, sc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, payer, sc.ID); !isNotFound(err) {
		t.Errorf("Get after Delete = %v", err)
	}
	if got := ruleNames(t, inside, payer, ""); len(got) != 0 {
		t.Errorf("records left after Delete: %v", got)
	}
}

// A past-period scenario edits that month as at its last second; live's
// month stays as it was.
func TestScenarioOfAPastPeriod(t *testing.T) {
	store, svc, clock := live(t)
	m := scenario.NewManager(store, clock, nil, nil)
	sc, err := m.Create(ctx, payer, "october", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	inside := m.Service(sc)
	if p := inside.CurrentPeriod(); p != "2026-10" {
		t.Fatalf("scenario period = %s", p)
	}
	createRule(t, inside, "october-rule")
	if got := ruleNames(t, inside, payer, "2026-10"); len(got) != 1 {
		t.Errorf("scenario October = %v", got)
	}
	if got := ruleNames(t, svc, payer, "2026-10"); len(got) != 0 {
		t.Errorf("live October = %v", got)
	}
	if _, err := m.Create(ctx, payer, "future", "2026-12"); err == nil {
		t.Error("a future period was accepted")
	}
}

func isNotFound(err error) bool {
	e, ok := conductor.AsError(err)
	return ok && e.Code == conductor.CodeNotFound && !errors.Is(err, context.Canceled)
}

// A payer holds at most QuotaScenarios scenarios; deleting one makes room.
func TestScenarioQuota(t *testing.T) {
	store, _, clock := live(t)
	m := scenario.NewManager(store, clock, nil, nil)
	var last scenario.Scenario
	for i := range scenario.QuotaScenarios.Limit {
		sc, err := m.Create(ctx, payer, fmt.Sprintf("s%d", i), "")
		if err != nil {
			t.Fatalf("scenario %d: %v", i, err)
		}
		last = sc
	}
	_, err := m.Create(ctx, payer, "one too many", "")
	if e, ok := conductor.AsError(err); !ok || e.Code != conductor.CodeServiceLimit {
		t.Fatalf("scenario over the quota: %v, want ServiceLimitExceededException", err)
	}
	if _, err := m.Create(ctx, conductor.Caller{Account: "210987654321"}, "another payer", ""); err != nil {
		t.Errorf("another payer's first scenario: %v", err)
	}
	if err := m.Delete(ctx, payer, last.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, payer, "again", ""); err != nil {
		t.Errorf("after a delete: %v", err)
	}
}
