package usage

import (
	"bytes"
	"context"
	"encoding/csv"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
)

// sampleHeader is the shape of the sample CURs (AWS's legacy CUR CSV):
// timestamps with milliseconds, identity/TimeInterval without, bill type,
// invoicing and legal entities, product service code and name.
var sampleHeader = []string{"identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/InvoicingEntity",
	"bill/BillingEntity", "bill/BillType", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
	"lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
	"lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/UsageAmount", "lineItem/CurrencyCode",
	"lineItem/UnblendedRate", "lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost",
	"lineItem/LineItemDescription", "lineItem/LegalEntity", "product/ProductName", "product/servicecode",
	"product/servicename", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate"}

// sampleLines are October 2026 lines in the sample's style. With account1
// in the env's group (GLOBAL DISCOUNT 10, SERVICE AmazonEC2 MARKUP 20):
// EC2 0.104 → 0.1248, S3 2.3 → 2.07, Tax left out; account2 unmonitored.
var sampleLines = [][]string{
	{"aaaa2ts4gqpbqrmdxk3q4e4ix6dtlhwj7lx7bldfvgetq7g4lzqq", "2026-10-03T00:00:00Z/2026-10-04T00:00:00Z", "INV-7", "Amazon Web Services, Inc.", "AWS Marketplace", "Anniversary", payer, "2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", account2, "Usage", "2026-10-03T00:00:00.000Z", "2026-10-04T00:00:00.000Z", "prodmkt", "SoftwareUsage", "Hourly", "1", "USD", "3", "3", "3", "3", "software", "Some Seller LLC", "Some Product", "", "", "", ""},
	{"bbbb2ts4gqpbqrmdxk3q4e4ix6dtlhwj7lx7bldfvgetq7g4lzqq", "2026-10-03T00:00:00Z/2026-10-04T00:00:00Z", "INV-7", "Amazon Web Services, Inc.", "AWS", "Anniversary", payer, "2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", account1, "Usage", "2026-10-03T00:00:00.000Z", "2026-10-04T00:00:00.000Z", "AmazonEC2", "BoxUsage:t3.micro", "RunInstances", "10", "USD", "0.0104", "0.104", "0.0104", "0.104", "t3.micro", "Amazon Web Services, Inc.", "Amazon Elastic Compute Cloud", "AmazonEC2", "Amazon Elastic Compute Cloud", "0.104", "0.0104"},
	{"cccc2ts4gqpbqrmdxk3q4e4ix6dtlhwj7lx7bldfvgetq7g4lzqq", "2026-10-03T00:00:00Z/2026-10-04T00:00:00Z", "INV-7", "Amazon Web Services, Inc.", "AWS", "Anniversary", payer, "2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", account1, "Usage", "2026-10-03T00:00:00.000Z", "2026-10-04T00:00:00.000Z", "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "100", "USD", "0.023", "2.3", "0.023", "2.3", "storage", "Amazon Web Services, Inc.", "Amazon Simple Storage Service", "AmazonS3", "Amazon Simple Storage Service", "2.3", "0.023"},
	{"dddd2ts4gqpbqrmdxk3q4e4ix6dtlhwj7lx7bldfvgetq7g4lzqq", "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z", "INV-7", "Amazon Web Services, Inc.", "AWS", "Anniversary", payer, "2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", account1, "Tax", "2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", "AmazonEC2", "", "", "1", "USD", "", "0.25", "", "0.25", "Tax for product code AmazonEC2", "Amazon Web Services, Inc.", "Amazon Elastic Compute Cloud", "AmazonEC2", "", "", ""},
}

// item creates a flat item of the env's group in October.
func (e *env) item(name, typ string, amount float64, service string) string {
	e.t.Helper()
	return e.must(e.svc.CreateCustomLineItem(context.Background(), e.c, conductor.CreateCustomLineItemInput{Name: name,
		Description: name, BillingGroupARN: e.group, PresentationService: service,
		Charge: conductor.ChargeDetails{Type: typ, Flat: &amount}}))
}

// export exports the env's group for a period.
func (e *env) export(period conductor.Period) []byte {
	e.t.Helper()
	g, err := e.svc.BillingGroupAsOf(context.Background(), e.c, e.group, period)
	if err != nil {
		e.t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := Export(context.Background(), e.store, payer, g, period, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Bytes()
}

// Custom line items presented under a service report in the row of the
// service's product name, as the usage names it (EC2) or as the CUR names
// common services (RDS, no usage here); the default presentation keeps
// AWSBillingConductor.
func TestItemsReportUnderTheirServiceProduct(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", sampleHeader, sampleLines)); err != nil {
		t.Fatal(err)
	}
	e.item("support", conductor.ChargeFee, 5, "")
	e.item("ec2-fee", conductor.ChargeFee, 2, "AmazonEC2")
	e.item("rds-credit", conductor.ChargeCredit, 1, "AmazonRDS")
	want := map[string][2]string{
		"total":                              {"2.404", "8.1948"},
		"AWSBillingConductor":                {"0", "5"},
		"Amazon Elastic Compute Cloud":       {"0.104", "2.1248"},
		"Amazon Simple Storage Service":      {"2.3", "2.07"},
		"Amazon Relational Database Service": {"0", "-1"},
	}
	if diff := cmp.Diff(want, e.report()); diff != "" {
		t.Errorf("report by PRODUCT_NAME (-want +got):\n%s", diff)
	}
}

// The lines of custom line items look like the input's: its timestamp
// formats, bill columns, bill type, a stable unique line item ID; product
// code the presentation service, product name its product name.
func TestExportItemLinesLookLikeTheInput(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", sampleHeader, sampleLines)); err != nil {
		t.Fatal(err)
	}
	e.item("support", conductor.ChargeFee, 5, "")
	e.item("ec2-fee", conductor.ChargeFee, 2, "AmazonEC2")
	e.item("rds-credit", conductor.ChargeCredit, 1, "AmazonRDS")
	first := e.export("2026-10")
	if again := e.export("2026-10"); !bytes.Equal(first, again) {
		t.Errorf("a second export differs:\n%s\n---\n%s", first, again)
	}
	rows, err := csv.NewReader(bytes.NewReader(first)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if len(rows) != 1+2+3 {
		t.Fatalf("%d rows, want the header, 2 usage lines and 3 items:\n%s", len(rows), first)
	}
	col := func(r []string, name string) string { return r[indexOf(sampleHeader, name)] }
	id := regexp.MustCompile(`^[a-z2-7]{52}$`)
	ids := map[string]bool{}
	type itemLine struct{ Type, Code, Name, ServiceCode, ServiceName, Cost, Rate string }
	got := map[string]itemLine{}
	for _, r := range rows[3:] {
		desc := col(r, "lineItem/LineItemDescription")
		if v := col(r, "identity/LineItemId"); !id.MatchString(v) || ids[v] {
			t.Errorf("%s: line item ID %q: want 52 base32 characters, unique", desc, v)
		} else {
			ids[v] = true
		}
		for name, want := range map[string]string{
			"identity/TimeInterval":       "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z",
			"bill/InvoiceId":              "",
			"bill/InvoicingEntity":        "Amazon Web Services, Inc.",
			"bill/BillingEntity":          "AWS",
			"bill/BillType":               "Anniversary",
			"bill/PayerAccountId":         payer,
			"bill/BillingPeriodStartDate": "2026-10-01T00:00:00.000Z",
			"bill/BillingPeriodEndDate":   "2026-11-01T00:00:00.000Z",
			"lineItem/UsageAccountId":     account1,
			"lineItem/UsageStartDate":     "2026-10-01T00:00:00.000Z",
			"lineItem/UsageEndDate":       "2026-11-01T00:00:00.000Z",
			"lineItem/UsageAmount":        "1",
			"lineItem/CurrencyCode":       "USD",
			"lineItem/LegalEntity":        "Amazon Web Services, Inc.", // the AWS lines', not the Marketplace seller's
		} {
			if v := col(r, name); v != want {
				t.Errorf("%s: %s = %q, want %q", desc, name, v, want)
			}
		}
		got[desc] = itemLine{col(r, "lineItem/LineItemType"), col(r, "lineItem/ProductCode"), col(r, "product/ProductName"),
			col(r, "product/servicecode"), col(r, "product/servicename"), col(r, "lineItem/UnblendedCost"), col(r, "lineItem/UnblendedRate")}
	}
	want := map[string]itemLine{
		"support":    {"Fee", "AWSBillingConductor", "AWSBillingConductor", "AWSBillingConductor", "AWSBillingConductor", "5", "5"},
		"ec2-fee":    {"Proforma_Fee", "AmazonEC2", "Amazon Elastic Compute Cloud", "AmazonEC2", "Amazon Elastic Compute Cloud", "2", "2"},
		"rds-credit": {"Proforma_Credit", "AmazonRDS", "Amazon Relational Database Service", "AmazonRDS", "Amazon Relational Database Service", "-1", "-1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item lines (-want +got):\n%s", diff)
	}
}

// itemLineID is deterministic and distinct per payer, period and item.
func TestItemLineID(t *testing.T) {
	a := itemLineID(payer, "2026-10", "abc")
	if a != itemLineID(payer, "2026-10", "abc") {
		t.Error("not deterministic")
	}
	for _, other := range []string{itemLineID(payer, "2026-11", "abc"), itemLineID(payer, "2026-10", "abd"),
		itemLineID("210987654321", "2026-10", "abc")} {
		if other == a {
			t.Errorf("%s repeats for another payer, period or item", a)
		}
	}
}

// The item lines of an export of the sample CUR (milliseconds in its
// timestamps) take its formats.
func TestSampleExportItemLines(t *testing.T) {
	e, sum := importSample(t, "sample-anonymous-aws-export-dataset.csv")
	period := sum.Periods[0].Period
	e.c = conductor.Caller{Account: sum.Payer}
	accounts, err := e.svc.OrganizationAccounts(context.Background(), sum.Payer)
	if err != nil {
		t.Fatal(err)
	}
	const primary = "100000000777"
	if err := e.svc.JoinAccount(context.Background(), sum.Payer, conductor.Account{ID: primary}); err != nil {
		t.Fatal(err)
	}
	ids := []string{primary}
	for _, a := range accounts {
		ids = append(ids, a.ID)
	}
	plan := e.must(e.svc.CreatePricingPlan(context.Background(), e.c, conductor.CreatePricingPlanInput{Name: "plan"}))
	e.group = e.must(e.svc.CreateBillingGroup(context.Background(), e.c, conductor.CreateBillingGroupInput{Name: "all",
		PrimaryAccountID: primary, PricingPlanARN: plan, LinkedAccountIDs: ids}))
	e.item("cloudtrail-fee", conductor.ChargeFee, 3, "AWSCloudTrail")
	g, err := e.svc.BillingGroupAsOf(context.Background(), e.c, e.group, period)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := Export(context.Background(), e.store, sum.Payer, g, period, &out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h, last := rows[0], rows[len(rows)-1]
	col := func(name string) string { return last[indexOf(h, name)] }
	start, end := period.Start(), period.Next().Start()
	for name, want := range map[string]string{
		"bill/BillingPeriodStartDate": start.Format("2006-01-02T15:04:05.000Z"),
		"bill/BillingPeriodEndDate":   end.Format("2006-01-02T15:04:05.000Z"),
		"lineItem/UsageStartDate":     start.Format("2006-01-02T15:04:05.000Z"),
		"identity/TimeInterval":       start.Format(time.RFC3339) + "/" + end.Format(time.RFC3339),
		"bill/BillType":               "Anniversary",
		"bill/PayerAccountId":         sum.Payer,
		"lineItem/LineItemType":       "Proforma_Fee",
		"lineItem/ProductCode":        "AWSCloudTrail",
		"product/ProductName":         "AWS CloudTrail",
		"lineItem/UnblendedCost":      "3",
	} {
		if v := col(name); v != want {
			t.Errorf("item line %s = %q, want %q", name, v, want)
		}
	}
}
