package conductor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Accounts joining the organization fill the AutoAssociate group up to the
// accounts-per-group quota and no further: the next one stays unmonitored
// (§12: a group never holds more than 1,000 accounts, however they came).
func TestAutoAssociateStopsAtTheAccountsQuota(t *testing.T) {
	ctx := context.Background()
	svc, _ := seededService(t, memoryStore(t), conductor.DemoOrganization(), time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	c := conductor.Caller{Account: "123456789012"}
	g, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "auto", PrimaryAccountID: "100000000001",
		LinkedAccountIDs: []string{"100000000001"}, PricingPlanARN: basicPlan, AutoAssociate: true})
	if err != nil {
		t.Fatal(err)
	}
	limit := conductor.QuotaAccountsPerGroup.Limit
	for i := range limit { // 999 fill the group, the last one finds it full
		if err := svc.JoinAccount(ctx, c.Account, conductor.Account{ID: fmt.Sprintf("3%011d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	groups, _, err := svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{})
	if err != nil || len(groups) != 1 || groups[0].Size != int64(limit) {
		t.Fatalf("the AutoAssociate group after %d joins: %+v %v, want %d accounts", limit, groups, err, limit)
	}
	last := fmt.Sprintf("3%011d", limit-1)
	assoc, _, err := svc.ListAccountAssociations(ctx, c, conductor.ListAccountAssociationsInput{AccountID: last})
	if err != nil || len(assoc) != 1 || assoc[0].BillingGroupARN != "" {
		t.Errorf("the account that found %s full: %+v %v, want it unmonitored", g, assoc, err)
	}
}
