package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func listAccountAssociations(ctx context.Context, svc *conductor.Service, req request, in *model.ListAccountAssociationsInput) (*model.ListAccountAssociationsOutput, error) {
	d := conductor.ListAccountAssociationsInput{BillingPeriod: str(in.BillingPeriod), NextToken: str(in.NextToken)}
	if f := in.Filters; f != nil {
		d.Association, d.AccountID, d.AccountIDs = str(f.Association), str(f.AccountId), f.AccountIds
	}
	list, next, err := svc.ListAccountAssociations(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListAccountAssociationsOutput{LinkedAccounts: []model.AccountAssociationsListElement{}, NextToken: opt(next)}
	for _, a := range list {
		out.LinkedAccounts = append(out.LinkedAccounts, model.AccountAssociationsListElement{
			AccountId: ptr(a.ID), BillingGroupArn: opt(a.BillingGroupARN),
			AccountName: opt(a.Name), AccountEmail: opt(a.Email),
		})
	}
	return out, nil
}
