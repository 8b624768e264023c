package conductor_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/usage"
)

// reportsOfPeriod is ResolvePeriod then CostReportsOf of its groups.
func reportsOfPeriod(ctx context.Context, e *reportEnv, period string, byProduct bool) (conductor.Period, []conductor.PeriodCostReport, error) {
	p, groups, err := e.svc.ResolvePeriod(ctx, e.c, period)
	if err != nil {
		return "", nil, err
	}
	reports, err := e.svc.CostReportsOf(ctx, e.c, p, [][]conductor.GroupAsOf{groups}, byProduct)
	if err != nil {
		return "", nil, err
	}
	return p, reports[0], nil
}

// ResolvePeriod and CostReportsOf give, for every group in ID order, the
// figures of ListBillingGroupCostReports and, per product, those of
// GetBillingGroupCostReport with GroupBy PRODUCT_NAME; they read each
// account's aggregates once.
func TestCostReportsOfPeriodMatchTheOperations(t *testing.T) {
	ctx := context.Background()
	e := newReportEnv(t, 13)
	e.svc.SetUsageEngine(usage.NewEngine()) // nothing cached: count the blobs read
	blobs := e.blobs.Reads()
	period, all, err := reportsOfPeriod(ctx, e, "2026-10", true)
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
		t.Errorf("CostReportsOf:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, all, err = reportsOfPeriod(ctx, e, "", false); err != nil || len(all) != 13 || all[0].Products != nil {
		t.Errorf("current period without products: %d groups, %v", len(all), err)
	}
	if _, _, err := e.svc.ResolvePeriod(ctx, e.c, "2026-12"); err == nil {
		t.Error("a future period was resolved")
	}
}

// CostReportsOf prices overlapping sets of groups (a payer's groups live
// and in a scenario) in one engine call that reads each account's usage
// once, and every set's figures are the operations'.
func TestCostReportsOfSharesTheUsageOfOverlappingSets(t *testing.T) {
	ctx := context.Background()
	e := newReportEnv(t, 6)
	period, groups, err := e.svc.ResolvePeriod(ctx, e.c, "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	read := func(sets ...[]conductor.GroupAsOf) ([][]conductor.PeriodCostReport, int64) {
		t.Helper()
		e.svc.SetUsageEngine(usage.NewEngine()) // nothing cached: count the blobs read
		blobs := e.blobs.Reads()
		out, err := e.svc.CostReportsOf(ctx, e.c, period, sets, true)
		if err != nil {
			t.Fatal(err)
		}
		return out, e.blobs.Reads() - blobs
	}
	_, once := read(groups)
	if once == 0 {
		t.Fatal("no usage read")
	}
	both, twice := read(groups, groups)
	if twice != once {
		t.Errorf("%d blobs read for the groups twice over, %d for them once", twice, once)
	}
	for k, set := range both {
		if len(set) != len(groups) {
			t.Fatalf("set %d: %d reports for %d groups", k, len(set), len(groups))
		}
		for _, r := range set {
			if want := e.get(r.ARN); reportText(r.Total) != want {
				t.Errorf("set %d: %s, want %s", k, reportText(r.Total), want)
			}
		}
	}
	if out, _ := read(); len(out) != 0 {
		t.Errorf("no sets: %d", len(out))
	}
}
