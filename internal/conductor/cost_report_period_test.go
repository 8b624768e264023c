package conductor_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/usage"
)

// CostReportsOfPeriod gives, for every group in ID order, the figures of
// ListBillingGroupCostReports and, per product, those of
// GetBillingGroupCostReport with GroupBy PRODUCT_NAME; it reads each
// account's aggregates once.
func TestCostReportsOfPeriodMatchTheOperations(t *testing.T) {
	ctx := context.Background()
	e := newReportEnv(t, 13)
	e.svc.SetUsageEngine(usage.NewEngine()) // nothing cached: count the blobs read
	blobs := e.blobs.Reads()
	period, all, err := e.svc.CostReportsOfPeriod(ctx, e.c, conductor.CostReportsOfPeriodInput{BillingPeriod: "2026-10", ByProduct: true})
	if err != nil {
		t.Fatal(err)
	}
	if read := e.blobs.Reads() - blobs; read != 2*13 {
		t.Errorf("%d blobs read for 26 accounts", read)
	}
	if period != "2026-10" {
		t.Errorf("period %s", period)
	}
	want, _ := e.list(nil, 100)
	var got []string
	for _, r := range all {
		got = append(got, reportText(r.Total))
		if r.Total.BillingGroupARN != r.ARN || !strings.HasPrefix(r.Name, "g") {
			t.Errorf("group %s named %q, report of %s", r.ARN, r.Name, r.Total.BillingGroupARN)
		}
		byProduct, _, err := e.svc.GetBillingGroupCostReport(ctx, e.c, conductor.GetBillingGroupCostReportInput{ARN: r.ARN,
			Range: &conductor.PeriodRange{Start: "2026-10", End: "2026-11"}, GroupBy: []string{"PRODUCT_NAME"}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(byProduct, r.Products, func(a, b conductor.CostReport) bool {
			return reportText(a) == reportText(b) && slices.Equal(a.Attributes, b.Attributes)
		}) || len(r.Products) != 3 {
			t.Errorf("%s by product: %v, want %v", r.ARN, r.Products, byProduct)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("CostReportsOfPeriod:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, all, err = e.svc.CostReportsOfPeriod(ctx, e.c, conductor.CostReportsOfPeriodInput{}); err != nil || len(all) != 13 || all[0].Products != nil {
		t.Errorf("current period without products: %d groups, %v", len(all), err)
	}
	if _, _, err := e.svc.CostReportsOfPeriod(ctx, e.c, conductor.CostReportsOfPeriodInput{BillingPeriod: "2026-12"}); err == nil {
		t.Error("a future period was priced")
	}
}

// With Priced, the groups that resolve as in the earlier reports are not
// priced again; a changed group is, alone, and its figures are the
// operations'.
func TestCostReportsOfPeriodReusesPricedGroups(t *testing.T) {
	ctx := context.Background()
	e := newReportEnv(t, 6)
	in := conductor.CostReportsOfPeriodInput{BillingPeriod: "2026-10", ByProduct: true}
	_, first, err := e.svc.CostReportsOfPeriod(ctx, e.c, in)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.SetUsageEngine(usage.NewEngine()) // nothing cached: count the blobs read
	in.Priced = first
	blobs := e.blobs.Reads()
	_, again, err := e.svc.CostReportsOfPeriod(ctx, e.c, in)
	if err != nil {
		t.Fatal(err)
	}
	if read := e.blobs.Reads() - blobs; read != 0 {
		t.Errorf("%d blobs read for groups all priced before", read)
	}
	for i := range first {
		if reportText(again[i].Total) != reportText(first[i].Total) {
			t.Errorf("group %d: %s, then %s", i, reportText(first[i].Total), reportText(again[i].Total))
		}
	}
	fee := 100.0
	changed := reportByID(e.groups)[4]
	e.must(e.svc.CreateCustomLineItem(ctx, e.c, conductor.CreateCustomLineItemInput{Name: "more", BillingGroupARN: changed,
		Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &fee}}))
	blobs = e.blobs.Reads()
	_, after, err := e.svc.CostReportsOfPeriod(ctx, e.c, in)
	if err != nil {
		t.Fatal(err)
	}
	if read := e.blobs.Reads() - blobs; read != 2 {
		t.Errorf("%d blobs read for one changed group of 2 accounts", read)
	}
	for i, r := range after {
		if want := e.get(r.ARN); reportText(r.Total) != want {
			t.Errorf("after the change: %s, want %s", reportText(r.Total), want)
		}
		if (r.ARN == changed) == (reportText(r.Total) == reportText(first[i].Total)) {
			t.Errorf("group %s: %s before the change, %s after", r.ARN, reportText(first[i].Total), reportText(r.Total))
		}
	}
}
