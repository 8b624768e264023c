package conductor_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const basicPlan = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"

// A store written before the group indexes existed (members per group,
// groups per plan, the AutoAssociate group) answers from its records
// until a write builds them; then the indexes answer the current period
// and later ones, and earlier periods keep answering from the records.
func TestGroupIndexesOfAnOlderStore(t *testing.T) {
	ctx := context.Background()
	store := memoryStore(t)
	svc, clock := seededService(t, store, conductor.DemoOrganization(), time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	c := conductor.Caller{Account: "123456789012"}
	const a1, a2, a3, a4 = "100000000001", "100000000002", "100000000003", "100000000004"
	plan, err := svc.CreatePricingPlan(ctx, c, conductor.CreatePricingPlanInput{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	g1, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "g1", PrimaryAccountID: a1,
		LinkedAccountIDs: []string{a1, a2}, PricingPlanARN: plan})
	if err != nil {
		t.Fatal(err)
	}
	g2, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "g2", PrimaryAccountID: a3,
		LinkedAccountIDs: []string{a3}, PricingPlanARN: basicPlan, AutoAssociate: true})
	if err != nil {
		t.Fatal(err)
	}
	id := func(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
	err = store.Update(ctx, func(tx conductor.Tx) error { // forget the indexes, as an older version never wrote them
		for _, r := range [][2]string{
			{"membership.group/" + id(g1), a1}, {"membership.group/" + id(g1), a2}, {"membership.group/" + id(g2), a3},
			{"pricingplan.groups/" + plan, id(g1)}, {"pricingplan.groups/" + basicPlan, id(g2)},
			{"billinggroup.autoassociate", "true"},
			{"indexbuilt", "membership.group"}, {"indexbuilt", "pricingplan.groups"}, {"indexbuilt", "billinggroup.autoassociate"},
		} {
			if err := tx.Truncate(c.Account, r[0], r[1], conductor.Timeless); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))

	sizes := func(period string) map[string]int64 {
		t.Helper()
		groups, _, err := svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{BillingPeriod: period})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, g := range groups {
			out[g.Name] = g.Size
		}
		return out
	}
	members := func(group, period string) []string {
		t.Helper()
		list, _, err := svc.ListAccountAssociations(ctx, c, conductor.ListAccountAssociationsInput{BillingPeriod: period, Association: group})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		return ids
	}
	check := func(when string, period string, wantSizes map[string]int64, wantG1 []string) {
		t.Helper()
		if got := sizes(period); !equalMaps(got, wantSizes) {
			t.Errorf("%s: sizes in %q = %v, want %v", when, period, got, wantSizes)
		}
		if got := members(g1, period); !slices.Equal(got, wantG1) {
			t.Errorf("%s: members of g1 in %q = %v, want %v", when, period, got, wantG1)
		}
	}
	check("before a write", "", map[string]int64{"g1": 2, "g2": 1}, []string{a1, a2})

	if _, err := svc.AssociateAccounts(ctx, c, g1, []string{a4}); err != nil { // builds the indexes
		t.Fatal(err)
	}
	check("after a write", "", map[string]int64{"g1": 3, "g2": 1}, []string{a1, a2, a4})
	check("a period before the build", "2026-10", map[string]int64{"g1": 2, "g2": 1}, []string{a1, a2})

	if _, err := svc.DeletePricingPlan(ctx, c, plan); !hasReason(err, "PRICING_PLAN_ATTACHED_TO_BILLING_GROUP_DELETE_CONFLICT") {
		t.Errorf("deleting the plan of g1: %v", err)
	}
	byPlan, _, err := svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{Filter: conductor.BillingGroupFilter{PricingPlan: plan}})
	if err != nil || len(byPlan) != 1 || byPlan[0].Name != "g1" {
		t.Errorf("groups of the plan = %v (err %v)", byPlan, err)
	}
	_, err = svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "g3", PrimaryAccountID: "100000000005",
		LinkedAccountIDs: []string{"100000000005"}, PricingPlanARN: basicPlan, AutoAssociate: true})
	if !hasReason(err, "TOO_MANY_AUTO_ASSOCIATE_BILLING_GROUPS") {
		t.Errorf("a second AutoAssociate group: %v", err)
	}
	off := false
	if _, err := svc.UpdateBillingGroup(ctx, c, conductor.UpdateBillingGroupInput{ARN: g2, AutoAssociate: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteBillingGroup(ctx, c, g1); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeletePricingPlan(ctx, c, plan); err != nil {
		t.Errorf("deleting the plan once g1 is gone: %v", err)
	}
	if got := sizes(""); !equalMaps(got, map[string]int64{"g2": 1}) {
		t.Errorf("sizes after the delete = %v", got)
	}
	if _, _, err := svc.ListAccountAssociations(ctx, c, conductor.ListAccountAssociationsInput{Association: g1}); err == nil {
		t.Errorf("listing the members of a deleted group succeeded")
	}
	if got := members(g1, "2026-10"); !slices.Equal(got, []string{a1, a2}) {
		t.Errorf("October members of the deleted group = %v", got)
	}
}

func equalMaps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func hasReason(err error, reason string) bool {
	e, ok := conductor.AsError(err)
	return ok && e.Reason == reason
}

// When a group's primary account leaves the organization, that group (and
// no other) becomes PRIMARY_ACCOUNT_MISSING with a reason (BG-9); a
// linked account leaving changes no status.
func TestPrimaryAccountLeaves(t *testing.T) {
	e := newGrowthEnv(t, 3)
	ctx := context.Background()
	status := func() map[string]string {
		groups, _, err := e.svc.ListBillingGroups(ctx, e.c, conductor.ListBillingGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, g := range groups {
			out[g.Name] = g.Status
			if g.Status == conductor.StatusPrimaryAccountMissing && !strings.Contains(g.StatusReason, "left") {
				t.Errorf("%s: status reason %q", g.Name, g.StatusReason)
			}
		}
		return out
	}
	if err := e.svc.LeaveAccount(ctx, e.c.Account, "400000000003"); err != nil { // linked in g1
		t.Fatal(err)
	}
	if err := e.svc.LeaveAccount(ctx, e.c.Account, "400000000002"); err != nil { // primary of g1
		t.Fatal(err)
	}
	want := map[string]string{"g0": "ACTIVE", "g1": "PRIMARY_ACCOUNT_MISSING", "g2": "ACTIVE"}
	if got := status(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}
