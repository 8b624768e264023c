package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func preferenceOut(p conductor.TransferPreference) *model.AutoTransferBillingGroupCreationPreference {
	return &model.AutoTransferBillingGroupCreationPreference{Enabled: ptr(p.Enabled), PricingPlanArn: opt(p.PricingPlanARN)}
}

func getBillingTransferPreference(ctx context.Context, svc *conductor.Service, req request, in *model.GetBillingTransferPreferenceInput) (*model.GetBillingTransferPreferenceOutput, error) {
	p, err := svc.GetBillingTransferPreference(ctx, req.caller, str(in.ResponsibilityTransferArn))
	if err != nil {
		return nil, err
	}
	return &model.GetBillingTransferPreferenceOutput{ResponsibilityTransferArn: ptr(p.TransferARN),
		AutoBillingTransferBillingGroupCreation: preferenceOut(p), LastModifiedTime: epoch(p.LastModifiedTime)}, nil
}

func updateBillingTransferPreference(ctx context.Context, svc *conductor.Service, req request, in *model.UpdateBillingTransferPreferenceInput) (*model.UpdateBillingTransferPreferenceOutput, error) {
	pref := in.AutoBillingTransferBillingGroupCreation
	p, err := svc.UpdateBillingTransferPreference(ctx, req.caller, conductor.UpdateBillingTransferPreferenceInput{
		Idempotency: idempotency(req, in.ClientToken), TransferARN: str(in.ResponsibilityTransferArn),
		Enabled: deref(pref.Enabled), PricingPlanARN: str(pref.PricingPlanArn),
	})
	if err != nil {
		return nil, err
	}
	return &model.UpdateBillingTransferPreferenceOutput{ResponsibilityTransferArn: ptr(p.TransferARN),
		AutoBillingTransferBillingGroupCreation: preferenceOut(p), LastModifiedTime: epoch(p.LastModifiedTime)}, nil
}
