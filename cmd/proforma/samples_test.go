package main

// End-to-end tests on the real sample CURs of ../shared/data/cur (see its
// SOURCES.md): each sample is imported into a real proforma binary (the CLI
// for one, the admin endpoint for the others), billing groups with rules of
// every scope and custom line items are built over its accounts with the AWS
// SDK, and the cost reports are checked against an oracle written here from
// spec/PROFORMA.md and the raw file alone — encoding/csv and parquet-go, not
// the engine's packages (internal/cur, internal/usage, internal/pricing).

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

// adminMessageKey is the key of the admin endpoint's 400 body, {"error": "..."}
// (README, admin endpoints).
const adminMessageKey = "error"

func curSample(t *testing.T, name string) string { return curtest.SampleCUR(t, name) }

// ---------------------------------------------------------------------------
// The raw file: one curLine per CUR line, with the columns PROFORMA.md uses.

type curLine struct {
	payer, period, account, lineType, entity string
	productCode, serviceCode, productName    string
	usageType, operation, description, arn   string
	amount, unblended                        decimal.Decimal
	public, rate                             decimal.Decimal
	hasPublic, hasRate                       bool // column present and field not empty
}

// service is the service code of rules 8 and 13: product/servicecode, else
// lineItem/ProductCode.
func (l curLine) service() string { return firstOf(l.serviceCode, l.productCode) }

// product is the PRODUCT_NAME of rule 17: product/ProductName, else the
// product code.
func (l curLine) product() string { return firstOf(l.productName, l.productCode) }

// owner is the account of the line's RI / Savings Plan (the ARN's account field).
func (l curLine) owner() string {
	if parts := strings.Split(l.arn, ":"); len(parts) > 4 {
		return parts[4]
	}
	return ""
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// readCSVSample reads a legacy (category/Name) or CUR 2.0 (snake_case, with
// the JSON map column product) CSV.
func readCSVSample(t *testing.T, path string) []curLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var lines []curLine
	for n, row := range rows[1:] {
		get := func(legacy, snake string) string {
			for _, name := range []string{legacy, snake} {
				if i, ok := col[name]; ok {
					return row[i]
				}
			}
			return ""
		}
		var product map[string]string // CUR 2.0 map column
		if s := get("", "product"); s != "" {
			if err := json.Unmarshal([]byte(s), &product); err != nil {
				t.Fatalf("%s line %d: product: %v", path, n+2, err)
			}
		}
		start := get("bill/BillingPeriodStartDate", "bill_billing_period_start_date")
		if len(start) < len("2006-01") {
			t.Fatalf("%s line %d: billing period start %q", path, n+2, start)
		}
		l := curLine{
			payer:       get("bill/PayerAccountId", "bill_payer_account_id"),
			period:      start[:7],
			account:     get("lineItem/UsageAccountId", "line_item_usage_account_id"),
			lineType:    get("lineItem/LineItemType", "line_item_line_item_type"),
			entity:      get("bill/BillingEntity", "bill_billing_entity"),
			productCode: get("lineItem/ProductCode", "line_item_product_code"),
			serviceCode: firstOf(get("product/servicecode", "product_servicecode"), product["servicecode"]),
			productName: firstOf(get("product/ProductName", "product_product_name"), product["product_name"]),
			usageType:   get("lineItem/UsageType", "line_item_usage_type"),
			operation:   get("lineItem/Operation", "line_item_operation"),
			description: get("lineItem/LineItemDescription", "line_item_line_item_description"),
			arn: firstOf(get("reservation/ReservationARN", "reservation_reservation_a_r_n"),
				get("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n")),
			amount:    decimal.RequireFromString(get("lineItem/UsageAmount", "line_item_usage_amount")),
			unblended: decimal.RequireFromString(get("lineItem/UnblendedCost", "line_item_unblended_cost")),
		}
		l.public, l.hasPublic = optionalDecimal(get("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"))
		l.rate, l.hasRate = optionalDecimal(get("pricing/publicOnDemandRate", "pricing_public_on_demand_rate"))
		lines = append(lines, l)
	}
	return lines
}

func optionalDecimal(s string) (decimal.Decimal, bool) {
	if s == "" {
		return decimal.Zero, false
	}
	return decimal.RequireFromString(s), true
}

// parquetSampleRow holds the columns of the Athena Parquet legacy CUR. The
// file has no Savings Plans columns; its columns are all required.
type parquetSampleRow struct {
	Payer       string    `parquet:"bill_payer_account_id"`
	PeriodStart time.Time `parquet:"bill_billing_period_start_date"`
	Account     string    `parquet:"line_item_usage_account_id"`
	LineType    string    `parquet:"line_item_line_item_type"`
	Entity      string    `parquet:"bill_billing_entity"`
	ProductCode string    `parquet:"line_item_product_code"`
	ServiceCode string    `parquet:"product_servicecode"`
	ProductName string    `parquet:"product_product_name"`
	UsageType   string    `parquet:"line_item_usage_type"`
	Operation   string    `parquet:"line_item_operation"`
	Description string    `parquet:"line_item_line_item_description"`
	ARN         string    `parquet:"reservation_reservation_a_r_n"`
	Amount      float64   `parquet:"line_item_usage_amount"`
	Unblended   float64   `parquet:"line_item_unblended_cost"`
	Public      float64   `parquet:"pricing_public_on_demand_cost"`
	Rate        string    `parquet:"pricing_public_on_demand_rate"`
}

// readParquetSample reads the Parquet sample. A DOUBLE is taken as its
// shortest decimal representation (what the file's writer printed).
func readParquetSample(t *testing.T, path string) []curLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := parquet.NewGenericReader[parquetSampleRow](f)
	defer r.Close()
	double := func(v float64) decimal.Decimal {
		return decimal.RequireFromString(strconv.FormatFloat(v, 'f', -1, 64))
	}
	var lines []curLine
	buf := make([]parquetSampleRow, 4096)
	for {
		n, err := r.Read(buf)
		for _, x := range buf[:n] {
			l := curLine{
				payer: x.Payer, period: x.PeriodStart.UTC().Format("2006-01"), account: x.Account,
				lineType: x.LineType, entity: x.Entity, productCode: x.ProductCode, serviceCode: x.ServiceCode,
				productName: x.ProductName, usageType: x.UsageType, operation: x.Operation,
				description: x.Description, arn: x.ARN, amount: double(x.Amount), unblended: double(x.Unblended),
				public: double(x.Public), hasPublic: true,
			}
			l.rate, l.hasRate = optionalDecimal(x.Rate)
			lines = append(lines, l)
		}
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// ---------------------------------------------------------------------------
// The scenario: groups, plans and items, as driven through the API and as
// priced by the oracle.

type sampleRule struct {
	name     string
	scope    types.PricingRuleScope
	typ      types.PricingRuleType // MARKUP, DISCOUNT, or TIERING (free tier deactivated)
	percent  float64
	service  string // SERVICE, SKU
	entity   string // BILLING_ENTITY
	usage, o string // SKU: usage type and operation
}

// sampleItem is a custom line item: exactly one of flat and percent is set.
type sampleItem struct {
	name    string
	credit  bool
	flat    float64 // FLAT charge value, or
	percent float64 // PERCENTAGE of the group's (filtered) pro forma line total
	filter  *types.LineItemFilter
}

type sampleGroup struct {
	name     string
	primary  string
	accounts []string // the primary and the linked accounts
	rules    []sampleRule
	items    []sampleItem
	arn      string // set by create
}

type sampleScenario struct {
	file     string
	payer    string
	period   string   // YYYY-MM
	accounts []string // usage accounts of the file
	extra    []string // accounts with no usage added to the organization
	groups   []*sampleGroup
}

func (g *sampleGroup) has(account string) bool { return slices.Contains(g.accounts, account) }

// ---------------------------------------------------------------------------
// The oracle: PROFORMA.md rules 1–16, line by line.

var hundred = decimal.NewFromInt(100)

// excluded is rule 5.
func excluded(l curLine) bool {
	switch l.lineType {
	case "Credit", "Refund", "Tax", "EdpDiscount", "PrivateRateDiscount", "SppDiscount", "DistributorDiscount", "RiVolumeDiscount":
		return true
	}
	return strings.HasPrefix(l.productCode, "AWSSupport") || l.productCode == "OCBPremiumSupport"
}

// freeTier is rule 10's recognition: a Usage line with zero unblended cost
// and a positive public rate, or a free-tier description. Only Usage lines:
// DiscountedUsage also has zero unblended cost and a rate, and is rule 6's.
func freeTier(l curLine) bool {
	if l.lineType != "Usage" {
		return false
	}
	return (l.unblended.IsZero() && l.hasRate && l.rate.IsPositive()) ||
		strings.Contains(strings.ToLower(l.description), "free tier")
}

// commitmentFee is rule 6's fees: included unmodified when the owner is in the group.
func commitmentFee(l curLine) bool {
	switch l.lineType {
	case "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "RIFee":
		return true
	}
	return l.lineType == "Fee" && l.arn != ""
}

// modify applies the one rule of rule 7 (SKU > SERVICE > BILLING_ENTITY >
// GLOBAL), per rule 9; no matching rule keeps the base (rule 11).
func (g *sampleGroup) modify(l curLine, base decimal.Decimal) decimal.Decimal {
	matches := func(r sampleRule, scope types.PricingRuleScope) bool {
		if r.scope != scope || r.typ == types.PricingRuleTypeTiering {
			return false
		}
		switch scope {
		case types.PricingRuleScopeSku:
			return r.service == l.service() && r.usage == l.usageType && r.o == l.operation
		case types.PricingRuleScopeService:
			return r.service == l.service()
		case types.PricingRuleScopeBillingEntity:
			return r.entity == l.entity
		}
		return true
	}
	for _, scope := range []types.PricingRuleScope{types.PricingRuleScopeSku, types.PricingRuleScopeService,
		types.PricingRuleScopeBillingEntity, types.PricingRuleScopeGlobal} {
		for _, r := range g.rules {
			if !matches(r, scope) {
				continue
			}
			p := decimal.NewFromFloat(r.percent).Div(hundred)
			if r.typ == types.PricingRuleTypeMarkup {
				return base.Mul(decimal.NewFromInt(1).Add(p))
			}
			return base.Mul(decimal.NewFromInt(1).Sub(p))
		}
	}
	return base
}

// freeTierOff tells whether the plan has a TIERING rule deactivating the
// free tier; the scenarios' TIERING rules are all GLOBAL.
func (g *sampleGroup) freeTierOff() bool {
	return slices.ContainsFunc(g.rules, func(r sampleRule) bool { return r.typ == types.PricingRuleTypeTiering })
}

// pricedLine is one pro forma amount of a group: a CUR line, or the
// negation rule 6 adds for an RI-covered line.
type pricedLine struct {
	product, service, lineType string
	cost                       decimal.Decimal
}

// price returns the pro forma amounts of one of the group's lines.
func (g *sampleGroup) price(l curLine) []pricedLine {
	one := func(cost decimal.Decimal) []pricedLine {
		return []pricedLine{{l.product(), l.service(), l.lineType, cost}}
	}
	// Rule 4: the public on-demand cost, else unblended; a 0 public cost of
	// a billed line without a public rate counts as none (docs/proforma.md).
	base := l.unblended
	if l.hasPublic && !(l.public.IsZero() && !l.unblended.IsZero() && !l.hasRate) {
		base = l.public
	}
	ownerIn := g.has(l.owner())
	switch {
	case excluded(l):
		return nil
	case commitmentFee(l):
		if !ownerIn {
			return nil
		}
		return one(l.unblended)
	case l.lineType == "SavingsPlanNegation":
		if !ownerIn {
			return nil
		}
		if l.hasPublic && !l.public.IsZero() {
			return one(g.modify(l, l.public.Abs().Neg()))
		}
		return one(g.modify(l, l.unblended))
	case l.lineType == "DiscountedUsage":
		covered := g.modify(l, base)
		if !ownerIn {
			return one(covered)
		}
		// The group keeps the RI's benefit: a negation equal to the
		// covered amount, under the same product and service.
		return append(one(covered), pricedLine{l.product(), l.service(), "RINegation", covered.Neg()})
	case l.lineType == "SavingsPlanCoveredUsage":
		return one(g.modify(l, base))
	case freeTier(l):
		if g.freeTierOff() { // the public rate × usage amount, then the modifier
			return one(g.modify(l, l.rate.Mul(l.amount)))
		}
		return one(l.unblended) // free tier kept: its unblended cost (0 in these files), unmodified
	}
	return one(g.modify(l, base))
}

// productCost is one PRODUCT_NAME of a group's report.
type productCost struct{ aws, proforma decimal.Decimal }

// expect computes a group's report per product (rule 15, 17) with its
// custom line items (rules 12–13) under AWSBillingConductor.
func (g *sampleGroup) expect(lines []curLine) map[string]*productCost {
	out := map[string]*productCost{}
	at := func(product string) *productCost {
		if out[product] == nil {
			out[product] = &productCost{}
		}
		return out[product]
	}
	var priced []pricedLine
	for _, l := range lines {
		if !g.has(l.account) { // rules 1–2
			continue
		}
		if l.lineType != "Tax" {
			at(l.product()).aws = at(l.product()).aws.Add(l.unblended)
		}
		for _, p := range g.price(l) {
			at(p.product).proforma = at(p.product).proforma.Add(p.cost)
			priced = append(priced, p)
		}
	}
	for _, it := range g.items {
		charge := decimal.NewFromFloat(it.flat)
		if it.flat == 0 {
			// Percentage of the group's pro forma line total (flat items
			// excluded), narrowed by the filter. LINE_ITEM_TYPE NOT_EQUAL
			// SAVINGS_PLAN_NEGATION drops SavingsPlanNegation lines only:
			// an RI negation is no such line (reading of rule 13).
			total := decimal.Zero
			for _, p := range priced {
				if f := it.filter; f != nil {
					if f.Attribute == types.LineItemFilterAttributeNameService &&
						slices.Contains(f.AttributeValues, p.service) != (f.MatchOption == types.MatchOptionEqual) {
						continue
					}
					if f.Attribute == types.LineItemFilterAttributeNameLineItemType && p.lineType == "SavingsPlanNegation" {
						continue
					}
				}
				total = total.Add(p.cost)
			}
			charge = total.Mul(decimal.NewFromFloat(it.percent)).Div(hundred)
		}
		if it.credit {
			charge = charge.Neg()
		}
		at("AWSBillingConductor").proforma = at("AWSBillingConductor").proforma.Add(charge)
	}
	return out
}

func sumCosts(m map[string]*productCost) productCost {
	var s productCost
	for _, c := range m {
		s.aws, s.proforma = s.aws.Add(c.aws), s.proforma.Add(c.proforma)
	}
	return s
}

// ---------------------------------------------------------------------------
// Driving proforma.

// importCLI runs `proforma import` on dataDir (before the server starts).
func importCLI(t *testing.T, dataDir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(proformaBinary(t), append([]string{"import", "--data", dataDir, "--quiet"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// importAdmin posts a file to the admin endpoint; it returns the status and the decoded JSON body.
func importAdmin(t *testing.T, base, path, payer string) (int, map[string]any) {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"name": {filepath.Base(path)}}
	if payer != "" {
		q.Set("payer", payer)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Post(base+"/_proforma/usage?"+q.Encode(), "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("import %s: %s, body not JSON: %v\n%s", filepath.Base(path), resp.Status, err, raw)
	}
	return resp.StatusCode, out
}

// joinAccount adds an account with no usage to the payer's organization.
func joinAccount(t *testing.T, base, payer, id string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"payer": payer, "id": id, "name": "Sample " + id, "email": id + "@example.com"})
	resp, err := http.Post(base+"/_proforma/accounts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("join %s to %s: %s %s", id, payer, resp.Status, raw)
	}
}

// create builds the scenario's rules, plans, groups and items.
func (sc *sampleScenario) create(t *testing.T, client *bc.Client) {
	t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	for _, g := range sc.groups {
		var ruleARNs []string
		for _, r := range g.rules {
			in := &bc.CreatePricingRuleInput{Name: aws.String(r.name), Scope: r.scope, Type: r.typ}
			if r.typ == types.PricingRuleTypeTiering {
				in.Tiering = &types.CreateTieringInput{FreeTier: &types.CreateFreeTierConfig{Activated: aws.Bool(false)}}
			} else {
				in.ModifierPercentage = aws.Float64(r.percent)
			}
			if r.service != "" {
				in.Service = aws.String(r.service)
			}
			if r.entity != "" {
				in.BillingEntity = aws.String(r.entity)
			}
			if r.usage != "" {
				in.UsageType, in.Operation = aws.String(r.usage), aws.String(r.o)
			}
			out, err := client.CreatePricingRule(ctx, in)
			if err != nil {
				t.Fatalf("CreatePricingRule %s: %v", r.name, err)
			}
			ruleARNs = append(ruleARNs, *out.Arn)
		}
		plan, err := client.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(g.name + "-plan"), PricingRuleArns: ruleARNs})
		if err != nil {
			t.Fatalf("CreatePricingPlan %s: %v", g.name, err)
		}
		bg, err := client.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
			Name:                  aws.String(g.name),
			PrimaryAccountId:      aws.String(g.primary),
			AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: g.accounts},
			ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn},
		})
		if err != nil {
			t.Fatalf("CreateBillingGroup %s: %v", g.name, err)
		}
		g.arn = *bg.Arn
		for _, it := range g.items {
			details := &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee}
			if it.credit {
				details.Type = types.CustomLineItemTypeCredit
			}
			if it.flat != 0 {
				details.Flat = &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(it.flat)}
			} else {
				details.Percentage = &types.CustomLineItemPercentageChargeDetails{
					PercentageValue: aws.Float64(it.percent), AssociatedValues: []string{g.arn}}
			}
			if it.filter != nil {
				details.LineItemFilters = []types.LineItemFilter{*it.filter}
			}
			_, err := client.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{
				Name: aws.String(it.name), Description: aws.String("sample test item"),
				BillingGroupArn: aws.String(g.arn), ChargeDetails: details,
			})
			if err != nil {
				t.Fatalf("CreateCustomLineItem %s: %v", it.name, err)
			}
		}
	}
}

// wantMoney checks one API money string: the exact value rounded half-even
// at 10 fractional digits, trailing zeros trimmed (rule 16).
func wantMoney(t *testing.T, what string, got *string, want decimal.Decimal) {
	t.Helper()
	w := want.RoundBank(10).String()
	switch {
	case got == nil:
		t.Errorf("%s: missing, want %s", what, w)
	case *got != w:
		t.Errorf("%s = %s, want %s (exact %s)", what, *got, w, want.String())
	}
}

// wantReport checks AWSCost, ProformaCost, Margin and MarginPercentage (rule 15).
func wantReport(t *testing.T, what string, aws, proforma, margin, percent *string, want productCost) {
	t.Helper()
	m := want.proforma.Sub(want.aws)
	p := decimal.Zero
	if !want.proforma.IsZero() {
		// 40 digits, then half-even at 10: exact unless the quotient ties
		// at the 11th digit only beyond the 40th, which these sums do not.
		p = m.Mul(hundred).DivRound(want.proforma, 40)
	}
	wantMoney(t, what+" AWSCost", aws, want.aws)
	wantMoney(t, what+" ProformaCost", proforma, want.proforma)
	wantMoney(t, what+" Margin", margin, m)
	wantMoney(t, what+" MarginPercentage", percent, p)
}

func isZeroMoney(s *string) bool { return s != nil && *s == "0" }

// check compares every report of the scenario's groups with the oracle.
func (sc *sampleScenario) check(t *testing.T, client *bc.Client, lines []curLine) {
	t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	end, _ := time.Parse("2006-01", sc.period)
	periodRange := &types.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String(sc.period),
		ExclusiveEndBillingPeriod: aws.String(end.AddDate(0, 1, 0).Format("2006-01"))}
	totals := map[string]productCost{}
	for _, g := range sc.groups {
		byProduct := g.expect(lines)
		total := sumCosts(byProduct)
		totals[g.arn] = total
		t.Logf("%s %v: oracle AWSCost %s ProformaCost %s over %d products", g.name, g.accounts,
			total.aws.RoundBank(10), total.proforma.RoundBank(10), len(byProduct))

		// By product.
		got := map[string]types.BillingGroupCostReportResultElement{}
		in := &bc.GetBillingGroupCostReportInput{Arn: aws.String(g.arn), BillingPeriodRange: periodRange,
			GroupBy: []types.GroupByAttributeName{types.GroupByAttributeNameProductName}}
		for {
			out, err := client.GetBillingGroupCostReport(ctx, in)
			if err != nil {
				t.Fatalf("GetBillingGroupCostReport %s by PRODUCT_NAME: %v", g.name, err)
			}
			for _, e := range out.BillingGroupCostReportResults {
				if len(e.Attributes) != 1 || aws.ToString(e.Attributes[0].Key) != "PRODUCT_NAME" {
					t.Fatalf("%s: attributes %+v, want one PRODUCT_NAME", g.name, e.Attributes)
				}
				name := aws.ToString(e.Attributes[0].Value)
				if _, dup := got[name]; dup {
					t.Errorf("%s: product %q reported twice", g.name, name)
				}
				got[name] = e
			}
			if in.NextToken = out.NextToken; in.NextToken == nil {
				break
			}
		}
		for name, want := range byProduct {
			e, ok := got[name]
			switch {
			case !ok && want.aws.IsZero() && want.proforma.IsZero():
				t.Logf("%s: product %q (all zero) not reported", g.name, name)
			case !ok:
				t.Errorf("%s: product %q missing, want AWSCost %s ProformaCost %s", g.name, name, want.aws, want.proforma)
			default:
				wantReport(t, g.name+" "+name, e.AWSCost, e.ProformaCost, e.Margin, e.MarginPercentage, *want)
			}
		}
		for name, e := range got {
			if byProduct[name] != nil {
				continue
			}
			if isZeroMoney(e.AWSCost) && isZeroMoney(e.ProformaCost) {
				t.Logf("%s: product %q reported at zero", g.name, name)
				continue
			}
			t.Errorf("%s: unexpected product %q: AWSCost %s ProformaCost %s", g.name, name,
				aws.ToString(e.AWSCost), aws.ToString(e.ProformaCost))
		}

		// Without GroupBy: one total.
		out, err := client.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{
			Arn: aws.String(g.arn), BillingPeriodRange: periodRange})
		if err != nil {
			t.Fatalf("GetBillingGroupCostReport %s: %v", g.name, err)
		}
		if len(out.BillingGroupCostReportResults) != 1 {
			t.Fatalf("%s: %d results without GroupBy, want 1", g.name, len(out.BillingGroupCostReportResults))
		}
		e := out.BillingGroupCostReportResults[0]
		wantReport(t, g.name+" total", e.AWSCost, e.ProformaCost, e.Margin, e.MarginPercentage, total)
		if aws.ToString(e.Arn) != g.arn || aws.ToString(e.Currency) != "USD" {
			t.Errorf("%s total: Arn %s Currency %s", g.name, aws.ToString(e.Arn), aws.ToString(e.Currency))
		}
	}

	// ListBillingGroupCostReports: one element per group.
	in := &bc.ListBillingGroupCostReportsInput{BillingPeriod: aws.String(sc.period)}
	seen := map[string]bool{}
	for {
		out, err := client.ListBillingGroupCostReports(ctx, in)
		if err != nil {
			t.Fatalf("ListBillingGroupCostReports: %v", err)
		}
		for _, e := range out.BillingGroupCostReports {
			arn := aws.ToString(e.Arn)
			want, ok := totals[arn]
			if !ok || seen[arn] {
				t.Errorf("ListBillingGroupCostReports: unexpected or repeated element %s", arn)
				continue
			}
			seen[arn] = true
			wantReport(t, "list "+arn, e.AWSCost, e.ProformaCost, e.Margin, e.MarginPercentage, want)
		}
		if in.NextToken = out.NextToken; in.NextToken == nil {
			break
		}
	}
	if len(seen) != len(totals) {
		t.Errorf("ListBillingGroupCostReports: %d groups, want %d", len(seen), len(totals))
	}
}

// checkSampleFacts asserts what the scenario assumes of the file.
func (sc *sampleScenario) checkSampleFacts(t *testing.T, lines []curLine) {
	t.Helper()
	var accounts []string
	for _, l := range lines {
		if l.payer != sc.payer || l.period != sc.period {
			t.Fatalf("%s: a line of payer %q period %q, want %s %s", sc.file, l.payer, l.period, sc.payer, sc.period)
		}
		if !slices.Contains(accounts, l.account) {
			accounts = append(accounts, l.account)
		}
	}
	slices.Sort(accounts)
	if !slices.Equal(accounts, sc.accounts) {
		t.Fatalf("%s: usage accounts %v, want %v", sc.file, accounts, sc.accounts)
	}
}

// startSample starts a server pinned inside the sample's period.
func startSample(t *testing.T, dataDir string, sc *sampleScenario) (*proc, *bc.Client) {
	t.Helper()
	p := startProforma(t, dataDir, "--now", sc.period+"-15")
	return p, newClient(p.URL, sc.payer)
}

func wantRegistered(t *testing.T, summary map[string]any, want ...string) {
	t.Helper()
	var got []string
	regs, _ := summary["registeredAccounts"].([]any)
	for _, a := range regs {
		got = append(got, fmt.Sprint(a))
	}
	for _, a := range want {
		if !slices.Contains(got, a) {
			t.Errorf("import registered %v, want %s among them", got, a)
		}
	}
}

// ---------------------------------------------------------------------------
// The samples.

// workshopScenario: payer 836060457634 (usage, RIs of both accounts' EC2)
// and linked 011254002932, whose t2.micro DiscountedUsage the payer's RI covers.
func workshopScenario() *sampleScenario {
	const payer, linked = "836060457634", "011254002932"
	return &sampleScenario{
		file: "Nov2018-WorkshopCUR-00001.snappy.parquet", payer: payer, period: "2018-11",
		accounts: []string{linked, payer},
		extra:    []string{"990000000001", "990000000002", "990000000003"}, // ...03 stays unassigned
		groups: []*sampleGroup{
			{
				name: "workshop-payer", primary: "990000000001", accounts: []string{"990000000001", payer},
				rules: []sampleRule{
					{name: "ws-a-sku-c5", scope: types.PricingRuleScopeSku, typ: types.PricingRuleTypeMarkup, percent: 20,
						service: "AmazonEC2", usage: "BoxUsage:c5.large", o: "RunInstances"},
					{name: "ws-a-ec2", scope: types.PricingRuleScopeService, typ: types.PricingRuleTypeDiscount, percent: 10, service: "AmazonEC2"},
					{name: "ws-a-aws", scope: types.PricingRuleScopeBillingEntity, typ: types.PricingRuleTypeMarkup, percent: 5, entity: "AWS"},
					{name: "ws-a-global", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeMarkup, percent: 50},
				},
				items: []sampleItem{
					{name: "ws-a-fee", flat: 100},
					{name: "ws-a-ec2-share", percent: 5, filter: &types.LineItemFilter{Attribute: types.LineItemFilterAttributeNameService,
						MatchOption: types.MatchOptionEqual, AttributeValues: []string{"AmazonEC2"}}},
				},
			},
			{
				name: "workshop-linked", primary: "990000000002", accounts: []string{"990000000002", linked},
				rules: []sampleRule{
					{name: "ws-b-sku-t2", scope: types.PricingRuleScopeSku, typ: types.PricingRuleTypeDiscount, percent: 15,
						service: "AmazonEC2", usage: "BoxUsage:t2.micro", o: "RunInstances:0002"},
					{name: "ws-b-s3", scope: types.PricingRuleScopeService, typ: types.PricingRuleTypeDiscount, percent: 2.5, service: "AmazonS3"},
					{name: "ws-b-global", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeMarkup, percent: 12.5},
					{name: "ws-b-tiering", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeTiering},
				},
				items: []sampleItem{
					{name: "ws-b-credit", credit: true, flat: 3.25},
					{name: "ws-b-rebate", credit: true, percent: 2.5},
				},
			},
		},
	}
}

// TestSampleWorkshopParquet imports the Parquet sample with the CLI, then
// moves the linked account out of its group and into the payer's.
func TestSampleWorkshopParquet(t *testing.T) {
	t.Parallel()
	sc := workshopScenario()
	path := curSample(t, sc.file)
	lines := readParquetSample(t, path)
	sc.checkSampleFacts(t, lines)
	dataDir := t.TempDir()
	stdout, stderr, err := importCLI(t, dataDir, path)
	if err != nil {
		t.Fatalf("proforma import: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	t.Logf("proforma import:\n%s", stdout)
	p, client := startSample(t, dataDir, sc)
	for _, a := range sc.extra {
		joinAccount(t, p.URL, sc.payer, a)
	}
	sc.create(t, client)
	sc.check(t, client, lines)
	if t.Failed() {
		return
	}

	// Rule 1–2: the linked account leaves its group — unmonitored for the
	// whole month — then joins the payer's group, where the payer's RI
	// covers its t2.micro usage (rule 6: the negation nets it out).
	a, b := sc.groups[0], sc.groups[1]
	const linked = "011254002932"
	ctx, cancel := callCtx()
	defer cancel()
	if _, err := client.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: aws.String(b.arn), AccountIds: []string{linked}}); err != nil {
		t.Fatalf("DisassociateAccounts: %v", err)
	}
	b.accounts = slices.DeleteFunc(b.accounts, func(x string) bool { return x == linked })
	t.Log("after the linked account left workshop-linked:")
	sc.check(t, client, lines)
	if _, err := client.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: aws.String(a.arn), AccountIds: []string{linked}}); err != nil {
		t.Fatalf("AssociateAccounts: %v", err)
	}
	a.accounts = append(a.accounts, linked)
	t.Log("after the linked account joined workshop-payer:")
	sc.check(t, client, lines)
}

// anonymousScenario: one account (payer = usage), tiny amounts, much free
// tier (rule 10) and Tax lines.
func anonymousScenario() *sampleScenario {
	const payer = "123412340534"
	return &sampleScenario{
		file: "sample-anonymous-aws-export-dataset.csv", payer: payer, period: "2023-11",
		accounts: []string{payer},
		extra:    []string{"990000000011", "990000000012", "990000000013"}, // ...13 stays unassigned
		groups: []*sampleGroup{
			{
				name: "anon-payer", primary: "990000000011", accounts: []string{"990000000011", payer},
				rules: []sampleRule{
					{name: "an-a-sku", scope: types.PricingRuleScopeSku, typ: types.PricingRuleTypeMarkup, percent: 33.33,
						service: "AWSGlue", usage: "CAN1-Catalog-Storage", o: "Storage"},
					{name: "an-a-s3", scope: types.PricingRuleScopeService, typ: types.PricingRuleTypeMarkup, percent: 7.25, service: "AmazonS3"},
					{name: "an-a-transfer", scope: types.PricingRuleScopeService, typ: types.PricingRuleTypeDiscount, percent: 1.5, service: "AWSDataTransfer"},
					{name: "an-a-global", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeDiscount, percent: 4},
					{name: "an-a-tiering", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeTiering},
				},
				items: []sampleItem{
					{name: "an-a-fee", flat: 0.5},
					{name: "an-a-share", percent: 10, filter: &types.LineItemFilter{Attribute: types.LineItemFilterAttributeNameLineItemType,
						MatchOption: types.MatchOptionNotEqual, Values: []types.LineItemFilterValue{types.LineItemFilterValueSavingsPlanNegation}}},
				},
			},
			{
				name: "anon-empty", primary: "990000000012", accounts: []string{"990000000012"},
				rules: []sampleRule{
					{name: "an-b-aws", scope: types.PricingRuleScopeBillingEntity, typ: types.PricingRuleTypeDiscount, percent: 9, entity: "AWS"},
				},
				items: []sampleItem{{name: "an-b-fee", flat: 5}, {name: "an-b-share", percent: 10}},
			},
		},
	}
}

// TestSampleAnonymousCSV imports the legacy CSV sample through the admin
// endpoint, payer from the file.
func TestSampleAnonymousCSV(t *testing.T) {
	t.Parallel()
	sc := anonymousScenario()
	path := curSample(t, sc.file)
	lines := readCSVSample(t, path)
	sc.checkSampleFacts(t, lines)
	p, client := startSample(t, t.TempDir(), sc)
	status, summary := importAdmin(t, p.URL, path, "")
	if status != http.StatusOK {
		t.Fatalf("admin import: %d %v", status, summary)
	}
	if summary["payer"] != sc.payer {
		t.Errorf("admin import payer %v, want %s", summary["payer"], sc.payer)
	}
	wantRegistered(t, summary, sc.payer)
	for _, a := range sc.extra {
		joinAccount(t, p.URL, sc.payer, a)
	}
	sc.create(t, client)
	sc.check(t, client, lines)
}

// haScenario: a CUR 2.0 CSV; the usage is offset by free-tier Credit lines
// (AWSCost 0) and the product name is in the product map column.
func haScenario() *sampleScenario {
	const payer = "147303435917"
	return &sampleScenario{
		file: "ha-project-CUR-daily-1-00001.csv", payer: payer, period: "2026-04",
		accounts: []string{payer},
		extra:    []string{"990000000021", "990000000022", "990000000023"}, // ...23 stays unassigned
		groups: []*sampleGroup{
			{
				name: "ha-payer", primary: "990000000021", accounts: []string{"990000000021", payer},
				rules: []sampleRule{
					{name: "ha-a-sku-nat", scope: types.PricingRuleScopeSku, typ: types.PricingRuleTypeDiscount, percent: 30,
						service: "AmazonEC2", usage: "NatGateway-Hours", o: "NatGateway"},
					{name: "ha-a-ec2", scope: types.PricingRuleScopeService, typ: types.PricingRuleTypeMarkup, percent: 8, service: "AmazonEC2"},
					{name: "ha-a-aws", scope: types.PricingRuleScopeBillingEntity, typ: types.PricingRuleTypeMarkup, percent: 2.75, entity: "AWS"},
					{name: "ha-a-global", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeDiscount, percent: 1},
				},
				items: []sampleItem{
					{name: "ha-a-fee", flat: 12.34},
					{name: "ha-a-transfer-share", percent: 7.5, filter: &types.LineItemFilter{Attribute: types.LineItemFilterAttributeNameService,
						MatchOption: types.MatchOptionEqual, AttributeValues: []string{"AWSDataTransfer"}}},
				},
			},
			{
				name: "ha-empty", primary: "990000000022", accounts: []string{"990000000022"},
				rules: []sampleRule{
					{name: "ha-b-global", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeMarkup, percent: 10},
					{name: "ha-b-tiering", scope: types.PricingRuleScopeGlobal, typ: types.PricingRuleTypeTiering},
				},
				items: []sampleItem{{name: "ha-b-credit", credit: true, flat: 1.5}},
			},
		},
	}
}

// TestSampleCUR2CSV imports the CUR 2.0 sample through the admin endpoint
// with ?payer=.
func TestSampleCUR2CSV(t *testing.T) {
	t.Parallel()
	sc := haScenario()
	path := curSample(t, sc.file)
	lines := readCSVSample(t, path)
	sc.checkSampleFacts(t, lines)
	p, client := startSample(t, t.TempDir(), sc)
	status, summary := importAdmin(t, p.URL, path, sc.payer)
	if status != http.StatusOK {
		t.Fatalf("admin import: %d %v", status, summary)
	}
	wantRegistered(t, summary, sc.payer)
	for _, a := range sc.extra {
		joinAccount(t, p.URL, sc.payer, a)
	}
	sc.create(t, client)
	sc.check(t, client, lines)
}

// TestSampleFOCUSRefused: a FOCUS file is refused by the CLI and the admin
// endpoint with a message naming FOCUS, and the usage imported before stays
// as it was.
func TestSampleFOCUSRefused(t *testing.T) {
	t.Parallel()
	focus := curSample(t, "focus_sample.csv")
	sc := anonymousScenario()
	sc.groups = sc.groups[:1]
	sc.groups[0].rules, sc.groups[0].items = nil, nil // public prices (rule 11)
	path := curSample(t, sc.file)
	lines := readCSVSample(t, path)
	dataDir := t.TempDir()
	if stdout, stderr, err := importCLI(t, dataDir, path); err != nil {
		t.Fatalf("proforma import %s: %v\n%s%s", sc.file, err, stdout, stderr)
	}
	stdout, stderr, err := importCLI(t, dataDir, focus)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("proforma import focus_sample.csv: %v, want a non-zero exit\nstdout:\n%s", err, stdout)
	}
	if !strings.Contains(stderr, "FOCUS") {
		t.Errorf("proforma import focus_sample.csv: stderr does not mention FOCUS:\n%s", stderr)
	}
	t.Logf("CLI refusal: %s", strings.TrimSpace(stderr))

	p, client := startSample(t, dataDir, sc)
	joinAccount(t, p.URL, sc.payer, sc.extra[0])
	sc.create(t, client)
	sc.check(t, client, lines)
	accountsBefore := adminGet(t, p.URL+"/_proforma/accounts?payer="+sc.payer)

	for _, payer := range []string{"", sc.payer} {
		status, body := importAdmin(t, p.URL, focus, payer)
		msg, _ := body[adminMessageKey].(string)
		if status != http.StatusBadRequest || !strings.Contains(msg, "FOCUS") {
			t.Errorf("admin import of focus_sample.csv (payer %q): %d %v, want 400 with a message mentioning FOCUS", payer, status, body)
		}
		t.Logf("admin refusal (payer %q): %d %v", payer, status, body)
	}
	if after := adminGet(t, p.URL+"/_proforma/accounts?payer="+sc.payer); after != accountsBefore {
		t.Errorf("organization changed by a refused import:\nbefore %s\nafter  %s", accountsBefore, after)
	}
	sc.check(t, client, lines)
}

func adminGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", u, resp.Status, raw)
	}
	return string(raw)
}
