package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// fidelityStore is a store in a data directory with the demo organization,
// written through the Service with the clock pinned at now.
type fidelityStore struct {
	data  string
	store conductor.Store
	svc   *conductor.Service
	clock *conductor.PinnableClock
	payer conductor.Caller
}

func newFidelityStore(t *testing.T, now string) *fidelityStore {
	t.Helper()
	data := t.TempDir()
	store, err := sqlite.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fidelityStore{data: data, store: store, clock: &conductor.PinnableClock{}, payer: conductor.Caller{Account: "123456789012"}}
	f.at(t, now)
	f.svc = conductor.NewService(store, f.clock, nil)
	f.svc.SetUsageEngine(usage.NewEngine())
	if err := f.svc.SeedOrganization(context.Background(), conductor.DemoOrganization()); err != nil {
		t.Fatal(err)
	}
	return f
}

// at pins the clock.
func (f *fidelityStore) at(t *testing.T, now string) {
	t.Helper()
	tm, err := time.Parse(time.DateOnly, now)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Pin(tm)
}

// importCUR imports a CUR file's text.
func (f *fidelityStore) importCUR(t *testing.T, name, text string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	im := &usage.Importer{Service: f.svc, Store: f.store}
	if _, err := im.Import(context.Background(), path); err != nil {
		t.Fatal(err)
	}
}

// group creates a billing group of 100000000001 (a plan without rules:
// public prices).
func (f *fidelityStore) group(t *testing.T, name string) string {
	t.Helper()
	plan, err := f.svc.CreatePricingPlan(context.Background(), f.payer, conductor.CreatePricingPlanInput{Name: name + "-plan"})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := f.svc.CreateBillingGroup(context.Background(), f.payer, conductor.CreateBillingGroupInput{Name: name,
		PrimaryAccountID: "100000000001", LinkedAccountIDs: []string{"100000000001"}, PricingPlanARN: plan})
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

// flatItem creates a flat FEE of the current period under service ("": the default).
func (f *fidelityStore) flatItem(t *testing.T, group, name string, amount float64, service string) {
	t.Helper()
	_, err := f.svc.CreateCustomLineItem(context.Background(), f.payer, conductor.CreateCustomLineItemInput{Name: name,
		Description: name, BillingGroupARN: group, PresentationService: service,
		Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &amount}})
	if err != nil {
		t.Fatal(err)
	}
}

// runCmd runs a proforma command in process.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), err
}

type jsonReport struct {
	BillingGroupArn, Name, AwsCost, ProformaCost, Margin string
	Products                                             []struct{ Product, AwsCost, ProformaCost string }
}

func reportJSON(t *testing.T, args ...string) []jsonReport {
	t.Helper()
	out, err := runCmd(t, append([]string{"report", "--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("proforma report %v: %v", args, err)
	}
	var r []jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

// TestReportItemsOnlyPeriod reports periods with custom line items and no
// imported usage, as the cost report operations price them: the items only.
func TestReportItemsOnlyPeriod(t *testing.T) {
	t.Run("no usage at all", func(t *testing.T) {
		f := newFidelityStore(t, "2026-11-10")
		arn := f.group(t, "items-only")
		f.flatItem(t, arn, "setup", 12.5, "")
		f.store.Close()
		got := reportJSON(t, "--data", f.data, "--period", "2026-11")
		if len(got) != 1 || got[0].BillingGroupArn != arn || got[0].ProformaCost != "12.5" || got[0].AwsCost != "0" {
			t.Errorf("report = %+v; want %s with pro forma 12.5, AWS 0", got, arn)
		}
		got = reportJSON(t, "--data", f.data, "--period", "2026-11", "--payer", "123456789012", "--by-service")
		if len(got) != 1 || len(got[0].Products) != 1 || got[0].Products[0].Product != "AWSBillingConductor" ||
			got[0].Products[0].ProformaCost != "12.5" {
			t.Errorf("report --by-service = %+v; want AWSBillingConductor 12.5", got)
		}
	})
	t.Run("usage in another period", func(t *testing.T) {
		f := newFidelityStore(t, "2026-10-10")
		f.importCUR(t, "october.csv", engineCUR)
		f.group(t, "resold")
		f.at(t, "2026-11-10")
		arns, _, err := f.svc.ListBillingGroups(context.Background(), f.payer, conductor.ListBillingGroupsInput{BillingPeriod: "2026-11"})
		if err != nil || len(arns) != 1 {
			t.Fatalf("billing groups of 2026-11: %v %v", arns, err)
		}
		f.flatItem(t, arns[0].ARN, "november-fee", 7.25, "")
		api, _, err := f.svc.ListBillingGroupCostReports(context.Background(), f.payer,
			conductor.ListBillingGroupCostReportsInput{BillingPeriod: "2026-11"})
		if err != nil || len(api) != 1 {
			t.Fatalf("API report of 2026-11: %v %v", api, err)
		}
		f.store.Close()
		got := reportJSON(t, "--data", f.data, "--period", "2026-11")
		if len(got) != 1 || got[0].ProformaCost != "7.25" || got[0].ProformaCost != api[0].ProformaCost.String() ||
			got[0].AwsCost != api[0].AWSCost.String() {
			t.Errorf("report of 2026-11 = %+v; want the API's %s / %s (7.25)", got, api[0].ProformaCost, api[0].AWSCost)
		}
		if got := reportJSON(t, "--data", f.data); len(got) != 1 || got[0].AwsCost != "1.404" {
			t.Errorf("default period report = %+v; want October's (AWS 1.404)", got)
		}
	})
}

// TestReportItemUnderItsService reports a custom line item presented under
// AmazonEC2 in the row of Amazon Elastic Compute Cloud, the name the
// usage gives it, in `proforma report --by-service` and `proforma export`.
func TestReportItemUnderItsService(t *testing.T) {
	f := newFidelityStore(t, "2026-10-10")
	f.importCUR(t, "october.csv", engineCUR)
	arn := f.group(t, "resold")
	f.flatItem(t, arn, "ec2-support", 3, "AmazonEC2")
	f.flatItem(t, arn, "db-support", 4, "AmazonRDS")
	f.store.Close()
	got := reportJSON(t, "--data", f.data, "--by-service")
	products := map[string]string{}
	if len(got) == 1 {
		for _, p := range got[0].Products {
			products[p.Product] = p.AwsCost + " / " + p.ProformaCost
		}
	}
	want := map[string]string{ // EC2 0.104 + 3; Tax and Credit out of the pro forma, the credit in AWSCost
		"Amazon Elastic Compute Cloud":       "-0.896 / 3.104",
		"Amazon Simple Storage Service":      "2.3 / 2.3",
		"Amazon Relational Database Service": "0 / 4",
	}
	if !cmp.Equal(want, products) {
		t.Errorf("report --by-service products = %v, want %v", products, want)
	}
	out := filepath.Join(t.TempDir(), "proforma.csv")
	if _, err := runCmd(t, "export", "--data", f.data, "--billing-group", "resold", "--out", out); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var items [][]string // type, product code, product name, cost
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[6], "Proforma_") {
			items = append(items, []string{r[6], r[7], r[15], r[13]})
		}
	}
	slices.SortFunc(items, func(a, b []string) int { return strings.Compare(a[1], b[1]) })
	wantItems := [][]string{
		{"Proforma_Fee", "AmazonEC2", "Amazon Elastic Compute Cloud", "3"},
		{"Proforma_Fee", "AmazonRDS", "Amazon Relational Database Service", "4"},
	}
	if diff := cmp.Diff(wantItems, items); diff != "" {
		t.Errorf("exported item lines (-want +got):\n%s", diff)
	}
}

// TestReportTableRoundsToCents: the table shows cents, csv and json the
// exact amounts.
func TestReportTableRoundsToCents(t *testing.T) {
	f := newFidelityStore(t, "2026-10-10")
	f.importCUR(t, "october.csv", engineCUR) // the group: EC2 0.104, S3 2.3, credit −1 (AWS 1.404)
	arn := f.group(t, "resold")
	f.flatItem(t, arn, "fee", 0.125, "")
	f.store.Close()
	table, err := runCmd(t, "report", "--data", f.data, "--by-service")
	if err != nil {
		t.Fatal(err)
	}
	// pro forma 0.104 + 2.3 + 0.125 = 2.529, margin 1.125, 44.4839857651 %
	for _, want := range []string{"resold", "1.40", "2.53", "1.13", "44.48", "AWSBillingConductor", "0.00", "0.13"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, exact := range []string{"1.404", "2.529", "1.125", "44.4839857651"} {
		if strings.Contains(table, exact) {
			t.Errorf("table shows the exact %q:\n%s", exact, table)
		}
	}
	if got := reportJSON(t, "--data", f.data); len(got) != 1 || got[0].AwsCost != "1.404" || got[0].ProformaCost != "2.529" {
		t.Errorf("json = %+v; want the exact amounts", got)
	}
	csvOut, err := runCmd(t, "report", "--data", f.data, "--format", "csv")
	if err != nil || !strings.Contains(csvOut, ",1.404,2.529,1.125,44.4839857651") {
		t.Errorf("csv (%v):\n%s", err, csvOut)
	}
}

func TestRoundedCosts(t *testing.T) {
	got := Costs{"0.125", "-0.004", "176.5", "-33.335"}.rounded()
	if want := []string{"0.13", "0.00", "176.50", "-33.34"}; !cmp.Equal(want, got) {
		t.Errorf("rounded = %v, want %v", got, want)
	}
}

func TestPrintImportPlurals(t *testing.T) {
	var out bytes.Buffer
	printImport(&out, &usage.Summary{Payer: "123456789012", Registered: []string{"100000000777"}})
	if want := "registered 1 account in the organization of 123456789012: 100000000777\n"; out.String() != want {
		t.Errorf("printImport = %q, want %q", out.String(), want)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 accounts", 1: "1 account", 2: "2 accounts"} {
		if got := plural(n, "account"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
	if got := plural(int64(1), "custom line item"); got != "1 custom line item" {
		t.Errorf("plural(int64 1) = %q", got)
	}
}

// focusExport is the start of a FOCUS 1.0 export.
const focusExport = "BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodStart\n1.5,123456789012,USD,Usage,2026-10-01T00:00:00Z\n"

// TestImportFolderSkipsFilesThatAreNotCURs imports a folder with a CUR and
// a FOCUS export: the FOCUS file is skipped with a notice naming it, the
// CUR imported, one account registered ("1 account"). The FOCUS file named
// itself fails the import.
func TestImportFolderSkipsFilesThatAreNotCURs(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	single := "identity/LineItemId,bill/BillingEntity,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId," +
		"lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/CurrencyCode," +
		"lineItem/UnblendedCost\na,AWS,123456789012,2026-10-01T00:00:00Z,100000000777,Usage,AmazonS3,Storage,Put,1,USD,0.5\n"
	for name, text := range map[string]string{"cur.csv": single, "focus.csv": focusExport} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"import", "--data", data, "--quiet", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("import of the folder: %v\n%s", err, stderr.String())
	}
	if want := "skipped " + filepath.Join(dir, "focus.csv") + ": not a Cost and Usage Report (a FOCUS export"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "cur.csv: legacy CUR CSV, 1 line\n") ||
		!strings.Contains(out, ": 1 line (1 aggregate), replacing") ||
		!strings.Contains(out, "registered 2 accounts in the organization of 123456789012: 123456789012, 100000000777") {
		t.Errorf("import output:\n%s", out)
	}
	stdout.Reset()
	stderr.Reset()
	err := run(context.Background(), []string{"import", "--data", data, "--quiet", filepath.Join(dir, "focus.csv")}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "focus.csv") || !strings.Contains(err.Error(), "FOCUS") {
		t.Errorf("import of the FOCUS file itself: %v; want an error naming it", err)
	}
	if err := os.Remove(filepath.Join(dir, "cur.csv")); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"import", "--data", data, "--quiet", dir}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no CUR data files") || !strings.Contains(err.Error(), "skipped 1 file that is not a CUR") {
		t.Errorf("import of a folder of a FOCUS file only: %v", err)
	}
}
