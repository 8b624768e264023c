package conductor_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// An account that leaves the organization stays in its billing group for
// the rest of the month and is in none from the next (BG-1, BP-6): the
// next month's sizes, member lists and associations leave it out, and
// the month it left keeps it. An account associated after it left ends
// the same way; one that rejoins the same month does not, whether it
// stays in its group or moves.
func TestAccountsThatLeftEndTheirMembershipNextMonth(t *testing.T) {
	ctx := context.Background()
	svc, clock := seededService(t, memoryStore(t), conductor.DemoOrganization(), time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	const payer = "123456789012"
	c := conductor.Caller{Account: payer}
	const a1, a2, a3, a4, a5, a6, a7, a8 = "100000000001", "100000000002", "100000000003", "100000000004",
		"100000000005", "100000000006", "100000000007", "100000000008"
	g, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "g", PrimaryAccountID: a1,
		LinkedAccountIDs: []string{a1, a2, a3, a7, a8}, PricingPlanARN: basicPlan})
	if err != nil {
		t.Fatal(err)
	}
	g2, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "g2", PrimaryAccountID: a6,
		LinkedAccountIDs: []string{a6}, PricingPlanARN: basicPlan})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.LeaveAccount(ctx, payer, a3)) // a member leaves
	must(svc.LeaveAccount(ctx, payer, a5)) // an account in no group leaves, then is associated the same month
	_, err = svc.AssociateAccounts(ctx, c, g, []string{a4, a5})
	must(err)
	must(svc.LeaveAccount(ctx, payer, a7)) // leaves, rejoins, and moves to g2: no end any more
	must(svc.JoinAccount(ctx, payer, conductor.Account{ID: a7}))
	_, err = svc.DisassociateAccounts(ctx, c, g, []string{a7})
	must(err)
	_, err = svc.AssociateAccounts(ctx, c, g2, []string{a7})
	must(err)
	must(svc.LeaveAccount(ctx, payer, a8)) // leaves and rejoins the same month: stays in g
	must(svc.JoinAccount(ctx, payer, conductor.Account{ID: a8}))

	members := func(group, period string) []string {
		t.Helper()
		assoc, _, err := svc.ListAccountAssociations(ctx, c, conductor.ListAccountAssociationsInput{BillingPeriod: period, Association: group})
		must(err)
		var ids []string
		for _, a := range assoc {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		return ids
	}
	sizes := func(period string) map[string]int64 {
		t.Helper()
		groups, _, err := svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{BillingPeriod: period})
		must(err)
		out := map[string]int64{}
		for _, v := range groups {
			out[v.Name] = v.Size
		}
		return out
	}
	check := func(when, period string, want, want2 []string) {
		t.Helper()
		if got := members(g, period); !slices.Equal(got, want) {
			t.Errorf("%s: members of g %v, want %v", when, got, want)
		}
		if got := members(g2, period); !slices.Equal(got, want2) {
			t.Errorf("%s: members of g2 %v, want %v", when, got, want2)
		}
		if got := sizes(period); got["g"] != int64(len(want)) || got["g2"] != int64(len(want2)) {
			t.Errorf("%s: sizes %v, want g %d, g2 %d", when, got, len(want), len(want2))
		}
	}
	october := []string{a1, a2, a3, a4, a5, a8}
	check("October, the month they left", "", october, []string{a6, a7})

	clock.Pin(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	check("November", "", []string{a1, a2, a4, a8}, []string{a6, a7})
	check("October, seen from November", "2026-10", october, []string{a6, a7})
	for _, a := range []string{a3, a5} {
		assoc, _, err := svc.ListAccountAssociations(ctx, c, conductor.ListAccountAssociationsInput{AccountID: a})
		if err != nil || len(assoc) != 0 {
			t.Errorf("November, %s (left in October): %+v %v, want not listed", a, assoc, err)
		}
	}
	if _, err := svc.AssociateAccounts(ctx, c, g, []string{a3}); !hasReason(err, "ILLEGAL_ACCOUNTS") {
		t.Errorf("associating %s in November: %v, want ILLEGAL_ACCOUNTS", a3, err)
	}
}
