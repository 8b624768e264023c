package usage

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/shopspring/decimal"
)

const (
	payer    = "123456789012" // the demo organization's payer
	account1 = "100000000001"
	account2 = "100000000002"
)

var header = []string{"identity/LineItemId", "bill/InvoiceId", "bill/BillingEntity", "bill/PayerAccountId",
	"bill/BillingPeriodStartDate", "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/ProductCode",
	"lineItem/UsageType", "lineItem/Operation", "lineItem/UsageAmount", "lineItem/UnblendedRate",
	"lineItem/UnblendedCost", "lineItem/BlendedCost", "lineItem/LineItemDescription", "product/ProductName",
	"product/servicecode", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "lineItem/CurrencyCode"}

// octoberLines is a small October 2026 CUR. With account1 in a group whose
// plan is GLOBAL DISCOUNT 10 and SERVICE AmazonEC2 MARKUP 20:
//
//	EC2 usage  public 0.104 + 0.052 → × 1.2 = 0.1872   AWSCost 0.156
//	S3 usage   public 2.3           → × 0.9 = 2.07     AWSCost 2.3
//	S3 free tier (unblended 0)      → 0                AWSCost 0
//	EC2 credit −1: excluded                            AWSCost −1
//	Tax 0.25: excluded, not in AWSCost
//
// ProformaCost 2.2572, AWSCost 1.456; account2's 0.0104 is unmonitored.
var octoberLines = [][]string{
	{"a", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Usage", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "10", "0.0104", "0.104", "0.104", "t3.micro", "Amazon Elastic Compute Cloud", "AmazonEC2", "0.104", "0.0104", "USD"},
	{"b", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Usage", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "5", "0.0104", "0.052", "0.052", "t3.micro", "Amazon Elastic Compute Cloud", "AmazonEC2", "0.052", "0.0104", "USD"},
	{"c", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Usage", "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "100", "0.023", "2.3", "2.3", "storage", "Amazon Simple Storage Service", "AmazonS3", "2.3", "0.023", "USD"},
	{"d", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Usage", "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "5", "0", "0", "0", "free tier storage", "Amazon Simple Storage Service", "AmazonS3", "0.115", "0.023", "USD"},
	{"e", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Credit", "AmazonEC2", "", "", "0", "", "-1", "-1", "promotional credit", "Amazon Elastic Compute Cloud", "AmazonEC2", "", "", "USD"},
	{"f", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Tax", "AmazonEC2", "", "", "0", "", "0.25", "0.25", "tax", "Amazon Elastic Compute Cloud", "AmazonEC2", "", "", "USD"},
	{"g", "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account2, "Usage", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "1", "0.0104", "0.0104", "0.0104", "t3.micro", "Amazon Elastic Compute Cloud", "AmazonEC2", "0.0104", "0.0104", "USD"},
}

// env is a Service with the engine over an in-memory store, its clock in
// October 2026, and a billing group of account1 priced by the plan above.
type env struct {
	t     *testing.T
	store *sqlite.Store
	clock *conductor.PinnableClock
	svc   *conductor.Service
	c     conductor.Caller
	group string
	plan  string // the group's plan
	rule  string // the GLOBAL DISCOUNT 10 rule
	dir   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvAt(t, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
}

// newEnvAt is newEnv with the clock, and the group's creation, at now.
// importSample imports a sample CUR (skipping the test without the
// samples) into a fresh env whose clock it moves into the sample's first
// period.
func importSample(t *testing.T, name string) (*env, *Summary) {
	t.Helper()
	path := curtest.SampleCUR(t, name)
	e := newEnvAt(t, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	sum, err := (&Importer{Service: e.svc, Store: e.store}).Import(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Pin(sum.Periods[0].Period.Start().Add(24 * time.Hour))
	return e, sum
}

func newEnvAt(t *testing.T, now time.Time) *env {
	t.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(now)
	svc := conductor.NewService(store, clock, nil)
	svc.SetUsageEngine(NewEngine())
	ctx := context.Background()
	if err := svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, clock: clock, svc: svc, c: conductor.Caller{Account: payer}, dir: t.TempDir()}
	discount, markup := 10.0, 20.0
	r1 := e.must(svc.CreatePricingRule(ctx, e.c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: "discount", Scope: conductor.ScopeGlobal, Type: conductor.RuleDiscount, ModifierPercentage: &discount}}))
	r2 := e.must(svc.CreatePricingRule(ctx, e.c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: "ec2", Scope: conductor.ScopeService, Service: "AmazonEC2", Type: conductor.RuleMarkup, ModifierPercentage: &markup}}))
	plan := e.must(svc.CreatePricingPlan(ctx, e.c, conductor.CreatePricingPlanInput{Name: "plan", PricingRuleARNs: []string{r1, r2}}))
	e.rule, e.plan = r1, plan
	e.group = e.must(svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{Name: "group",
		PrimaryAccountID: account1, PricingPlanARN: plan, LinkedAccountIDs: []string{account1}}))
	return e
}

func (e *env) must(arn string, err error) string {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// write writes a CUR file in the test's directory, gzip-compressed for .gz.
func (e *env) write(name string, header []string, rows [][]string) string {
	e.t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	w.WriteAll(rows)
	data := buf.Bytes()
	if strings.HasSuffix(name, ".gz") {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		data = gz.Bytes()
	}
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	return path
}

func (e *env) importFiles(paths ...string) (*Summary, error) {
	im := &Importer{Service: e.svc, Store: e.store}
	return im.Import(context.Background(), paths...)
}

// report returns the group's October report: total, then per product.
func (e *env) report() map[string][2]string {
	e.t.Helper()
	out := map[string][2]string{}
	for _, by := range [][]string{nil, {"PRODUCT_NAME"}} {
		rs, _, err := e.svc.GetBillingGroupCostReport(context.Background(), e.c, conductor.GetBillingGroupCostReportInput{
			ARN: e.group, GroupBy: by, Range: &conductor.PeriodRange{Start: "2026-10", End: "2026-11"}})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, r := range rs {
			name := "total"
			if len(r.Attributes) > 0 {
				name = r.Attributes[0].Value
			}
			out[name] = [2]string{r.AWSCost.String(), r.ProformaCost.String()}
		}
	}
	return out
}

func TestImportPricesTheGroup(t *testing.T) {
	e := newEnv(t)
	sum, err := e.importFiles(e.write("oct.csv", header, octoberLines))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Payer != payer || len(sum.Periods) != 1 || sum.Periods[0].Lines != 7 || len(sum.Registered) != 0 {
		t.Errorf("summary = %+v", sum)
	}
	want := map[string][2]string{
		"total":                         {"1.456", "2.2572"},
		"Amazon Elastic Compute Cloud":  {"-0.844", "0.1872"},
		"Amazon Simple Storage Service": {"2.3", "2.07"},
	}
	if diff := cmp.Diff(want, e.report()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	// Membership and plan changes reprice without re-import.
	if _, err := e.svc.AssociateAccounts(context.Background(), e.c, e.group, []string{account2}); err != nil {
		t.Fatal(err)
	}
	if got := e.report()["total"]; got != [2]string{"1.4664", "2.26968"} {
		t.Errorf("after associating %s: total = %v, want [1.4664 2.26968]", account2, got)
	}
	twenty := 20.0 // S3: 2.3 × 0.8 = 1.84 instead of 2.07
	if _, err := e.svc.UpdatePricingRule(context.Background(), e.c, conductor.UpdatePricingRuleInput{ARN: e.rule, ModifierPercentage: &twenty}); err != nil {
		t.Fatal(err)
	}
	if got := e.report()["total"]; got != [2]string{"1.4664", "2.03968"} {
		t.Errorf("after changing the discount to 20%%: total = %v, want [1.4664 2.03968]", got)
	}
}

// Lines that differ only by their public rate aggregate into one, unless
// they are free tier, whose rate prices them when the free tier is
// deactivated; either way the report is the lines' own:
//
//	EC2 0.104 + 0.104 (rates 0.0104, 0.0208) × 1.2 = 0.2496, AWSCost 0.208
//	S3 free tier deactivated: 0.023 × 5 + 0.046 × 10 = 0.575 × 0.9 = 0.5175
func TestAggregatesKeepOnlyTheRatesPricingReads(t *testing.T) {
	e := newEnv(t)
	row := func(id, product, usageType, op, usage, rate, unblended, public, name string) []string {
		return []string{id, "INV1", "AWS", payer, "2026-10-01T00:00:00Z", account1, "Usage", product, usageType, op,
			usage, rate, unblended, unblended, "", name, product, public, rate, "USD"}
	}
	lines := [][]string{
		row("a", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "10", "0.0104", "0.104", "0.104", "Amazon Elastic Compute Cloud"),
		row("b", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "5", "0.0208", "0.104", "0.104", "Amazon Elastic Compute Cloud"),
		row("c", "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "5", "0.023", "0", "0.115", "Amazon Simple Storage Service"),
		row("d", "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "10", "0.046", "0", "0.46", "Amazon Simple Storage Service"),
	}
	sum, err := e.importFiles(e.write("oct.csv", header, lines))
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Periods[0].Aggregates; got != 3 {
		t.Errorf("%d aggregates, want 3: EC2's two rates in one, S3's free tier in two", got)
	}
	ctx := context.Background()
	deactivated := false
	tiering := e.must(e.svc.CreatePricingRule(ctx, e.c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: "no-free-tier", Scope: conductor.ScopeService, Service: "AmazonS3", Type: conductor.RuleTiering,
		Tiering: &conductor.Tiering{FreeTierActivated: &deactivated}}}))
	if _, err := e.svc.AssociatePricingRules(ctx, e.c, e.plan, []string{tiering}); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"total":                         {"0.208", "0.7671"},
		"Amazon Elastic Compute Cloud":  {"0.208", "0.2496"},
		"Amazon Simple Storage Service": {"0", "0.5175"},
	}
	if diff := cmp.Diff(want, e.report()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestReimportReplacesThePeriod(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", header, octoberLines)); err != nil {
		t.Fatal(err)
	}
	before := e.blobs()
	if _, err := e.importFiles(e.write("oct2.csv.gz", header, octoberLines[2:3])); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"total": {"2.3", "2.07"}, "Amazon Simple Storage Service": {"2.3", "2.07"}}
	if diff := cmp.Diff(want, e.report()); diff != "" {
		t.Errorf("report after re-import (-want +got):\n%s", diff)
	}
	after := e.blobs()
	if len(after) != 1 || len(before) != 1 || after[0] == before[0] {
		t.Errorf("stored files: before %v, after %v; want the new file only", before, after)
	}
}

// blobs lists the stored file chunks and fails on leftover staging records.
func (e *env) blobs() []string {
	e.t.Helper()
	var ids []string
	e.store.View(context.Background(), func(tx conductor.Tx) error {
		var err error
		ids, err = storedChunks(tx)
		staged, _ := tx.List(blobNS, kindStaging, conductor.Timeless)
		if err != nil || len(staged) > 0 {
			e.t.Errorf("store: %v, %d staging records left", err, len(staged))
		}
		return nil
	})
	return ids
}

func TestMalformedInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", header, octoberLines)); err != nil {
		t.Fatal(err)
	}
	report, blobs := e.report(), e.blobs()
	replace := func(row int, col, value string) [][]string {
		rows := make([][]string, len(octoberLines))
		for i, r := range octoberLines {
			rows[i] = append([]string(nil), r...)
		}
		rows[row][indexOf(header, col)] = value
		return rows
	}
	var full bytes.Buffer
	zw := gzip.NewWriter(&full)
	w := csv.NewWriter(zw)
	w.Write(header)
	for range 300 {
		w.WriteAll(octoberLines)
	}
	zw.Close()
	truncated := filepath.Join(e.dir, "truncated.csv.gz")
	os.WriteFile(truncated, full.Bytes()[:full.Len()/2], 0o644)
	tests := []struct {
		name         string
		path         string
		line         int
		column, text string
	}{
		{"non-numeric cost", e.write("cost.csv", header, replace(3, "lineItem/UnblendedCost", "12,5")), 5, "lineItem/UnblendedCost", "12,5"},
		{"unknown line item type", e.write("type.csv", header, replace(0, "lineItem/LineItemType", "Bogus")), 2, "lineItem/LineItemType", "Bogus"},
		{"missing required column", e.write("missing.csv", header[:5], nil), 1, "lineItem/UsageAccountId (line_item_usage_account_id)", "missing required column"},
		{"bad usage account", e.write("account.csv", header, replace(1, "lineItem/UsageAccountId", "12345")), 3, "lineItem/UsageAccountId", "12345"},
		{"truncated gzip", truncated, -1, "", "unexpected EOF"},
		{"second file bad", e.write("bad2.csv", header, replace(6, "lineItem/UsageAmount", "x")), 8, "lineItem/UsageAmount", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := []string{tt.path}
			if tt.name == "second file bad" { // a good file first: nothing of it may land either
				paths = []string{e.write("good.csv", header, octoberLines[:1]), tt.path}
			}
			_, err := e.importFiles(paths...)
			var ce *cur.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *cur.Error", err)
			}
			if ce.File != tt.path || (tt.line > 0 && ce.Line != tt.line) || (tt.line < 0 && ce.Line < 2) ||
				ce.Column != tt.column || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error = %q (file %s, line %d, column %q); want %s line %d column %q mentioning %q",
					err, ce.File, ce.Line, ce.Column, tt.path, tt.line, tt.column, tt.text)
			}
			if !IsInputError(err) {
				t.Errorf("IsInputError(%v) = false", err)
			}
			if diff := cmp.Diff(report, e.report()); diff != "" {
				t.Errorf("report changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(blobs, e.blobs()); diff != "" {
				t.Errorf("stored files changed (-before +after):\n%s", diff)
			}
		})
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	panic(s)
}

// A file with two periods is stored once and feeds both; a range report
// broken down by period and product prices each month; re-importing one
// month keeps the other, and the file it still needs.
func TestTwoPeriodsFromOneFile(t *testing.T) {
	e := newEnvAt(t, time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC))
	september := make([][]string, 0, len(octoberLines))
	for _, r := range octoberLines[:3] {
		r = append([]string(nil), r...)
		r[indexOf(header, "bill/BillingPeriodStartDate")] = "2026-09-01T00:00:00Z"
		september = append(september, r)
	}
	sum, err := e.importFiles(e.write("both.csv", header, append(september, octoberLines...)))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Periods) != 2 || sum.Periods[0].Lines != 3 || sum.Periods[1].Lines != 7 {
		t.Fatalf("periods = %+v", sum.Periods)
	}
	e.clock.Pin(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	byPeriod := func() map[string][2]string {
		rs, _, err := e.svc.GetBillingGroupCostReport(context.Background(), e.c, conductor.GetBillingGroupCostReportInput{
			ARN: e.group, GroupBy: []string{"BILLING_PERIOD", "PRODUCT_NAME"}, Range: &conductor.PeriodRange{Start: "2026-09", End: "2026-11"}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]string{}
		for _, r := range rs {
			out[r.Attributes[1].Value+"/"+r.Attributes[0].Value] = [2]string{r.AWSCost.String(), r.ProformaCost.String()}
		}
		return out
	}
	want := map[string][2]string{ // September: two EC2 lines and one S3 line, no credit
		"Sep 2026/Amazon Elastic Compute Cloud":  {"0.156", "0.1872"},
		"Sep 2026/Amazon Simple Storage Service": {"2.3", "2.07"},
		"Oct 2026/Amazon Elastic Compute Cloud":  {"-0.844", "0.1872"},
		"Oct 2026/Amazon Simple Storage Service": {"2.3", "2.07"},
	}
	if diff := cmp.Diff(want, byPeriod()); diff != "" {
		t.Errorf("report by period and product (-want +got):\n%s", diff)
	}
	if _, err := e.importFiles(e.write("oct.csv", header, octoberLines[2:3])); err != nil {
		t.Fatal(err)
	}
	want["Oct 2026/Amazon Simple Storage Service"] = [2]string{"2.3", "2.07"}
	delete(want, "Oct 2026/Amazon Elastic Compute Cloud")
	if diff := cmp.Diff(want, byPeriod()); diff != "" {
		t.Errorf("after re-importing October (-want +got):\n%s", diff)
	}
	if got := e.blobs(); len(got) != 2 {
		t.Errorf("stored files %v: want the two-period file (September still uses it) and the new one", got)
	}
	var out bytes.Buffer
	g, err := e.svc.BillingGroupAsOf(context.Background(), e.c, e.group, "2026-09")
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := Export(context.Background(), e.store, payer, g, "2026-09", &out); err != nil || sum.Lines != 3 {
		t.Errorf("export of September: %+v, %v; want 3 lines from the shared file", sum, err)
	}
}

// The engine's cache keeps the most recently used accounts within its
// budget of bytes, and does not cache an entry larger than the budget.
func TestEngineCacheBound(t *testing.T) {
	entry := func(bytes int64) *accountLines { return &accountLines{bytes: bytes - entryOverhead} }
	k := func(account string) cacheKey { return cacheKey{periodKey{payer, "2026-10"}, "import", account} }
	e := NewEngineWithCache(4000)
	e.put(k("a"), entry(2000))
	e.put(k("b"), entry(2000))
	if _, ok := e.get(k("a")); !ok { // a is now the most recently used
		t.Fatal("a not cached")
	}
	e.put(k("c"), entry(2000))
	e.put(k("big"), entry(4001)) // over the budget: not cached
	for account, want := range map[string]bool{"a": true, "b": false, "c": true, "big": false} {
		if _, ok := e.get(k(account)); ok != want {
			t.Errorf("cached %q = %v, want %v", account, ok, want)
		}
	}
	if e.size != 4000 {
		t.Errorf("size = %d, want 4000", e.size)
	}
	e.seen(periodKey{payer, "2026-10"}, "import")
	e.seen(periodKey{payer, "2026-10"}, "reimport") // drops the entries of the earlier import
	if e.size != 0 || e.lru.Len() != 0 || len(e.entries) != 0 {
		t.Errorf("after a re-import: size %d, %d entries", e.size, len(e.entries))
	}
}

// A folder of two files for one period, the second with an extra column,
// imports as one period; its export has the union of the columns and the
// rows of both files, in file order.
func TestFolderOfPartsExportsTheirUnion(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.dir, "report")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e.dir = dir
	e.write("part-1.csv", header, octoberLines[:2])
	extra := append(append([]string(nil), header...), "resourceTags/user:team")
	second := [][]string{append(append([]string(nil), octoberLines[2]...), "blue")}
	e.write("part-2.csv.gz", extra, second)
	sum, err := e.importFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Files) != 2 || len(sum.Periods) != 1 || len(sum.Periods[0].Parts) != 2 || sum.Periods[0].Lines != 3 {
		t.Fatalf("summary = %+v", sum)
	}
	g, err := e.svc.BillingGroupAsOf(context.Background(), e.c, e.group, "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := Export(context.Background(), e.store, payer, g, "2026-10", &out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(extra, rows[0]); diff != "" {
		t.Errorf("exported header (-want +got):\n%s", diff)
	}
	var got [][]string // id, cost, tag
	for _, r := range rows[1:] {
		got = append(got, []string{r[0], r[indexOf(extra, "lineItem/UnblendedCost")], r[len(extra)-1]})
	}
	want := [][]string{{"a", "0.1248", ""}, {"b", "0.0624", ""}, {"c", "2.07", "blue"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exported rows (-want +got):\n%s", diff)
	}
}

// Exporting each sample CUR's one group prices the same lines as the
// reports: the pro forma costs of the exported lines sum to the group's
// ProformaCost (no custom line items here).
func TestSampleExportsSumToTheReport(t *testing.T) {
	for _, name := range []string{"Nov2018-WorkshopCUR-00001.snappy.parquet", "sample-anonymous-aws-export-dataset.csv", "ha-project-CUR-daily-1-00001.csv"} {
		t.Run(name, func(t *testing.T) {
			e, sum := importSample(t, name)
			period := sum.Periods[0].Period
			c := conductor.Caller{Account: sum.Payer}
			ten := 10.0
			rule := e.must(e.svc.CreatePricingRule(context.Background(), c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
				Name: "markup", Scope: conductor.ScopeGlobal, Type: conductor.RuleMarkup, ModifierPercentage: &ten}}))
			plan := e.must(e.svc.CreatePricingPlan(context.Background(), c, conductor.CreatePricingPlanInput{Name: "plan", PricingRuleARNs: []string{rule}}))
			const primary = "100000000777" // the management account cannot be a group's primary
			if err := e.svc.JoinAccount(context.Background(), sum.Payer, conductor.Account{ID: primary}); err != nil {
				t.Fatal(err)
			}
			accounts, err := e.svc.OrganizationAccounts(context.Background(), sum.Payer)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range accounts {
				ids = append(ids, a.ID)
			}
			group := e.must(e.svc.CreateBillingGroup(context.Background(), c, conductor.CreateBillingGroupInput{Name: "all",
				PrimaryAccountID: primary, PricingPlanARN: plan, LinkedAccountIDs: ids}))
			reports, _, err := e.svc.ListBillingGroupCostReports(context.Background(), c, conductor.ListBillingGroupCostReportsInput{BillingPeriod: string(period)})
			if err != nil {
				t.Fatal(err)
			}
			g, err := e.svc.BillingGroupAsOf(context.Background(), c, group, period)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			xs, err := Export(context.Background(), e.store, sum.Payer, g, period, &out)
			if err != nil {
				t.Fatal(err)
			}
			rd, err := cur.NewReader(&out, "export.csv")
			if err != nil {
				t.Fatal(err)
			}
			total := decimal.Zero
			n := int64(0)
			for rec, err := range rd.All() {
				if err != nil {
					t.Fatal(err)
				}
				total = total.Add(rec.UnblendedCost)
				n++
			}
			if n != xs.Lines || n == 0 {
				t.Errorf("read %d exported lines, export said %d", n, xs.Lines)
			}
			if got, want := pricing.Format(total), reports[0].ProformaCost.String(); got != want {
				t.Errorf("exported lines sum to %s, the report's ProformaCost is %s", got, want)
			}
		})
	}
}
