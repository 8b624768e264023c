package restjson_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

// Without imported usage a group's pro forma cost is its custom line items.
func TestCostReportsFromCustomLineItems(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	e.clock.Pin(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC))
	group := createGroup(t, c, "g", linked1)
	e.clock.Pin(time.Date(2026, 10, 3, 0, 0, 1, 0, time.UTC))
	empty := createGroup(t, c, "empty", linked2)
	e.clock.Pin(startTime)
	flat := createItem(t, c, recurring(flatItem("fee", group, 10), "2026-10"))
	credit := flatItem("credit", group, 0.3)
	credit.ChargeDetails.Type = types.CustomLineItemTypeCredit
	createItem(t, c, credit)
	pct := percentItem("ten-percent", group, 10)
	pct.ChargeDetails.Type = types.CustomLineItemTypeFee
	pct.ChargeDetails.Percentage.AssociatedValues = []string{group, flat}
	createItem(t, c, pct)

	list, err := c.ListBillingGroupCostReports(ctx, &bc.ListBillingGroupCostReportsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.BillingGroupCostReportElement{
		{Arn: &group, AWSCost: aws.String("0"), ProformaCost: aws.String("10.7"), Margin: aws.String("10.7"),
			MarginPercentage: aws.String("100"), Currency: aws.String("USD")},
		{Arn: &empty, AWSCost: aws.String("0"), ProformaCost: aws.String("0"), Margin: aws.String("0"),
			MarginPercentage: aws.String("0"), Currency: aws.String("USD")},
	}
	slices.SortFunc(want, func(a, b types.BillingGroupCostReportElement) int { return strings.Compare(*a.Arn, *b.Arn) }) // ID order
	if diff := cmp.Diff(want, list.BillingGroupCostReports, sdkCmp); diff != "" {
		t.Errorf("ListBillingGroupCostReports (-want +got):\n%s", diff)
	}
	filtered, err := c.ListBillingGroupCostReports(ctx, &bc.ListBillingGroupCostReportsInput{
		Filters: &types.ListBillingGroupCostReportsFilter{BillingGroupArns: []string{empty}}})
	if err != nil || len(filtered.BillingGroupCostReports) != 1 {
		t.Errorf("filtered = %+v, %v", filtered, err)
	}
	get, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &group,
		BillingPeriodRange: &types.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String("2026-10"), ExclusiveEndBillingPeriod: aws.String("2026-12")},
		GroupBy:            []types.GroupByAttributeName{"BILLING_PERIOD", "PRODUCT_NAME"}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Attrs, Proforma string }
	var got []row
	for _, r := range get.BillingGroupCostReportResults {
		attrs := ""
		for _, a := range r.Attributes {
			attrs += aws.ToString(a.Key) + "=" + aws.ToString(a.Value) + ";"
		}
		got = append(got, row{attrs, aws.ToString(r.ProformaCost)})
	}
	wantRows := []row{
		{"PRODUCT_NAME=AWSBillingConductor;BILLING_PERIOD=Oct 2026;", "10"},
		{"PRODUCT_NAME=AWSBillingConductor;BILLING_PERIOD=Nov 2026;", "10.7"},
	}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("GetBillingGroupCostReport (-want +got):\n%s", diff)
	}
	whole, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &group,
		BillingPeriodRange: &types.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String("2026-10"), ExclusiveEndBillingPeriod: aws.String("2026-12")}})
	if err != nil || len(whole.BillingGroupCostReportResults) != 1 || aws.ToString(whole.BillingGroupCostReportResults[0].ProformaCost) != "20.7" {
		t.Errorf("the range as one = %+v, %v", whole, err)
	}

	rng := func(start, end string) *types.BillingPeriodRange {
		return &types.BillingPeriodRange{InclusiveStartBillingPeriod: &start, ExclusiveEndBillingPeriod: &end}
	}
	tests := []struct {
		name, reason, field string
		r                   *types.BillingPeriodRange
	}{
		{"end before start", "ILLEGAL_BILLING_PERIOD_RANGE", "BillingPeriodRange", rng("2026-10", "2026-10")},
		{"thirteen periods", "ILLEGAL_BILLING_PERIOD_RANGE", "BillingPeriodRange", rng("2025-10", "2026-11")},
		{"future", "ILLEGAL_BILLING_PERIOD", "BillingPeriodRange.InclusiveStartBillingPeriod", rng("2026-12", "2027-01")},
	}
	for _, tt := range tests {
		_, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &group, BillingPeriodRange: tt.r})
		wantValidation(t, err, tt.reason, tt.field)
	}
	if _, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &group, BillingPeriodRange: rng("2025-11", "2026-11")}); err != nil {
		t.Errorf("twelve periods: %v", err)
	}
	missing := "arn:aws:billingconductor::123456789012:billinggroup/555555555555"
	_, err = c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &missing})
	wantNotFound(t, err, "billinggroup", missing)
	_, err = c.ListBillingGroupCostReports(ctx, &bc.ListBillingGroupCostReportsInput{BillingPeriod: aws.String("2026-12")})
	wantValidation(t, err, "ILLEGAL_BILLING_PERIOD", "BillingPeriod")
}
