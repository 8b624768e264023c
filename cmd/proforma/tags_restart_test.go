package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

// TestTagsSurviveRestart tags a billing group and a plan, kills the server
// with SIGKILL and finds the tags after a restart.
func TestTagsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	p := startProforma(t, dir, "--now", "2026-11-15T12:00:00Z")
	c := newClient(p.URL, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	plan, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("tagged"), Tags: map[string]string{"made": "create"}})
	if err != nil {
		t.Fatal(err)
	}
	group, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("tagged"), PrimaryAccountId: aws.String("100000000001"),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{"100000000001"}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: group.Arn, Tags: map[string]string{"team": "a", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &bc.UntagResourceInput{ResourceArn: group.Arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	p.Kill()
	p = startProforma(t, dir, "--now", "2026-11-15T12:00:00Z")
	defer p.Stop()
	c = newClient(p.URL, "123456789012")
	for arn, want := range map[string]map[string]string{*group.Arn: {"team": "a"}, *plan.Arn: {"made": "create"}} {
		out, err := c.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(out.Tags, want) {
			t.Errorf("tags of %s after restart = %v, want %v", arn, out.Tags, want)
		}
	}
}
