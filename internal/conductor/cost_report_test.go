package conductor_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/storetest"
	"github.com/proforma-dev/proforma/internal/usage"
)

// reportEnv is a payer with groups of two accounts each, every account
// with usage in October 2026, a plan with a rule, and per group a flat and
// a percentage custom line item.
type reportEnv struct {
	t      *testing.T
	svc    *conductor.Service
	reads  *readCounter
	blobs  *storetest.BlobCounter
	c      conductor.Caller
	groups []string // ARNs, in creation order
}

const reportPayer = "123456789012"

func reportAccount(i int) string { return fmt.Sprintf("4000000%05d", i) }

// newReportEnv builds the payer with n groups.
func newReportEnv(t *testing.T, n int) *reportEnv {
	t.Helper()
	ctx := context.Background()
	store := memoryStore(t)
	blobs := &storetest.BlobCounter{Store: store}
	reads := &readCounter{Store: blobs}
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	svc := conductor.NewService(reads, clock, nil)
	svc.SetUsageEngine(usage.NewEngine())
	if err := svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		t.Fatal(err)
	}
	e := &reportEnv{t: t, svc: svc, reads: reads, blobs: blobs, c: conductor.Caller{Account: reportPayer}}
	path := reportCUR(t, 2*n)
	if _, err := (&usage.Importer{Service: svc, Store: reads}).Import(ctx, path); err != nil {
		t.Fatal(err)
	}
	markup := 12.5
	rule := e.must(svc.CreatePricingRule(ctx, e.c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: "ec2", Scope: conductor.ScopeService, Service: "AmazonEC2", Type: conductor.RuleMarkup, ModifierPercentage: &markup}}))
	plan := e.must(svc.CreatePricingPlan(ctx, e.c, conductor.CreatePricingPlanInput{Name: "plan", PricingRuleARNs: []string{rule}}))
	for i := range n {
		a, b := reportAccount(2*i), reportAccount(2*i+1)
		g := e.must(svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{Name: fmt.Sprintf("g%d", i),
			PrimaryAccountID: a, PricingPlanARN: plan, LinkedAccountIDs: []string{a, b}}))
		fee, pct := float64(i%7)+0.25, 10.0
		flat := e.must(svc.CreateCustomLineItem(ctx, e.c, conductor.CreateCustomLineItemInput{Name: fmt.Sprintf("fee%d", i),
			BillingGroupARN: g, Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &fee}}))
		e.must(svc.CreateCustomLineItem(ctx, e.c, conductor.CreateCustomLineItemInput{Name: fmt.Sprintf("pct%d", i),
			BillingGroupARN: g, Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Percentage: &pct,
				AssociatedValues: []string{g, flat}}}))
		e.groups = append(e.groups, g)
	}
	return e
}

func (e *reportEnv) must(arn string, err error) string {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// reportCUR writes an October 2026 CUR with three lines per account.
func reportCUR(t *testing.T, accounts int) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"bill/BillingEntity", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "lineItem/UsageAccountId",
		"lineItem/LineItemType", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/UsageAmount",
		"lineItem/UnblendedCost", "product/ProductName", "pricing/publicOnDemandCost", "lineItem/CurrencyCode"})
	for i := range accounts {
		a := reportAccount(i)
		w.Write([]string{"AWS", reportPayer, "2026-10-01T00:00:00Z", a, "Usage", "AmazonEC2", "BoxUsage", "RunInstances",
			"10", fmt.Sprintf("%d.%04d", i, i), "Amazon Elastic Compute Cloud", fmt.Sprintf("%d.%04d", i+1, i), "USD"})
		w.Write([]string{"AWS", reportPayer, "2026-10-01T00:00:00Z", a, "Usage", "AmazonS3", "Storage", "Put",
			"3", "1.5", "Amazon Simple Storage Service", "1.75", "USD"})
		w.Write([]string{"AWS", reportPayer, "2026-10-01T00:00:00Z", a, "Credit", "AmazonEC2", "", "",
			"0", "-0.5", "Amazon Elastic Compute Cloud", "", "USD"})
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// get is GetBillingGroupCostReport of a group for October, as text.
func (e *reportEnv) get(group string) string {
	e.t.Helper()
	rs, _, err := e.svc.GetBillingGroupCostReport(context.Background(), e.c, conductor.GetBillingGroupCostReportInput{
		ARN: group, Range: &conductor.PeriodRange{Start: "2026-10", End: "2026-11"}})
	if err != nil || len(rs) != 1 {
		e.t.Fatalf("GetBillingGroupCostReport %s: %v, %v", group, rs, err)
	}
	return reportText(rs[0])
}

func reportText(r conductor.CostReport) string {
	return fmt.Sprintf("%s aws %s proforma %s", r.BillingGroupARN, r.AWSCost, r.ProformaCost)
}

// list walks ListBillingGroupCostReports for October, pages of size.
func (e *reportEnv) list(arns []string, size int) (reports []string, pages int) {
	e.t.Helper()
	in := conductor.ListBillingGroupCostReportsInput{BillingPeriod: "2026-10", BillingGroupARNs: arns, Page: conductor.Page{MaxResults: size}}
	for {
		rs, next, err := e.svc.ListBillingGroupCostReports(context.Background(), e.c, in)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(rs) > size {
			e.t.Fatalf("page of %d reports, asked for %d", len(rs), size)
		}
		for _, r := range rs {
			reports = append(reports, reportText(r))
		}
		pages++
		if in.NextToken = next; next == "" {
			return reports, pages
		}
	}
}

// byID orders group ARNs by ID, the listing order of cost reports.
func reportByID(arns []string) []string {
	out := slices.Clone(arns)
	slices.SortFunc(out, func(a, b string) int {
		return strings.Compare(a[strings.LastIndex(a, "/")+1:], b[strings.LastIndex(b, "/")+1:])
	})
	return out
}

// Every page of ListBillingGroupCostReports, with or without a filter of
// ARNs, lists the groups in ID order with the figures
// GetBillingGroupCostReport gives each group alone, and those are the
// figures of the usage: (EC2 public × 1.125 + S3 public) × 1.1 + the fee × 1.1.
func TestReportPagesMatchSingleGroups(t *testing.T) {
	e := newReportEnv(t, 23)
	var want []string
	for _, g := range reportByID(e.groups) {
		want = append(want, e.get(g))
	}
	got, pages := e.list(nil, 5)
	if !slices.Equal(got, want) || pages != 5 {
		t.Errorf("listing in pages of 5 (%d pages):\n%s\nwant:\n%s", pages, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, _ := e.list(nil, 100); !slices.Equal(got, want) {
		t.Errorf("listing in one page:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	some := []string{e.groups[9], "not-an-arn", e.groups[2], e.groups[17], e.groups[2], e.groups[4]}
	var wantSome []string
	for _, g := range reportByID([]string{e.groups[2], e.groups[4], e.groups[9], e.groups[17]}) {
		wantSome = append(wantSome, e.get(g))
	}
	if got, pages := e.list(some, 3); !slices.Equal(got, wantSome) || pages != 2 {
		t.Errorf("filtered listing in pages of 3 (%d pages):\n%s\nwant:\n%s", pages, strings.Join(got, "\n"), strings.Join(wantSome, "\n"))
	}
	// Group 3: accounts 6 and 7. EC2: public 7.0006 + 8.0007 → × 1.125 = 16.8764625;
	// S3: 1.75 × 2 = 3.5; lines 20.3764625; fee 3.25; 10 % of both: 2.36264625.
	// AWSCost: 6.0006 + 7.0007 + 1.5 × 2 − 0.5 × 2 = 15.0013.
	if got, want := e.get(e.groups[3]), e.groups[3]+" aws 15.0013 proforma 25.98910875"; got != want {
		t.Errorf("group 3: %s, want %s", got, want)
	}
}

// The records and blobs that GetBillingGroupCostReport of one group, and a
// page of ListBillingGroupCostReports, read do not grow with the other
// groups and accounts of the payer.
func TestReportReadsDoNotGrowWithOtherGroups(t *testing.T) {
	type cost struct{ records, blobs int64 }
	measure := func(n int) (get, page cost) {
		e := newReportEnv(t, n)
		group := e.groups[0]
		count := func(f func()) cost {
			blobs := e.blobs.Reads()
			records := e.reads.reads(f)
			return cost{records, e.blobs.Reads() - blobs}
		}
		get = count(func() { e.get(group) })
		if warm := count(func() { e.get(group) }); warm.blobs != 0 {
			t.Errorf("%d groups: the warm GetBillingGroupCostReport read %d blobs", n, warm.blobs)
		}
		e.svc.SetUsageEngine(usage.NewEngine()) // the page's accounts not cached either
		page = count(func() {
			if _, _, err := e.svc.ListBillingGroupCostReports(context.Background(), e.c, conductor.ListBillingGroupCostReportsInput{
				BillingPeriod: "2026-10", Page: conductor.Page{MaxResults: 4}}); err != nil {
				t.Fatal(err)
			}
		})
		return get, page
	}
	smallGet, smallPage := measure(5)
	bigGet, bigPage := measure(60)
	if bigGet != smallGet {
		t.Errorf("GetBillingGroupCostReport of one group read %+v with 60 groups, %+v with 5", bigGet, smallGet)
	}
	if bigPage != smallPage {
		t.Errorf("a page of 4 cost reports read %+v with 60 groups, %+v with 5", bigPage, smallPage)
	}
	t.Logf("one group: %+v; a page of 4: %+v", smallGet, smallPage)
}
