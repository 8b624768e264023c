package restjson_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

func TestPricingPlanLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	out, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{
		Name: aws.String("resale"), Description: aws.String("Resale plan"), Tags: map[string]string{"k": "v"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Arn)
	if !pricingPlanARN.MatchString(arn) {
		t.Fatalf("Arn = %q, want a pricing plan ARN of the payer", arn)
	}
	list, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := &bc.ListPricingPlansOutput{
		BillingPeriod: aws.String("2026-11"),
		PricingPlans: []types.PricingPlanListElement{{
			Arn: &arn, Name: aws.String("resale"), Description: aws.String("Resale plan"), Size: 0,
			CreationTime: startTime.Unix(), LastModifiedTime: startTime.Unix(),
		}},
	}
	if diff := cmp.Diff(want, list, sdkCmp); diff != "" {
		t.Errorf("ListPricingPlans (-want +got):\n%s", diff)
	}
	later := startTime.Add(time.Minute)
	e.clock.Pin(later)
	upd, err := c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: &arn, Name: aws.String("resale-v2"), Description: aws.String("")})
	if err != nil {
		t.Fatal(err)
	}
	wantUpd := &bc.UpdatePricingPlanOutput{Arn: &arn, Name: aws.String("resale-v2"), Size: 0, LastModifiedTime: later.Unix()}
	if diff := cmp.Diff(wantUpd, upd, sdkCmp); diff != "" {
		t.Errorf("UpdatePricingPlan (-want +got):\n%s", diff)
	}
	del, err := c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(del.Arn) != arn {
		t.Errorf("DeletePricingPlan Arn = %q", aws.ToString(del.Arn))
	}
	list, err = c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil || len(list.PricingPlans) != 0 {
		t.Errorf("after delete: %v, %v", list, err)
	}
}

func TestPricingPlanErrors(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	plan := createPlan(t, c, "in-use")
	other := createPlan(t, c, "other")
	_, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("g"), PrimaryAccountId: aws.String(linked1),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked1}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
	})
	if err != nil {
		t.Fatal(err)
	}
	group := listGroups(t, c, &bc.ListBillingGroupsInput{})[0]
	unknown := "arn:aws:billingconductor::123456789012:pricingplan/ZZZZZZZZZZ"
	unknownRule := "arn:aws:billingconductor::123456789012:pricingrule/ZZZZZZZZZZ"
	before := snapshot(t, c)

	_, err = c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: &plan})
	wantConflict(t, err, "PRICING_PLAN_ATTACHED_TO_BILLING_GROUP_DELETE_CONFLICT", "billinggroup", aws.ToString(group.Arn))
	_, err = c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("in-use")})
	wantConflict(t, err, "RESOURCE_NAME_CONFLICT", "pricingplan", plan)
	_, err = c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: &other, Name: aws.String("in-use")})
	wantConflict(t, err, "RESOURCE_NAME_CONFLICT", "pricingplan", plan)
	_, err = c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: &unknown, Name: aws.String("x")})
	wantNotFound(t, err, "pricingplan", unknown)
	_, err = c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: &unknown})
	wantValidation(t, err, "MISSING_PRICINGPLAN", "Arn")
	_, err = c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("with-rules"), PricingRuleArns: []string{unknownRule}})
	wantNotFound(t, err, "pricingrule", unknownRule)
	for _, managed := range []string{basicPlan, passthrough} {
		_, err = c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: aws.String(managed), Description: aws.String("mine")})
		wantValidation(t, err, "OTHER", "Arn")
		_, err = c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: aws.String(managed)})
		wantValidation(t, err, "OTHER", "Arn")
	}
	_, err = c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: aws.String("arn:aws:billingconductor::210987654321:pricingplan/ABCDEFGHIJ")})
	wantValidation(t, err, "MISMATCHED_PRICINGPLAN_ARN", "Arn")
	unchanged(t, c, before)
}

func TestManagedPricingPlans(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	createPlan(t, c, "mine")
	list, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil || len(list.PricingPlans) != 1 {
		t.Fatalf("an unfiltered listing shows only the payer's plans: %v %v", list, err)
	}
	list, err = c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{
		Filters: &types.ListPricingPlansFilter{Arns: []string{basicPlan, passthrough}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range list.PricingPlans {
		got = append(got, aws.ToString(p.Arn)+" "+aws.ToString(p.Name))
	}
	want := []string{basicPlan + " BasicPricingPlan", passthrough + " Passthrough"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("managed plans (-want +got):\n%s", diff)
	}
	// A bare managed plan ID names the same plan as its ARN.
	arn := createGroup(t, c, "basic", linked1)
	groups := listGroups(t, c, &bc.ListBillingGroupsInput{Filters: &types.ListBillingGroupsFilter{PricingPlan: aws.String(basicPlan)}})
	if len(groups) != 1 || aws.ToString(groups[0].Arn) != arn {
		t.Errorf("groups on the basic plan = %v", groups)
	}
}

func TestListPricingPlansPagination(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	want := map[string]bool{}
	for i := range 12 {
		e.clock.Pin(startTime.Add(time.Duration(i) * time.Second))
		want[createPlan(t, c, fmt.Sprintf("plan-%02d", i))] = true
	}
	seen := map[string]bool{}
	p := bc.NewListPricingPlansPaginator(c, &bc.ListPricingPlansInput{MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, pl := range page.PricingPlans {
			if seen[aws.ToString(pl.Arn)] {
				t.Errorf("plan %s listed twice", aws.ToString(pl.Arn))
			}
			seen[aws.ToString(pl.Arn)] = true
		}
	}
	if pages != 3 || !cmp.Equal(want, seen) {
		t.Errorf("%d pages, saw %d plans, want 3 pages and %d plans", pages, len(seen), len(want))
	}
}
