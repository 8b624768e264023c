package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func createPricingRule(ctx context.Context, svc *conductor.Service, req request, in *model.CreatePricingRuleInput) (*model.CreatePricingRuleOutput, error) {
	r := conductor.PricingRule{
		Name: str(in.Name), Description: str(in.Description), Scope: str(in.Scope), Type: str(in.Type),
		ModifierPercentage: in.ModifierPercentage, Service: str(in.Service), BillingEntity: str(in.BillingEntity),
		UsageType: str(in.UsageType), Operation: str(in.Operation),
	}
	if t := in.Tiering; t != nil {
		var activated *bool
		if t.FreeTier != nil {
			activated = t.FreeTier.Activated
		}
		r.Tiering = tieringIn(activated, t.CustomTiers)
	}
	arn, err := svc.CreatePricingRule(ctx, req.caller, conductor.CreatePricingRuleInput{
		Idempotency: idempotency(req, in.ClientToken), PricingRule: r, Tags: in.Tags,
	})
	return &model.CreatePricingRuleOutput{Arn: &arn}, err
}

// tieringIn converts the members of the wire's Create/UpdateTieringInput.
func tieringIn(freeTierActivated *bool, tiers []model.CustomTier) *conductor.Tiering {
	t := &conductor.Tiering{FreeTierActivated: freeTierActivated}
	for _, ct := range tiers {
		t.CustomTiers = append(t.CustomTiers, conductor.CustomTier{
			BeginRangeInclusive: deref(ct.BeginRangeInclusive), EndRangeExclusive: ct.EndRangeExclusive, RateValue: deref(ct.RateValue),
		})
	}
	return t
}

func customTiersOut(tiers []conductor.CustomTier) []model.CustomTier {
	var out []model.CustomTier
	for _, ct := range tiers {
		out = append(out, model.CustomTier{BeginRangeInclusive: ptr(ct.BeginRangeInclusive), EndRangeExclusive: ct.EndRangeExclusive, RateValue: ptr(ct.RateValue)})
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func updatePricingRule(ctx context.Context, svc *conductor.Service, req request, in *model.UpdatePricingRuleInput) (*model.UpdatePricingRuleOutput, error) {
	d := conductor.UpdatePricingRuleInput{ARN: str(in.Arn), Name: in.Name, Description: in.Description,
		Type: in.Type, ModifierPercentage: in.ModifierPercentage}
	if t := in.Tiering; t != nil {
		var activated *bool
		if t.FreeTier != nil {
			activated = t.FreeTier.Activated
		}
		d.Tiering = tieringIn(activated, t.CustomTiers)
	}
	v, err := svc.UpdatePricingRule(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.UpdatePricingRuleOutput{
		Arn: ptr(v.ARN), Name: ptr(v.Name), Description: opt(v.Description), Scope: ptr(v.Scope), Type: ptr(v.Type),
		ModifierPercentage: v.ModifierPercentage, Service: opt(v.Service), BillingEntity: opt(v.BillingEntity),
		UsageType: opt(v.UsageType), Operation: opt(v.Operation),
		AssociatedPricingPlanCount: ptr(v.AssociatedPricingPlanCount), LastModifiedTime: epoch(v.LastModifiedTime),
	}
	if t := v.Tiering; t != nil {
		out.Tiering = &model.UpdateTieringInput{CustomTiers: customTiersOut(t.CustomTiers)}
		if t.FreeTierActivated != nil {
			out.Tiering.FreeTier = &model.UpdateFreeTierConfig{Activated: t.FreeTierActivated}
		}
	}
	return out, nil
}

func deletePricingRule(ctx context.Context, svc *conductor.Service, req request, in *model.DeletePricingRuleInput) (*model.DeletePricingRuleOutput, error) {
	arn, err := svc.DeletePricingRule(ctx, req.caller, str(in.Arn))
	return &model.DeletePricingRuleOutput{Arn: &arn}, err
}

func listPricingRules(ctx context.Context, svc *conductor.Service, req request, in *model.ListPricingRulesInput) (*model.ListPricingRulesOutput, error) {
	d := conductor.ListPricingRulesInput{BillingPeriod: str(in.BillingPeriod), Page: page(in.MaxResults, in.NextToken)}
	if in.Filters != nil {
		d.ARNs = in.Filters.Arns
	}
	views, period, next, err := svc.ListPricingRules(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListPricingRulesOutput{BillingPeriod: ptr(string(period)), NextToken: opt(next)}
	for _, v := range views {
		out.PricingRules = append(out.PricingRules, pricingRuleElement(v))
	}
	return out, nil
}

func pricingRuleElement(v conductor.PricingRuleView) model.PricingRuleListElement {
	e := model.PricingRuleListElement{
		Arn: ptr(v.ARN), Name: ptr(v.Name), Description: opt(v.Description), Scope: ptr(v.Scope), Type: ptr(v.Type),
		ModifierPercentage: v.ModifierPercentage, Service: opt(v.Service), BillingEntity: opt(v.BillingEntity),
		UsageType: opt(v.UsageType), Operation: opt(v.Operation),
		AssociatedPricingPlanCount: ptr(v.AssociatedPricingPlanCount),
		CreationTime:               epoch(v.CreationTime), LastModifiedTime: epoch(v.LastModifiedTime),
	}
	if t := v.Tiering; t != nil {
		e.Tiering = &model.Tiering{CustomTiers: customTiersOut(t.CustomTiers)}
		if t.FreeTierActivated != nil {
			e.Tiering.FreeTier = &model.FreeTierConfig{Activated: t.FreeTierActivated}
		}
	}
	return e
}

func associatePricingRules(ctx context.Context, svc *conductor.Service, req request, in *model.AssociatePricingRulesInput) (*model.AssociatePricingRulesOutput, error) {
	arn, err := svc.AssociatePricingRules(ctx, req.caller, str(in.Arn), in.PricingRuleArns)
	return &model.AssociatePricingRulesOutput{Arn: &arn}, err
}

func disassociatePricingRules(ctx context.Context, svc *conductor.Service, req request, in *model.DisassociatePricingRulesInput) (*model.DisassociatePricingRulesOutput, error) {
	arn, err := svc.DisassociatePricingRules(ctx, req.caller, str(in.Arn), in.PricingRuleArns)
	return &model.DisassociatePricingRulesOutput{Arn: &arn}, err
}

func listPricingRulesAssociatedToPricingPlan(ctx context.Context, svc *conductor.Service, req request, in *model.ListPricingRulesAssociatedToPricingPlanInput) (*model.ListPricingRulesAssociatedToPricingPlanOutput, error) {
	arns, period, plan, next, err := svc.ListPricingRulesAssociatedToPricingPlan(ctx, req.caller,
		str(in.BillingPeriod), str(in.PricingPlanArn), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	return &model.ListPricingRulesAssociatedToPricingPlanOutput{
		BillingPeriod: ptr(string(period)), PricingPlanArn: &plan, PricingRuleArns: arns, NextToken: opt(next),
	}, nil
}

func listPricingPlansAssociatedWithPricingRule(ctx context.Context, svc *conductor.Service, req request, in *model.ListPricingPlansAssociatedWithPricingRuleInput) (*model.ListPricingPlansAssociatedWithPricingRuleOutput, error) {
	arns, period, rule, next, err := svc.ListPricingPlansAssociatedWithPricingRule(ctx, req.caller,
		str(in.BillingPeriod), str(in.PricingRuleArn), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	return &model.ListPricingPlansAssociatedWithPricingRuleOutput{
		BillingPeriod: ptr(string(period)), PricingRuleArn: &rule, PricingPlanArns: arns, NextToken: opt(next),
	}, nil
}
