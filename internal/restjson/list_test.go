package restjson_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

// groupNames returns the names of groups, sorted (listings are in ID
// order, which tests that compare names do not depend on).
func groupNames(groups []types.BillingGroupListElement) []string {
	var names []string
	for _, g := range groups {
		names = append(names, aws.ToString(g.Name))
	}
	slices.Sort(names)
	return names
}

func TestListBillingGroupsFilters(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	plan := createPlan(t, c, "custom")
	alpha := createGroup(t, c, "alpha-1", linked1)
	e.clock.Pin(startTime.Add(time.Second))
	beta := createGroup(t, c, "beta-1", linked2)
	e.clock.Pin(startTime.Add(2 * time.Second))
	_, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("alpha-2"), PrimaryAccountId: aws.String(linked3),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked3, linked4}, AutoAssociate: aws.Bool(true)},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
	})
	if err != nil {
		t.Fatal(err)
	}
	betaID := beta[len(beta)-12:]
	tests := []struct {
		name   string
		filter *types.ListBillingGroupsFilter
		want   []string
	}{
		{"none", nil, []string{"alpha-1", "beta-1", "alpha-2"}},
		{"arns, full and bare", &types.ListBillingGroupsFilter{Arns: []string{alpha, betaID}}, []string{"alpha-1", "beta-1"}},
		{"pricing plan", &types.ListBillingGroupsFilter{PricingPlan: aws.String(plan)}, []string{"alpha-2"}},
		{"statuses", &types.ListBillingGroupsFilter{Statuses: []types.BillingGroupStatus{types.BillingGroupStatusActive}},
			[]string{"alpha-1", "beta-1", "alpha-2"}},
		{"status pending", &types.ListBillingGroupsFilter{Statuses: []types.BillingGroupStatus{types.BillingGroupStatusPending}}, nil},
		{"auto associate", &types.ListBillingGroupsFilter{AutoAssociate: aws.Bool(true)}, []string{"alpha-2"}},
		{"not auto associate", &types.ListBillingGroupsFilter{AutoAssociate: aws.Bool(false)}, []string{"alpha-1", "beta-1"}},
		{"primary accounts", &types.ListBillingGroupsFilter{PrimaryAccountIds: []string{linked2, linked3}}, []string{"beta-1", "alpha-2"}},
		{"types", &types.ListBillingGroupsFilter{BillingGroupTypes: []types.BillingGroupType{types.BillingGroupTypeTransferBilling}}, nil},
		{"name prefix", &types.ListBillingGroupsFilter{Names: []types.StringSearch{{SearchOption: types.SearchOptionStartsWith, SearchValue: aws.String("alpha")}}},
			[]string{"alpha-1", "alpha-2"}},
		{"and", &types.ListBillingGroupsFilter{AutoAssociate: aws.Bool(false), Names: []types.StringSearch{{SearchOption: types.SearchOptionStartsWith, SearchValue: aws.String("alpha")}}},
			[]string{"alpha-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slices.Sort(tt.want)
			got := groupNames(listGroups(t, c, &bc.ListBillingGroupsInput{Filters: tt.filter}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListBillingGroupsPagination(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	var want []string // ARNs in ID order, the listing's stable key
	for i := range 25 {
		e.clock.Pin(startTime.Add(time.Duration(i) * time.Second))
		want = append(want, createGroup(t, c, fmt.Sprintf("group-%02d", i), fmt.Sprintf("1000000000%02d", i+1)))
	}
	slices.Sort(want)
	first, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{MaxResults: aws.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.BillingGroups) != 10 || first.NextToken == nil {
		t.Fatalf("first page: %d groups, NextToken %v", len(first.BillingGroups), first.NextToken)
	}
	var got []string
	for _, g := range listGroups(t, c, &bc.ListBillingGroupsInput{MaxResults: aws.Int32(7)}) {
		got = append(got, aws.ToString(g.Arn))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged listing (-want +got):\n%s", diff)
	}
	last, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{MaxResults: aws.Int32(25)})
	if err != nil || last.NextToken != nil {
		t.Errorf("a listing that fits one page has NextToken %v (err %v)", last.NextToken, err)
	}
	_, err = c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{
		NextToken: first.NextToken, Filters: &types.ListBillingGroupsFilter{AutoAssociate: aws.Bool(false)},
	})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "NextToken")
	_, err = c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{NextToken: aws.String("garbage!")})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "NextToken")
}

func TestListAccountAssociationsFilters(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	g1 := createGroup(t, c, "g1", linked1, linked2)
	g2 := createGroup(t, c, "g2", linked3)
	all := listAssociations(t, c, &bc.ListAccountAssociationsInput{})
	if len(all) != 41 { // the payer and its 40 linked accounts
		t.Fatalf("%d associations, want 41", len(all))
	}
	first := all[0]
	want := types.AccountAssociationsListElement{
		AccountId: aws.String(linked1), BillingGroupArn: aws.String(g1),
		AccountName: aws.String("Linked " + linked1), AccountEmail: aws.String("linked-" + linked1 + "@example.com"),
	}
	if diff := cmp.Diff(want, first, sdkCmp); diff != "" {
		t.Errorf("first association (-want +got):\n%s", diff)
	}
	ids := func(f *types.ListAccountAssociationsFilter) []string {
		var out []string
		for _, a := range listAssociations(t, c, &bc.ListAccountAssociationsInput{Filters: f}) {
			out = append(out, aws.ToString(a.AccountId)+"@"+aws.ToString(a.BillingGroupArn))
		}
		return out
	}
	tests := []struct {
		name   string
		filter *types.ListAccountAssociationsFilter
		want   []string
	}{
		{"monitored", &types.ListAccountAssociationsFilter{Association: aws.String("MONITORED")},
			[]string{linked1 + "@" + g1, linked2 + "@" + g1, linked3 + "@" + g2}},
		{"group arn", &types.ListAccountAssociationsFilter{Association: aws.String(g2)}, []string{linked3 + "@" + g2}},
		{"group id", &types.ListAccountAssociationsFilter{Association: aws.String(g1[len(g1)-12:])},
			[]string{linked1 + "@" + g1, linked2 + "@" + g1}},
		{"account id", &types.ListAccountAssociationsFilter{AccountId: aws.String(linked4)}, []string{linked4 + "@"}},
		{"account ids", &types.ListAccountAssociationsFilter{AccountIds: []string{linked2, linked4}},
			[]string{linked2 + "@" + g1, linked4 + "@"}},
		{"unmonitored and ids", &types.ListAccountAssociationsFilter{Association: aws.String("UNMONITORED"), AccountIds: []string{linked2, linked4}},
			[]string{linked4 + "@"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(tt.filter)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	unmonitored := ids(&types.ListAccountAssociationsFilter{Association: aws.String("UNMONITORED")})
	if len(unmonitored) != 38 || slices.Contains(unmonitored, linked1+"@") {
		t.Errorf("unmonitored = %d accounts", len(unmonitored))
	}
	_, err := c.ListAccountAssociations(ctx, &bc.ListAccountAssociationsInput{
		Filters: &types.ListAccountAssociationsFilter{AccountId: aws.String(linked1), AccountIds: []string{linked2}},
	})
	wantValidation(t, err, "INVALID_FILTER", "Filters")
	missing := "arn:aws:billingconductor::123456789012:billinggroup/555555555555"
	_, err = c.ListAccountAssociations(ctx, &bc.ListAccountAssociationsInput{
		Filters: &types.ListAccountAssociationsFilter{Association: aws.String(missing)},
	})
	wantNotFound(t, err, "billinggroup", missing)
}

func TestAutoAssociateReceivesJoiningAccounts(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	arn := createGroup(t, c, "catch-all", linked1)
	if _, err := c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{
		Arn: &arn, AccountGrouping: &types.UpdateBillingGroupAccountGrouping{AutoAssociate: aws.Bool(true)},
	}); err != nil {
		t.Fatal(err)
	}
	e.admin(t, "POST", "/_proforma/accounts", `{"payer":"123456789012","id":"100000000099","name":"newcomer"}`)
	if got := groupAccounts(t, c, arn, ""); !cmp.Equal(got, []string{linked1, "100000000099"}) {
		t.Errorf("accounts after a join = %v", got)
	}
}
