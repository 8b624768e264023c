package restjson

import (
	"context"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

func getBillingGroupCostReport(ctx context.Context, svc *conductor.Service, req request, in *model.GetBillingGroupCostReportInput) (*model.GetBillingGroupCostReportOutput, error) {
	d := conductor.GetBillingGroupCostReportInput{ARN: str(in.Arn), GroupBy: in.GroupBy, Page: page(in.MaxResults, in.NextToken)}
	if r := in.BillingPeriodRange; r != nil {
		d.Range = &conductor.PeriodRange{Start: str(r.InclusiveStartBillingPeriod), End: str(r.ExclusiveEndBillingPeriod)}
	}
	reports, next, err := svc.GetBillingGroupCostReport(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.GetBillingGroupCostReportOutput{NextToken: opt(next)}
	for _, r := range reports {
		e := model.BillingGroupCostReportResultElement{
			Arn: ptr(r.BillingGroupARN), AWSCost: ptr(r.AWSCost.String()), ProformaCost: ptr(r.ProformaCost.String()),
			Margin: ptr(r.Margin().String()), MarginPercentage: ptr(r.MarginPercentage().String()), Currency: ptr(conductor.CurrencyUSD),
		}
		for _, a := range r.Attributes {
			e.Attributes = append(e.Attributes, model.Attribute{Key: ptr(a.Key), Value: ptr(a.Value)})
		}
		out.BillingGroupCostReportResults = append(out.BillingGroupCostReportResults, e)
	}
	return out, nil
}

func listBillingGroupCostReports(ctx context.Context, svc *conductor.Service, req request, in *model.ListBillingGroupCostReportsInput) (*model.ListBillingGroupCostReportsOutput, error) {
	d := conductor.ListBillingGroupCostReportsInput{BillingPeriod: str(in.BillingPeriod), Page: page(in.MaxResults, in.NextToken)}
	if in.Filters != nil {
		d.BillingGroupARNs = in.Filters.BillingGroupArns
	}
	reports, next, err := svc.ListBillingGroupCostReports(ctx, req.caller, d)
	if err != nil {
		return nil, err
	}
	out := &model.ListBillingGroupCostReportsOutput{NextToken: opt(next)}
	for _, r := range reports {
		out.BillingGroupCostReports = append(out.BillingGroupCostReports, model.BillingGroupCostReportElement{
			Arn: ptr(r.BillingGroupARN), AWSCost: ptr(r.AWSCost.String()), ProformaCost: ptr(r.ProformaCost.String()),
			Margin: ptr(r.Margin().String()), MarginPercentage: ptr(r.MarginPercentage().String()), Currency: ptr(conductor.CurrencyUSD),
		})
	}
	return out, nil
}
