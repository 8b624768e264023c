package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func periodRange(r *model.CustomLineItemBillingPeriodRange) *conductor.PeriodRange {
	if r == nil {
		return nil
	}
	return &conductor.PeriodRange{Start: str(r.InclusiveStartBillingPeriod), End: str(r.ExclusiveEndBillingPeriod)}
}

func filtersIn(fs []model.LineItemFilter) []conductor.LineItemFilter {
	if fs == nil {
		return nil
	}
	out := []conductor.LineItemFilter{}
	for _, f := range fs {
		out = append(out, conductor.LineItemFilter{Attribute: str(f.Attribute), MatchOption: str(f.MatchOption),
			Values: f.Values, AttributeValues: f.AttributeValues})
	}
	return out
}

func filtersOut(fs []conductor.LineItemFilter) []model.LineItemFilter {
	var out []model.LineItemFilter
	for _, f := range fs {
		out = append(out, model.LineItemFilter{Attribute: ptr(f.Attribute), MatchOption: ptr(f.MatchOption),
			Values: f.Values, AttributeValues: f.AttributeValues})
	}
	return out
}

func createCustomLineItem(ctx context.Context, svc *conductor.Service, req request, in *model.CreateCustomLineItemInput) (*model.CreateCustomLineItemOutput, error) {
	cd := in.ChargeDetails
	d := conductor.CreateCustomLineItemInput{
		Idempotency: idempotency(req, in.ClientToken), Name: str(in.Name), Description: str(in.Description),
		BillingGroupARN: str(in.BillingGroupArn), Range: periodRange(in.BillingPeriodRange), AccountID: str(in.AccountId),
		ComputationRule: str(in.ComputationRule), Tags: in.Tags,
		Charge: conductor.ChargeDetails{Type: str(cd.Type), LineItemFilters: filtersIn(cd.LineItemFilters)},
	}
	if cd.Flat != nil {
		d.Charge.Flat = cd.Flat.ChargeValue
	}
	if cd.Percentage != nil {
		d.Charge.Percentage, d.Charge.AssociatedValues = cd.Percentage.PercentageValue, cd.Percentage.AssociatedValues
	}
	if in.PresentationDetails != nil {
		d.PresentationService = str(in.PresentationDetails.Service)
	}
	arn, err := svc.CreateCustomLineItem(ctx, req.caller, d)
	return &model.CreateCustomLineItemOutput{Arn: &arn}, err
}

func chargeOut(v conductor.CustomLineItemView) *model.ListCustomLineItemChargeDetails {
	c := &model.ListCustomLineItemChargeDetails{Type: ptr(v.Type), LineItemFilters: filtersOut(v.LineItemFilters)}
	if v.Flat != nil {
		c.Flat = &model.ListCustomLineItemFlatChargeDetails{ChargeValue: v.Flat}
	}
	if v.Percentage != nil {
		c.Percentage = &model.ListCustomLineItemPercentageChargeDetails{PercentageValue: v.Percentage}
	}
	return c
}

func updateCustomLineItem(ctx context.Context, svc *conductor.Service, req request, in *model.UpdateCustomLineItemInput) (*model.UpdateCustomLineItemOutput, error) {
	d := conductor.UpdateCustomLineItemInput{ARN: str(in.Arn), Name: in.Name, Description: in.Description,
		Range: periodRange(in.BillingPeriodRange)}
	if cd := in.ChargeDetails; cd != nil {
		d.Charge = &conductor.ChargeDetails{LineItemFilters: filtersIn(cd.LineItemFilters)}
		if cd.Flat != nil {
			d.Charge.Flat = cd.Flat.ChargeValue
		}
		if cd.Percentage != nil {
			d.Charge.Percentage = cd.Percentage.PercentageValue
		}
	}
	v, err := svc.UpdateCustomLineItem(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	return &model.UpdateCustomLineItemOutput{
		Arn: ptr(v.ARN), BillingGroupArn: ptr(v.BillingGroupARN), Name: ptr(v.Name), Description: ptr(v.Description),
		ChargeDetails: chargeOut(v), LastModifiedTime: epoch(v.LastModifiedTime), AssociationSize: ptr(v.AssociationSize),
	}, nil
}

func deleteCustomLineItem(ctx context.Context, svc *conductor.Service, req request, in *model.DeleteCustomLineItemInput) (*model.DeleteCustomLineItemOutput, error) {
	arn, err := svc.DeleteCustomLineItem(ctx, req.caller, str(in.Arn), periodRange(in.BillingPeriodRange))
	return &model.DeleteCustomLineItemOutput{Arn: &arn}, err
}

func customLineItemElement(v conductor.CustomLineItemView) model.CustomLineItemListElement {
	return model.CustomLineItemListElement{
		Arn: ptr(v.ARN), Name: ptr(v.Name), Description: ptr(v.Description), AccountId: ptr(v.AccountID),
		BillingGroupArn: ptr(v.BillingGroupARN), ChargeDetails: chargeOut(v), CurrencyCode: ptr(conductor.CurrencyUSD),
		ComputationRule: ptr(v.ComputationRule), PresentationDetails: &model.PresentationObject{Service: ptr(v.PresentationService)},
		ProductCode: ptr(conductor.CustomLineItemProductCode), AssociationSize: ptr(v.AssociationSize),
		CreationTime: epoch(v.CreationTime), LastModifiedTime: epoch(v.LastModifiedTime),
	}
}

func listCustomLineItems(ctx context.Context, svc *conductor.Service, req request, in *model.ListCustomLineItemsInput) (*model.ListCustomLineItemsOutput, error) {
	d := conductor.ListCustomLineItemsInput{BillingPeriod: str(in.BillingPeriod), Page: page(in.MaxResults, in.NextToken)}
	if f := in.Filters; f != nil {
		d.Filter = conductor.CustomLineItemFilter{AccountIDs: f.AccountIds, ARNs: f.Arns, BillingGroups: f.BillingGroups, Names: f.Names}
	}
	views, next, err := svc.ListCustomLineItems(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListCustomLineItemsOutput{NextToken: opt(next)}
	for _, v := range views {
		out.CustomLineItems = append(out.CustomLineItems, customLineItemElement(v))
	}
	return out, nil
}

func listCustomLineItemVersions(ctx context.Context, svc *conductor.Service, req request, in *model.ListCustomLineItemVersionsInput) (*model.ListCustomLineItemVersionsOutput, error) {
	d := conductor.ListCustomLineItemVersionsInput{ARN: str(in.Arn), Page: page(in.MaxResults, in.NextToken)}
	if f := in.Filters; f != nil && f.BillingPeriodRange != nil {
		d.StartPeriod, d.EndPeriod = str(f.BillingPeriodRange.StartBillingPeriod), str(f.BillingPeriodRange.EndBillingPeriod)
	}
	views, next, err := svc.ListCustomLineItemVersions(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListCustomLineItemVersionsOutput{NextToken: opt(next)}
	for _, v := range views {
		e := customLineItemElement(v)
		out.CustomLineItemVersions = append(out.CustomLineItemVersions, model.CustomLineItemVersionListElement{
			Arn: e.Arn, Name: e.Name, Description: e.Description, AccountId: e.AccountId, BillingGroupArn: e.BillingGroupArn,
			ChargeDetails: e.ChargeDetails, CurrencyCode: e.CurrencyCode, ComputationRule: e.ComputationRule,
			PresentationDetails: e.PresentationDetails, ProductCode: e.ProductCode, AssociationSize: e.AssociationSize,
			CreationTime: e.CreationTime, LastModifiedTime: e.LastModifiedTime, StartTime: e.LastModifiedTime,
			StartBillingPeriod: ptr(string(v.StartBillingPeriod)), EndBillingPeriod: opt(string(v.EndBillingPeriod)),
		})
	}
	return out, nil
}

func resultsOut(results []conductor.ResourceResult) (ok, failed []model.AssociateResourceResponseElement) {
	for _, r := range results {
		e := model.AssociateResourceResponseElement{Arn: ptr(r.ARN)}
		if r.Reason == "" {
			ok = append(ok, e)
			continue
		}
		e.Error = &model.AssociateResourceError{Reason: ptr(r.Reason), Message: ptr(r.Message)}
		failed = append(failed, e)
	}
	return ok, failed
}

func batchAssociateResourcesToCustomLineItem(ctx context.Context, svc *conductor.Service, req request, in *model.BatchAssociateResourcesToCustomLineItemInput) (*model.BatchAssociateResourcesToCustomLineItemOutput, error) {
	results, err := svc.BatchAssociateResourcesToCustomLineItem(ctx, req.caller, str(in.TargetArn), in.ResourceArns, periodRange(in.BillingPeriodRange))
	if err != nil {
		return nil, err
	}
	ok, failed := resultsOut(results)
	return &model.BatchAssociateResourcesToCustomLineItemOutput{SuccessfullyAssociatedResources: ok, FailedAssociatedResources: failed}, nil
}

func batchDisassociateResourcesFromCustomLineItem(ctx context.Context, svc *conductor.Service, req request, in *model.BatchDisassociateResourcesFromCustomLineItemInput) (*model.BatchDisassociateResourcesFromCustomLineItemOutput, error) {
	results, err := svc.BatchDisassociateResourcesFromCustomLineItem(ctx, req.caller, str(in.TargetArn), in.ResourceArns, periodRange(in.BillingPeriodRange))
	if err != nil {
		return nil, err
	}
	ok, failed := resultsOut(results)
	out := &model.BatchDisassociateResourcesFromCustomLineItemOutput{}
	for _, e := range ok {
		out.SuccessfullyDisassociatedResources = append(out.SuccessfullyDisassociatedResources, model.DisassociateResourceResponseElement(e))
	}
	for _, e := range failed {
		out.FailedDisassociatedResources = append(out.FailedDisassociatedResources, model.DisassociateResourceResponseElement(e))
	}
	return out, nil
}

func listResourcesAssociatedToCustomLineItem(ctx context.Context, svc *conductor.Service, req request, in *model.ListResourcesAssociatedToCustomLineItemInput) (*model.ListResourcesAssociatedToCustomLineItemOutput, error) {
	relationship := ""
	if in.Filters != nil {
		relationship = str(in.Filters.Relationship)
	}
	rs, arn, next, err := svc.ListResourcesAssociatedToCustomLineItem(ctx, req.caller, str(in.Arn), str(in.BillingPeriod), relationship,
		page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &model.ListResourcesAssociatedToCustomLineItemOutput{Arn: &arn, NextToken: opt(next)}
	for _, r := range rs {
		out.AssociatedResources = append(out.AssociatedResources, model.ListResourcesAssociatedToCustomLineItemResponseElement{
			Arn: ptr(r.ARN), Relationship: ptr(r.Relationship), EndBillingPeriod: opt(string(r.EndBillingPeriod)),
		})
	}
	return out, nil
}
