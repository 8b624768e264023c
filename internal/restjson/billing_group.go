package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func createBillingGroup(ctx context.Context, svc *conductor.Service, req request, in *model.CreateBillingGroupInput) (*model.CreateBillingGroupOutput, error) {
	d := conductor.CreateBillingGroupInput{
		Idempotency:      idempotency(req, in.ClientToken),
		Name:             str(in.Name),
		Description:      str(in.Description),
		PrimaryAccountID: str(in.PrimaryAccountId),
		PricingPlanARN:   str(in.ComputationPreference.PricingPlanArn),
		Tags:             in.Tags,
	}
	if g := in.AccountGrouping; g != nil {
		d.LinkedAccountIDs = g.LinkedAccountIds
		d.AutoAssociate = g.AutoAssociate != nil && *g.AutoAssociate
		d.ResponsibilityTransferARN = str(g.ResponsibilityTransferArn)
	}
	arn, err := svc.CreateBillingGroup(ctx, req.caller, d)
	return &model.CreateBillingGroupOutput{Arn: &arn}, err
}

func associateAccounts(ctx context.Context, svc *conductor.Service, req request, in *model.AssociateAccountsInput) (*model.AssociateAccountsOutput, error) {
	arn, err := svc.AssociateAccounts(ctx, req.caller, str(in.Arn), in.AccountIds)
	return &model.AssociateAccountsOutput{Arn: &arn}, err
}

func disassociateAccounts(ctx context.Context, svc *conductor.Service, req request, in *model.DisassociateAccountsInput) (*model.DisassociateAccountsOutput, error) {
	arn, err := svc.DisassociateAccounts(ctx, req.caller, str(in.Arn), in.AccountIds)
	return &model.DisassociateAccountsOutput{Arn: &arn}, err
}

func deleteBillingGroup(ctx context.Context, svc *conductor.Service, req request, in *model.DeleteBillingGroupInput) (*model.DeleteBillingGroupOutput, error) {
	arn, err := svc.DeleteBillingGroup(ctx, req.caller, str(in.Arn))
	return &model.DeleteBillingGroupOutput{Arn: &arn}, err
}

func updateBillingGroup(ctx context.Context, svc *conductor.Service, req request, in *model.UpdateBillingGroupInput) (*model.UpdateBillingGroupOutput, error) {
	d := conductor.UpdateBillingGroupInput{ARN: str(in.Arn), Name: in.Name, Description: in.Description, Status: in.Status}
	if in.ComputationPreference != nil {
		d.PricingPlanARN = in.ComputationPreference.PricingPlanArn
	}
	if g := in.AccountGrouping; g != nil {
		d.AutoAssociate, d.ResponsibilityTransferARN = g.AutoAssociate, g.ResponsibilityTransferArn
	}
	v, err := svc.UpdateBillingGroup(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	return &model.UpdateBillingGroupOutput{
		Arn: &v.ARN, Name: &v.Name, Description: opt(v.Description), PrimaryAccountId: opt(v.PrimaryAccountID),
		PricingPlanArn: &v.PricingPlanARN, Size: &v.Size, LastModifiedTime: epoch(v.LastModifiedTime),
		Status: &v.Status, StatusReason: opt(v.StatusReason),
		AccountGrouping: &model.UpdateBillingGroupAccountGrouping{
			AutoAssociate: &v.AutoAssociate, ResponsibilityTransferArn: opt(v.ResponsibilityTransferARN),
		},
	}, nil
}

func listBillingGroups(ctx context.Context, svc *conductor.Service, req request, in *model.ListBillingGroupsInput) (*model.ListBillingGroupsOutput, error) {
	d := conductor.ListBillingGroupsInput{BillingPeriod: str(in.BillingPeriod), Page: page(in.MaxResults, in.NextToken)}
	if f := in.Filters; f != nil {
		d.Filter = conductor.BillingGroupFilter{
			ARNs: f.Arns, PricingPlan: str(f.PricingPlan), Statuses: f.Statuses, AutoAssociate: f.AutoAssociate,
			PrimaryAccountIDs: f.PrimaryAccountIds, BillingGroupTypes: f.BillingGroupTypes,
			ResponsibilityTransferARNs: f.ResponsibilityTransferArns,
		}
		if len(f.Names) > 0 {
			d.Filter.NamePrefix = f.Names[0].SearchValue
		}
	}
	views, next, err := svc.ListBillingGroups(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListBillingGroupsOutput{BillingGroups: []model.BillingGroupListElement{}, NextToken: opt(next)}
	for _, v := range views {
		out.BillingGroups = append(out.BillingGroups, billingGroupElement(v))
	}
	return out, nil
}

func billingGroupElement(v conductor.BillingGroupView) model.BillingGroupListElement {
	return model.BillingGroupListElement{
		Name: ptr(v.Name), Arn: ptr(v.ARN), Description: opt(v.Description), PrimaryAccountId: opt(v.PrimaryAccountID),
		ComputationPreference: &model.ComputationPreference{PricingPlanArn: ptr(v.PricingPlanARN)},
		Size:                  ptr(v.Size), CreationTime: epoch(v.CreationTime), LastModifiedTime: epoch(v.LastModifiedTime),
		Status: ptr(v.Status), StatusReason: opt(v.StatusReason),
		AccountGrouping: &model.ListBillingGroupAccountGrouping{
			AutoAssociate: ptr(v.AutoAssociate), ResponsibilityTransferArn: opt(v.ResponsibilityTransferARN),
		},
		BillingGroupType: ptr(v.Type),
	}
}
