// Package billing is an example of billing automation tested with
// proformatest: it sets a team's accounts up as a billing group priced by a
// markup, the way a reseller's onboarding script would.
package billing

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// Onboard creates a pricing plan that marks everything up by markup
// percent and a billing group of accounts (the first one primary) priced
// by it, and returns the group's ARN.
func Onboard(ctx context.Context, client *bc.Client, team string, markup float64, accounts []string) (string, error) {
	rule, err := client.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String(team + "-markup"),
		Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(markup)})
	if err != nil {
		return "", fmt.Errorf("pricing rule: %w", err)
	}
	plan, err := client.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(team + "-plan"),
		PricingRuleArns: []string{*rule.Arn}})
	if err != nil {
		return "", fmt.Errorf("pricing plan: %w", err)
	}
	group, err := client.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String(team),
		PrimaryAccountId:      aws.String(accounts[0]),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: accounts},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn}})
	if err != nil {
		return "", fmt.Errorf("billing group: %w", err)
	}
	return *group.Arn, nil
}
