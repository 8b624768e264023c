package usage

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/shopspring/decimal"
)

// exportAs exports the env's group for October in a format.
func (e *env) exportAs(f Format) ([]byte, ExportSummary) {
	e.t.Helper()
	g, err := e.svc.BillingGroupAsOf(context.Background(), e.c, e.group, "2026-10")
	if err != nil {
		e.t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := ExportWith(context.Background(), e.store, payer, g, "2026-10", &out,
		ExportOptions{Format: f, AccountNames: map[string]string{payer: "Payer Inc", account1: "Team One"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Bytes(), sum
}

// The Parquet export is the CSV export with Athena names and typed costs:
// the same rows and values, cost and rate columns DECIMAL(38,18).
func TestExportParquetIsTheCSV(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", sampleHeader, sampleLines)); err != nil {
		t.Fatal(err)
	}
	e.item("support", conductor.ChargeFee, 5, "")
	e.item("rds-credit", conductor.ChargeCredit, 1.25, "AmazonRDS")
	csvData, _ := e.exportAs(FormatCSV)
	if !bytes.Equal(csvData, e.export("2026-10")) {
		t.Error("ExportWith(FormatCSV) differs from Export")
	}
	rows, err := csv.NewReader(bytes.NewReader(csvData)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	data, sum := e.exportAs(FormatParquet)
	if got := sum.Describe(); got != "legacy CUR (snake_case) Parquet" {
		t.Errorf("Describe() = %q", got)
	}
	names, got := curtest.ReadParquet(t, data)
	want := make([]string, len(sampleHeader))
	for i, h := range sampleHeader {
		want[i] = athenaName(h)
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("columns (-want +got):\n%s", diff)
	}
	if got.Len() != len(rows)-1 {
		t.Fatalf("%d Parquet rows, %d CSV rows", got.Len(), len(rows)-1)
	}
	for i, r := range rows[1:] {
		for j, v := range r {
			c := got[names[j]][i]
			switch {
			case v == "" && !c.Null:
				t.Errorf("row %d %s = %+v, want null", i, names[j], c)
			case v != "" && c.Null:
				t.Errorf("row %d %s is null, want %q", i, names[j], v)
			case v != "" && (slices.Contains(costColumns, sampleLower(j)) || slices.Contains(rateColumns, sampleLower(j))):
				if !c.Dec.Equal(decimal.RequireFromString(v)) {
					t.Errorf("row %d %s = %s, want %s", i, names[j], c.Dec, v)
				}
			case v != "" && c.Text != v:
				t.Errorf("row %d %s = %q, want %q", i, names[j], c.Text, v)
			}
		}
	}
	total := decimal.Zero
	for _, c := range got["line_item_unblended_cost"] {
		total = total.Add(c.Dec)
	}
	if got, want := pricing.Format(total), e.report()["total"][1]; got != want || !total.Equal(decimal.RequireFromString("5.9448")) {
		t.Errorf("unblended costs sum to %s, want the report's ProformaCost %s = 5.9448", total, want)
	}
}

func sampleLower(j int) string { return lowerASCII(sampleHeader[j]) }

func lowerASCII(s string) string { return string(bytes.ToLower([]byte(s))) }

// The FOCUS export has every FOCUS 1.2 Mandatory column, non-null where
// FOCUS requires, one row per charge, and BilledCost sums to ProformaCost.
func TestExportFOCUS(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", sampleHeader, sampleLines)); err != nil {
		t.Fatal(err)
	}
	e.item("support", conductor.ChargeFee, 5, "")
	e.item("rds-credit", conductor.ChargeCredit, 1.25, "AmazonRDS")
	data, sum := e.exportAs(FormatFOCUS)
	if got := sum.Describe(); got != "FOCUS 1.2 Parquet" {
		t.Errorf("Describe() = %q", got)
	}
	names, cols := curtest.ReadParquet(t, data)
	checkFOCUS(t, names, cols)
	type charge struct{ Category, Service, ServiceCategory, Billed, List, Provider, SubAccount, SubName, Start, End string }
	var got []charge
	for i := range cols.Len() {
		r := cols.Row(i)
		got = append(got, charge{r["ChargeCategory"].Text, r["ServiceName"].Text, r["ServiceCategory"].Text,
			r["BilledCost"].Dec.String(), r["ListCost"].Dec.String(), r["ProviderName"].Text, r["SubAccountId"].Text,
			r["SubAccountName"].Text, r["ChargePeriodStart"].Time.Format(time.RFC3339), r["ChargePeriodEnd"].Time.Format(time.RFC3339)})
	}
	want := []charge{
		{"Usage", "Amazon Elastic Compute Cloud", "Compute", "0.1248", "0.104", "AWS", account1, "Team One", "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z"},
		{"Usage", "Amazon Simple Storage Service", "Storage", "2.07", "2.3", "AWS", account1, "Team One", "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z"},
		{"Adjustment", "AWSBillingConductor", "Other", "5", "5", "group", account1, "Team One", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"},
		{"Credit", "Amazon Relational Database Service", "Databases", "-1.25", "-1.25", "group", account1, "Team One", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"},
	}
	byCategory := func(a, b charge) int { return strings.Compare(a.Category+a.Service, b.Category+b.Service) }
	slices.SortFunc(got, byCategory)
	slices.SortFunc(want, byCategory)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("charges (-want +got):\n%s", diff)
	}
	total := decimal.Zero
	for _, c := range cols["BilledCost"] {
		total = total.Add(c.Dec)
	}
	if want := e.report()["total"][1]; pricing.Format(total) != want {
		t.Errorf("BilledCost sums to %s, ProformaCost is %s", total, want)
	}
	if r := cols.Row(0); r["BillingAccountName"].Text != "Payer Inc" || r["PricingQuantity"].Dec.String() != "10" ||
		r["BillingPeriodStart"].Time != time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("first row: %+v", r)
	}
}

// checkFOCUS checks the FOCUS 1.2 Mandatory columns: all present, and
// non-null in every row except those FOCUS lets be null.
func checkFOCUS(t *testing.T, names []string, cols curtest.ParquetColumns) {
	t.Helper()
	nullable := []string{"BillingAccountName", "ChargeClass", "ChargeDescription", "PricingQuantity", "PricingUnit"}
	for _, c := range FOCUSMandatory {
		if !slices.Contains(names, c) {
			t.Errorf("mandatory column %s missing", c)
			continue
		}
		if slices.Contains(nullable, c) {
			continue
		}
		for i, cell := range cols[c] {
			if cell.Null {
				t.Errorf("row %d: %s is null", i, c)
			}
		}
	}
	for i := range cols.Len() {
		r := cols.Row(i)
		usage := r["ChargeCategory"].Text == "Usage" || r["ChargeCategory"].Text == "Purchase"
		if usage && (r["PricingQuantity"].Null || r["PricingUnit"].Null) {
			t.Errorf("row %d: %s charge without PricingQuantity and PricingUnit", i, r["ChargeCategory"].Text)
		}
		if r["PricingQuantity"].Null != r["PricingUnit"].Null {
			t.Errorf("row %d: PricingQuantity null %v, PricingUnit null %v", i, r["PricingQuantity"].Null, r["PricingUnit"].Null)
		}
	}
}

// The mandatory list is the FOCUS 1.2 one (21 columns).
func TestFOCUSMandatoryColumns(t *testing.T) {
	if len(FOCUSMandatory) != 21 {
		t.Errorf("%d mandatory columns, FOCUS 1.2 has 21", len(FOCUSMandatory))
	}
}

func TestAthenaName(t *testing.T) {
	for in, want := range map[string]string{
		"lineItem/UnblendedCost":                   "line_item_unblended_cost",
		"savingsPlan/SavingsPlanARN":               "savings_plan_savings_plan_a_r_n",
		"resourceTags/user:cost-center":            "resource_tags_user_cost_center",
		"product/servicecode":                      "product_servicecode",
		"line_item_unblended_cost":                 "line_item_unblended_cost",
		"pricing/publicOnDemandCost":               "pricing_public_on_demand_cost",
		"resourceTags/aws:cloudformation:stack-id": "resource_tags_aws_cloudformation_stack_id",
		"/": "column",
	} {
		if got := athenaName(in); got != want {
			t.Errorf("athenaName(%q) = %q, want %q", in, got, want)
		}
	}
	seen := map[string]bool{}
	if a, b := uniqueName("x", seen), uniqueName("x", seen); a != "x" || b != "x_2" {
		t.Errorf("uniqueName: %q, %q", a, b)
	}
}

// Amounts round-trip through DECIMAL(38,18); those that do not fit fail.
func TestDecimal128(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "0.000000000000000001", "-1.25", "99999999999999999999.999999999999999999"} {
		b, err := decimal128(decimal.RequireFromString(s))
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		n := new(big.Int).SetBytes(b)
		if b[0]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 128))
		}
		if got := decimal.NewFromBigInt(n, -18); !got.Equal(decimal.RequireFromString(s)) {
			t.Errorf("%s round-trips to %s", s, got)
		}
	}
	for _, s := range []string{"0.0000000000000000001", "100000000000000000000", "1E-25"} {
		if _, err := decimal128(decimal.RequireFromString(s)); !errors.Is(err, ErrDecimalRange) {
			t.Errorf("%s: err = %v, want ErrDecimalRange", s, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatCSV, "csv": FormatCSV, "Parquet": FormatParquet, "FOCUS": FormatFOCUS} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil || err.Error() != `unknown export format "xlsx": want csv, parquet, focus` {
		t.Errorf("ParseFormat(xlsx): %v", err)
	}
}

// PlanExport finds a missing period before anything is written, and
// names the file's type.
func TestPlanExport(t *testing.T) {
	e := newEnv(t)
	if _, err := PlanExport(context.Background(), e.store, payer, "2026-10", FormatCSV); !errors.Is(err, ErrNoUsage) {
		t.Errorf("without usage: %v, want ErrNoUsage", err)
	}
	if _, err := e.importFiles(e.write("oct.csv.gz", sampleHeader, sampleLines)); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[Format][2]string{FormatCSV: {".csv.gz", "application/gzip"},
		FormatParquet: {".parquet", "application/vnd.apache.parquet"}, FormatFOCUS: {".focus.parquet", "application/vnd.apache.parquet"}} {
		p, err := PlanExport(context.Background(), e.store, payer, "2026-10", f)
		if err != nil || p.Ext() != want[0] || p.MediaType() != want[1] {
			t.Errorf("%s: %s %s, %v; want %v", f, p.Ext(), p.MediaType(), err, want)
		}
	}
	if _, err := PlanExport(context.Background(), e.store, payer, "2026-10", "xml"); err == nil {
		t.Error("unknown format: no error")
	}
}

// Each sample CUR, priced by a markup plan with a fee and a percentage
// credit: the Parquet export's unblended cost and the FOCUS export's
// BilledCost sum to the same exact decimal, which, rounded as the API
// rounds (10 places, half-even), is GetBillingGroupCostReport's
// ProformaCost; the FOCUS file passes checkFOCUS. (The CSV export's sum
// is checked by TestSampleExportsSumToTheReport, its rows against the
// Parquet's by TestExportParquetIsTheCSV; the large workshop sample, with
// commitments, by cmd/proforma's TestSampleExportEndpoint.)
func TestSampleExportFormatsSumToTheReport(t *testing.T) {
	for _, name := range []string{"sample-anonymous-aws-export-dataset.csv", "ha-project-CUR-daily-1-00001.csv"} {
		t.Run(name, func(t *testing.T) {
			e, sum := importSample(t, name)
			period := sum.Periods[0].Period
			g, want := sampleGroup(t, e, sum.Payer, period)
			sums := map[Format]decimal.Decimal{}
			for _, f := range []Format{FormatParquet, FormatFOCUS} {
				var out bytes.Buffer
				if _, err := ExportWith(context.Background(), e.store, sum.Payer, g, period, &out, ExportOptions{Format: f}); err != nil {
					t.Fatal(err)
				}
				sums[f] = exportedTotal(t, f, out.Bytes())
				if f == FormatFOCUS && sum.Files[0].Format.CUR2 {
					checkNamed(t, out.Bytes())
				}
			}
			t.Logf("%s %s: ProformaCost %s; parquet %s, focus %s", name, period, want, sums[FormatParquet], sums[FormatFOCUS])
			if !sums[FormatParquet].Equal(sums[FormatFOCUS]) {
				t.Errorf("Parquet sums to %s, FOCUS to %s", sums[FormatParquet], sums[FormatFOCUS])
			}
			if got := pricing.Format(sums[FormatFOCUS]); got != want {
				t.Errorf("the exports sum to %s (%s), ProformaCost is %s", sums[FormatFOCUS], got, want)
			}
		})
	}
}

// checkNamed checks that every row of a FOCUS export of a CUR 2.0 (which
// names accounts) names the payer, custom line items' rows too, and every
// usage row its account. (The items' account here, the group's primary,
// is in no CUR line and unnamed in the organization: it stays null.)
func checkNamed(t *testing.T, data []byte) {
	t.Helper()
	_, cols := curtest.ReadParquet(t, data, "BillingAccountName", "SubAccountName", "x_CustomLineItemId")
	for i := range cols.Len() {
		r := cols.Row(i)
		item := r["x_CustomLineItemId"].Text != ""
		if r["BillingAccountName"].Null || (!item && r["SubAccountName"].Null) {
			t.Errorf("row %d (item %q): BillingAccountName %+v, SubAccountName %+v", i, r["x_CustomLineItemId"].Text,
				r["BillingAccountName"], r["SubAccountName"])
		}
	}
}

// sampleGroup makes a group of all the payer's accounts priced by a
// GLOBAL MARKUP 7.5 plan, with a flat fee of 12.34 and a 3% credit, and
// returns it with its ProformaCost for the period from
// GetBillingGroupCostReport.
func sampleGroup(t *testing.T, e *env, payer string, period conductor.Period) (conductor.GroupAsOf, string) {
	ctx, c := context.Background(), conductor.Caller{Account: payer}
	e.c = c
	markup := 7.5
	rule := e.must(e.svc.CreatePricingRule(ctx, c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
		Name: "markup", Scope: conductor.ScopeGlobal, Type: conductor.RuleMarkup, ModifierPercentage: &markup}}))
	plan := e.must(e.svc.CreatePricingPlan(ctx, c, conductor.CreatePricingPlanInput{Name: "plan", PricingRuleARNs: []string{rule}}))
	const primary = "100000000777"
	if err := e.svc.JoinAccount(ctx, payer, conductor.Account{ID: primary}); err != nil {
		t.Fatal(err)
	}
	accounts, err := e.svc.OrganizationAccounts(ctx, payer)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range accounts {
		ids = append(ids, a.ID)
	}
	e.group = e.must(e.svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "all",
		PrimaryAccountID: primary, PricingPlanARN: plan, LinkedAccountIDs: ids}))
	e.item("fee", conductor.ChargeFee, 12.34, "")
	pct := 3.0
	e.must(e.svc.CreateCustomLineItem(ctx, c, conductor.CreateCustomLineItemInput{Name: "credit", Description: "3% credit",
		BillingGroupARN: e.group, Charge: conductor.ChargeDetails{Type: conductor.ChargeCredit, Percentage: &pct,
			AssociatedValues: []string{e.group}}}))
	rs, _, err := e.svc.GetBillingGroupCostReport(ctx, c, conductor.GetBillingGroupCostReportInput{
		ARN: e.group, Range: &conductor.PeriodRange{Start: string(period), End: string(period.Next())}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.svc.BillingGroupAsOf(ctx, c, e.group, period)
	if err != nil {
		t.Fatal(err)
	}
	return g, rs[0].ProformaCost.String()
}

// exportedTotal sums an export's pro forma costs exactly: the CSV's and
// Parquet's unblended cost column, FOCUS's BilledCost.
func exportedTotal(t *testing.T, f Format, data []byte) decimal.Decimal {
	t.Helper()
	total := decimal.Zero
	switch f {
	case FormatCSV:
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(rows[0], func(h string) bool { return athenaName(h) == "line_item_unblended_cost" })
		for _, r := range rows[1:] {
			total = total.Add(decimal.RequireFromString(r[i]))
		}
	case FormatParquet:
		_, cols := curtest.ReadParquet(t, data, "line_item_unblended_cost")
		for _, c := range cols["line_item_unblended_cost"] {
			total = total.Add(c.Dec)
		}
	case FormatFOCUS:
		names, cols := curtest.ReadParquet(t, data, append(slices.Clone(FOCUSMandatory), "ChargeCategory")...)
		checkFOCUS(t, names, cols)
		for _, c := range cols["BilledCost"] {
			total = total.Add(c.Dec)
		}
	}
	return total
}

// pqTable cuts row groups at pqRowGroupRows rows, so memory stays flat.
func TestPQTableRowGroups(t *testing.T) {
	var buf bytes.Buffer
	tb := newPQTable(&buf, []pqColumn{{"id", pqText}, {"cost", pqDecimal}, {"at", pqTime}})
	for i := range pqRowGroupRows + 10 {
		tb.text(0, "x")
		if err := tb.decimal(1, decimal.New(int64(i), -2)); err != nil {
			t.Fatal(err)
		}
		tb.time(2, time.Unix(int64(i), 0))
		if err := tb.next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, rg := range f.RowGroups() {
		sizes = append(sizes, rg.NumRows())
	}
	if want := []int64{pqRowGroupRows, 10}; !slices.Equal(sizes, want) {
		t.Errorf("row groups of %v rows, want %v", sizes, want)
	}
}

// FOCUS Tags gathers the legacy tag columns; a Marketplace line's
// publisher is its seller.
func TestExportFOCUSTagsAndPublisher(t *testing.T) {
	e := newEnv(t)
	header := append(slices.Clone(sampleHeader), "resourceTags/user:team", "resourceTags/user:Cost Center")
	var rows [][]string
	for _, l := range sampleLines[:3] {
		r := append(slices.Clone(l), "", "")
		r[indexOf(header, "lineItem/UsageAccountId")] = account1
		rows = append(rows, r)
	}
	rows[1][len(header)-2], rows[1][len(header)-1] = "web", "CC-7"
	if _, err := e.importFiles(e.write("oct.csv", header, rows)); err != nil {
		t.Fatal(err)
	}
	data, _ := e.exportAs(FormatFOCUS)
	_, got := curtest.ReadParquet(t, data, "Tags", "PublisherName", "ServiceName")
	want := curtest.ParquetColumns{
		"Tags":          {{Null: true}, {Text: `{"user:Cost Center":"CC-7","user:team":"web"}`}, {Null: true}},
		"PublisherName": {{Text: "Some Seller LLC"}, {Text: "AWS"}, {Text: "AWS"}},
		"ServiceName":   {{Text: "Some Product"}, {Text: "Amazon Elastic Compute Cloud"}, {Text: "Amazon Simple Storage Service"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
