package restjson_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

// TestMonthBoundaryKeepsLastMonth crosses from November into December and
// changes everything; November's listings must still show November.
func TestMonthBoundaryKeepsLastMonth(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	plan := createPlan(t, c, "nov-plan")
	keep := createGroup(t, c, "keep", linked1, linked2, linked3)
	e.clock.Pin(startTime.Add(time.Second))
	doomed := createGroup(t, c, "doomed", linked4)
	november := snapshot(t, c)
	novGroups := listGroups(t, c, &bc.ListBillingGroupsInput{})

	e.clock.Pin(time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC))
	if got := groupNames(listGroups(t, c, &bc.ListBillingGroupsInput{})); !cmp.Equal(got, []string{"doomed", "keep"}) {
		t.Fatalf("December starts with November's groups, got %v", got)
	}
	if _, err := c.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: &keep, AccountIds: []string{linked2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &keep, AccountIds: []string{"100000000010"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{Arn: &keep, Name: aws.String("kept"),
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: &doomed}); err != nil {
		t.Fatal(err)
	}
	createGroup(t, c, "december-only", linked4, linked2)
	if _, err := c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: &plan, Name: aws.String("dec-plan")}); err != nil {
		t.Fatal(err)
	}
	createPlan(t, c, "december-plan")

	nov := aws.String("2026-11")
	if diff := cmp.Diff(novGroups, listGroups(t, c, &bc.ListBillingGroupsInput{BillingPeriod: nov}), sdkCmp); diff != "" {
		t.Errorf("November's billing groups changed (-before +after):\n%s", diff)
	}
	if got, want := groupAccounts(t, c, keep, "2026-11"), []string{linked1, linked2, linked3}; !cmp.Equal(got, want) {
		t.Errorf("November members of keep = %v, want %v", got, want)
	}
	if got, want := groupAccounts(t, c, doomed, "2026-11"), []string{linked4}; !cmp.Equal(got, want) {
		t.Errorf("November members of the deleted group = %v, want %v", got, want)
	}
	if got, want := groupAccounts(t, c, keep, ""), []string{linked1, linked3, "100000000010"}; !cmp.Equal(got, want) {
		t.Errorf("December members of keep = %v, want %v", got, want)
	}
	plans, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{BillingPeriod: nov})
	if err != nil || len(plans.PricingPlans) != 1 || aws.ToString(plans.PricingPlans[0].Name) != "nov-plan" ||
		aws.ToString(plans.BillingPeriod) != "2026-11" {
		t.Errorf("November plans = %+v (err %v)", plans, err)
	}
	if got := groupNames(listGroups(t, c, &bc.ListBillingGroupsInput{})); !cmp.Equal(got, []string{"december-only", "kept"}) {
		t.Errorf("December groups = %v", got)
	}
	// Moving back into November (a clock set by the admin) shows November's state as current.
	e.clock.Pin(startTime)
	if diff := cmp.Diff(november, snapshot(t, c)); diff != "" {
		t.Errorf("November state differs (-before +after):\n%s", diff)
	}
}

func TestBillingPeriodRules(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	createGroup(t, c, "g", linked1)
	_, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{BillingPeriod: aws.String("2026-12")})
	wantValidation(t, err, "ILLEGAL_BILLING_PERIOD", "BillingPeriod")
	_, err = c.ListAccountAssociations(ctx, &bc.ListAccountAssociationsInput{BillingPeriod: aws.String("2027-01")})
	wantValidation(t, err, "ILLEGAL_BILLING_PERIOD", "BillingPeriod")
	if got := listGroups(t, c, &bc.ListBillingGroupsInput{BillingPeriod: aws.String("2026-10")}); len(got) != 0 {
		t.Errorf("a period before the group existed lists %d groups", len(got))
	}
	// The model also accepts a one-digit month; it names the same period.
	if got := listGroups(t, c, &bc.ListBillingGroupsInput{BillingPeriod: aws.String("2026-11")}); len(got) != 1 {
		t.Errorf("2026-11 lists %d groups", len(got))
	}
	e.clock.Pin(time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC))
	if got := listGroups(t, c, &bc.ListBillingGroupsInput{BillingPeriod: aws.String("2027-3")}); len(got) != 1 {
		t.Errorf("2027-3 lists %d groups", len(got))
	}
}
