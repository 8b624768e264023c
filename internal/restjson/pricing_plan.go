package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func createPricingPlan(ctx context.Context, svc *conductor.Service, req request, in *model.CreatePricingPlanInput) (*model.CreatePricingPlanOutput, error) {
	arn, err := svc.CreatePricingPlan(ctx, req.caller, conductor.CreatePricingPlanInput{
		Idempotency: idempotency(req, in.ClientToken), Name: str(in.Name), Description: str(in.Description),
		PricingRuleARNs: in.PricingRuleArns, Tags: in.Tags,
	})
	return &model.CreatePricingPlanOutput{Arn: &arn}, err
}

func listPricingPlans(ctx context.Context, svc *conductor.Service, req request, in *model.ListPricingPlansInput) (*model.ListPricingPlansOutput, error) {
	d := conductor.ListPricingPlansInput{BillingPeriod: str(in.BillingPeriod), Page: page(in.MaxResults, in.NextToken)}
	if in.Filters != nil {
		d.ARNs = in.Filters.Arns
	}
	views, period, next, err := svc.ListPricingPlans(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListPricingPlansOutput{
		BillingPeriod: ptr(string(period)), PricingPlans: []model.PricingPlanListElement{}, NextToken: opt(next),
	}
	for _, v := range views {
		out.PricingPlans = append(out.PricingPlans, model.PricingPlanListElement{
			Name: ptr(v.Name), Arn: ptr(v.ARN), Description: opt(v.Description), Size: ptr(v.Size),
			CreationTime: epoch(v.CreationTime), LastModifiedTime: epoch(v.LastModifiedTime),
		})
	}
	return out, nil
}

func updatePricingPlan(ctx context.Context, svc *conductor.Service, req request, in *model.UpdatePricingPlanInput) (*model.UpdatePricingPlanOutput, error) {
	v, err := svc.UpdatePricingPlan(ctx, req.caller, conductor.UpdatePricingPlanInput{
		ARN: str(in.Arn), Name: in.Name, Description: in.Description,
	})
	if err != nil {
		return nil, err
	}
	return &model.UpdatePricingPlanOutput{
		Arn: ptr(v.ARN), Name: ptr(v.Name), Description: opt(v.Description), Size: ptr(v.Size),
		LastModifiedTime: epoch(v.LastModifiedTime),
	}, nil
}

func deletePricingPlan(ctx context.Context, svc *conductor.Service, req request, in *model.DeletePricingPlanInput) (*model.DeletePricingPlanOutput, error) {
	arn, err := svc.DeletePricingPlan(ctx, req.caller, str(in.Arn))
	return &model.DeletePricingPlanOutput{Arn: &arn}, err
}
