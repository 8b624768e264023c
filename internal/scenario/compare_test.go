package scenario_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/storetest"
	"github.com/proforma-dev/proforma/internal/usage"
)

// compareCUR is November 2026's usage of five accounts of the demo payer,
// public prices equal to the costs paid:
//
//	100000000001  EC2 10   S3 2
//	100000000002  EC2 4
//	100000000003  S3 1
//	100000000004  EC2 3
//	100000000005  EC2 6
//	100000000006  S3 7
const compareCUR = `bill/BillingEntity,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/UnblendedCost,product/ProductName,pricing/publicOnDemandCost,lineItem/CurrencyCode
AWS,123456789012,2026-11-01T00:00:00Z,100000000001,Usage,AmazonEC2,BoxUsage,RunInstances,10,10,Amazon Elastic Compute Cloud,10,USD
AWS,123456789012,2026-11-01T00:00:00Z,100000000001,Usage,AmazonS3,Storage,Put,3,2,Amazon Simple Storage Service,2,USD
AWS,123456789012,2026-11-01T00:00:00Z,100000000002,Usage,AmazonEC2,BoxUsage,RunInstances,4,4,Amazon Elastic Compute Cloud,4,USD
AWS,123456789012,2026-11-01T00:00:00Z,100000000003,Usage,AmazonS3,Storage,Put,1,1,Amazon Simple Storage Service,1,USD
AWS,123456789012,2026-11-01T00:00:00Z,100000000004,Usage,AmazonEC2,BoxUsage,RunInstances,3,3,Amazon Elastic Compute Cloud,3,USD
AWS,123456789012,2026-11-01T00:00:00Z,100000000005,Usage,AmazonEC2,BoxUsage,RunInstances,6,6,Amazon Elastic Compute Cloud,6,USD
AWS,123456789012,2026-11-01T00:00:00Z,100000000006,Usage,AmazonS3,Storage,Put,7,7,Amazon Simple Storage Service,7,USD
`

const (
	ec2 = "Amazon Elastic Compute Cloud"
	s3  = "Amazon Simple Storage Service"
	bcm = "AWSBillingConductor" // the product of custom line items
)

// compareEnv is the live payer of the comparison tests: the CUR imported,
// and
//
//	alpha  accounts 1, 2  plan "ten"    (GLOBAL MARKUP 10)
//	beta   account 3      plan "twenty" (GLOBAL MARKUP 20)
//	gamma  account 4      plan "ten"
//	epsilon account 6     plan "twenty"
//
// and a scenario in which the markup of "ten" is 15, account 2 moved from
// alpha to beta, beta has a flat fee of 5, gamma is deleted and delta
// (account 5, plan "twenty") created; epsilon is left as it is.
type compareEnv struct {
	live, inside *conductor.Service
	blobs        *storetest.BlobCounter // the Manager's store
	m            *scenario.Manager
	sc           scenario.Scenario
	groups       map[string]string // name → ARN
}

func newCompareEnv(t *testing.T) *compareEnv {
	t.Helper()
	store, svc, clock := live(t)
	engine := usage.NewEngineWithCache(0) // nothing cached: every pricing reads its accounts' blobs
	svc.SetUsageEngine(engine)
	path := filepath.Join(t.TempDir(), "november.csv")
	if err := os.WriteFile(path, []byte(compareCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (&usage.Importer{Service: svc, Store: store}).Import(ctx, path); err != nil {
		t.Fatal(err)
	}
	must := func(arn string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return arn
	}
	markup := func(name string, pct float64) (string, string) {
		rule := must(svc.CreatePricingRule(ctx, payer, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
			Name: name, Scope: "GLOBAL", Type: "MARKUP", ModifierPercentage: &pct}}))
		return rule, must(svc.CreatePricingPlan(ctx, payer, conductor.CreatePricingPlanInput{Name: name, PricingRuleARNs: []string{rule}}))
	}
	tenRule, ten := markup("ten", 10)
	_, twenty := markup("twenty", 20)
	e := &compareEnv{live: svc, groups: map[string]string{}}
	group := func(s *conductor.Service, name, plan string, accounts ...string) {
		e.groups[name] = must(s.CreateBillingGroup(ctx, payer, conductor.CreateBillingGroupInput{Name: name,
			PrimaryAccountID: accounts[0], PricingPlanARN: plan, LinkedAccountIDs: accounts}))
	}
	group(svc, "alpha", ten, "100000000001", "100000000002")
	group(svc, "beta", twenty, "100000000003")
	group(svc, "gamma", ten, "100000000004")
	group(svc, "epsilon", twenty, "100000000006")

	e.blobs = &storetest.BlobCounter{Store: store}
	e.m = scenario.NewManager(e.blobs, clock, engine, usage.SharedKinds)
	var err error
	if e.sc, err = e.m.Create(ctx, payer, "what-if", ""); err != nil {
		t.Fatal(err)
	}
	in := e.m.Service(e.sc)
	e.inside = in
	fifteen := 15.0
	if _, err := in.UpdatePricingRule(ctx, payer, conductor.UpdatePricingRuleInput{ARN: tenRule, ModifierPercentage: &fifteen}); err != nil {
		t.Fatal(err)
	}
	must(in.DisassociateAccounts(ctx, payer, e.groups["alpha"], []string{"100000000002"}))
	must(in.AssociateAccounts(ctx, payer, e.groups["beta"], []string{"100000000002"}))
	fee := 5.0
	must(in.CreateCustomLineItem(ctx, payer, conductor.CreateCustomLineItemInput{Name: "support", BillingGroupARN: e.groups["beta"],
		Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &fee}}))
	must(in.DeleteBillingGroup(ctx, payer, e.groups["gamma"]))
	group(in, "delta", twenty, "100000000005")
	return e
}

// side and cols build expected figures.
func side(aws, proforma, margin string) *scenario.Side {
	return &scenario.Side{AWSCost: aws, ProformaCost: proforma, Margin: margin}
}

func cols(aws string, live, draft *scenario.Side, change string) scenario.Columns {
	return scenario.Columns{AWSCost: aws, Live: live, Scenario: draft, ProformaCostChange: change}
}

// Compare matches a calculation from the raw CUR, group by group:
//
//	alpha  live      1, 2 at 10 %: AWS 10 + 2 + 4 = 16, pro forma 17.6
//	       scenario  1 at 15 %:    AWS 12, pro forma 13.8; change −3.8
//	beta   live      3 at 20 %:    AWS 1, pro forma 1.2
//	       scenario  2, 3 at 20 % + fee 5: AWS 5, pro forma 4.8 + 1.2 + 5 = 11; change 9.8
//	gamma  live only 4 at 10 %:    AWS 3, pro forma 3.3; change −3.3
//	delta  scenario only, 5 at 20 %: AWS 6, pro forma 7.2; change 7.2
//	epsilon both, unchanged, 6 at 20 %: AWS 7, pro forma 8.4; change 0
//
// Totals: live AWS 27, pro forma 30.5; scenario AWS 30, pro forma 40.4;
// change 9.9; own AWSCost 12 + 5 + 3 + 6 + 7 = 33.
func TestCompare(t *testing.T) {
	e := newCompareEnv(t)
	got, err := e.m.Compare(ctx, payer, e.sc.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	want := &scenario.Comparison{BillingPeriod: "2026-11", BillingGroups: e.ordered([]scenario.GroupComparison{
		{Arn: e.groups["alpha"], Name: "alpha", Columns: cols("12", side("16", "17.6", "1.6"), side("12", "13.8", "1.8"), "-3.8")},
		{Arn: e.groups["beta"], Name: "beta", Columns: cols("5", side("1", "1.2", "0.2"), side("5", "11", "6"), "9.8")},
		{Arn: e.groups["gamma"], Name: "gamma", Columns: cols("3", side("3", "3.3", "0.3"), nil, "-3.3")},
		{Arn: e.groups["delta"], Name: "delta", Columns: cols("6", nil, side("6", "7.2", "1.2"), "7.2")},
		{Arn: e.groups["epsilon"], Name: "epsilon", Columns: cols("7", side("7", "8.4", "1.4"), side("7", "8.4", "1.4"), "0")},
	}), Total: cols("33", side("27", "30.5", "3.5"), side("30", "40.4", "10.4"), "9.9")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Compare (-want +got):\n%s", diff)
	}
	e.checkColumns(t, got)
	// The live side needs the blobs of accounts 1, 2, 3, 4 and 6; the
	// scenario side those of the groups it changed only: alpha (1), beta
	// (2, 3), delta (5) — epsilon is not priced again. Both sides are
	// priced in one engine call, which reads each account once.
	before := e.blobs.Reads()
	if _, err := e.m.Compare(ctx, payer, e.sc.ID, false); err != nil {
		t.Fatal(err)
	}
	if read := e.blobs.Reads() - before; read != 6 {
		t.Errorf("Compare read %d blobs, want 6", read)
	}
	if _, err := e.m.Compare(ctx, conductor.Caller{Account: "210987654321"}, e.sc.ID, false); !isNotFound(err) {
		t.Errorf("another payer's Compare: %v, want not found", err)
	}
}

// By service, each group's row is broken down by product (custom line
// items are AWSBillingConductor), products by name.
func TestCompareByService(t *testing.T) {
	e := newCompareEnv(t)
	got, err := e.m.Compare(ctx, payer, e.sc.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	services := map[string][]scenario.ServiceComparison{
		// alpha: EC2 live 10 + 4 → 15.4, scenario 10 → 11.5; S3 2 → 2.2, 2 → 2.3.
		"alpha": {
			{ProductName: ec2, Columns: cols("10", side("14", "15.4", "1.4"), side("10", "11.5", "1.5"), "-3.9")},
			{ProductName: s3, Columns: cols("2", side("2", "2.2", "0.2"), side("2", "2.3", "0.3"), "0.1")},
		},
		// beta: the fee and account 2's EC2 in the scenario only.
		"beta": {
			{ProductName: bcm, Columns: cols("0", nil, side("0", "5", "5"), "5")},
			{ProductName: ec2, Columns: cols("4", nil, side("4", "4.8", "0.8"), "4.8")},
			{ProductName: s3, Columns: cols("1", side("1", "1.2", "0.2"), side("1", "1.2", "0.2"), "0")},
		},
		"gamma":   {{ProductName: ec2, Columns: cols("3", side("3", "3.3", "0.3"), nil, "-3.3")}},
		"delta":   {{ProductName: ec2, Columns: cols("6", nil, side("6", "7.2", "1.2"), "7.2")}},
		"epsilon": {{ProductName: s3, Columns: cols("7", side("7", "8.4", "1.4"), side("7", "8.4", "1.4"), "0")}},
	}
	if len(got.BillingGroups) != 5 {
		t.Fatalf("%d groups", len(got.BillingGroups))
	}
	for _, g := range got.BillingGroups {
		if diff := cmp.Diff(services[g.Name], g.Services); diff != "" {
			t.Errorf("%s by service (-want +got):\n%s", g.Name, diff)
		}
	}
	if got.Total.ProformaCostChange != "9.9" || got.Total.AWSCost != "33" {
		t.Errorf("total by service: %+v", got.Total)
	}
	e.checkColumns(t, got)
	// The JSON keys are the contract.
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`{"BillingPeriod":"2026-11","BillingGroups":[{"Arn":`, `"Services":[{"ProductName":"`,
		`"Total":{"AWSCost":"33","Live":{"AWSCost":"27","ProformaCost":"30.5","Margin":"3.5"},"Scenario":{"AWSCost":"30","ProformaCost":"40.4","Margin":"10.4"},"ProformaCostChange":"9.9"}}`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s:\n%s", key, data)
		}
	}
	if strings.Contains(string(data), `"Live":null`) || strings.Contains(string(data), `"Scenario":null`) {
		t.Errorf("an absent side is in the JSON:\n%s", data)
	}
}

// ordered sorts rows by ARN, Compare's order.
func (e *compareEnv) ordered(rows []scenario.GroupComparison) []scenario.GroupComparison {
	slices.SortFunc(rows, func(a, b scenario.GroupComparison) int { return strings.Compare(a.Arn, b.Arn) })
	return rows
}

// checkColumns checks Compare's columns against the cost report
// operations: Live against live ListBillingGroupCostReports, Scenario
// against the scenario's GetBillingGroupCostReport (by product with
// Services), and that no group is missing from either.
func (e *compareEnv) checkColumns(t *testing.T, got *scenario.Comparison) {
	t.Helper()
	var live []conductor.CostReport
	in := conductor.ListBillingGroupCostReportsInput{BillingPeriod: "2026-11", Page: conductor.Page{MaxResults: 1}}
	for {
		page, next, err := e.live.ListBillingGroupCostReports(ctx, payer, in)
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, page...)
		if in.NextToken = next; next == "" {
			break
		}
	}
	var liveRows []string
	for _, g := range got.BillingGroups {
		if g.Live != nil {
			liveRows = append(liveRows, g.Arn+" "+g.Live.AWSCost+" "+g.Live.ProformaCost+" "+g.Live.Margin)
		}
	}
	var wantLive []string
	for _, r := range live {
		wantLive = append(wantLive, r.BillingGroupARN+" "+r.AWSCost.String()+" "+r.ProformaCost.String()+" "+r.Margin().String())
	}
	if !slices.Equal(liveRows, wantLive) {
		t.Errorf("Live column:\n%s\nListBillingGroupCostReports:\n%s", strings.Join(liveRows, "\n"), strings.Join(wantLive, "\n"))
	}
	scenarioGroups := 0
	for _, g := range got.BillingGroups {
		if g.Scenario == nil {
			continue
		}
		scenarioGroups++
		rs, _, err := e.inside.GetBillingGroupCostReport(ctx, payer, conductor.GetBillingGroupCostReportInput{ARN: g.Arn})
		if err != nil || len(rs) != 1 {
			t.Fatalf("scenario's GetBillingGroupCostReport %s: %v %v", g.Arn, rs, err)
		}
		if want := side(rs[0].AWSCost.String(), rs[0].ProformaCost.String(), rs[0].Margin().String()); *want != *g.Scenario {
			t.Errorf("%s Scenario column %+v, GetBillingGroupCostReport %+v", g.Name, *g.Scenario, *want)
		}
		if g.Services == nil {
			continue
		}
		rs, _, err = e.inside.GetBillingGroupCostReport(ctx, payer, conductor.GetBillingGroupCostReportInput{ARN: g.Arn, GroupBy: []string{"PRODUCT_NAME"}})
		if err != nil {
			t.Fatal(err)
		}
		var products []string
		for _, s := range g.Services {
			if s.Scenario != nil {
				products = append(products, s.ProductName+" "+s.Scenario.AWSCost+" "+s.Scenario.ProformaCost)
			}
		}
		var want []string
		for _, r := range rs {
			want = append(want, r.Attributes[0].Value+" "+r.AWSCost.String()+" "+r.ProformaCost.String())
		}
		slices.Sort(want)
		if !slices.Equal(products, want) {
			t.Errorf("%s Scenario by service:\n%s\nGetBillingGroupCostReport by PRODUCT_NAME:\n%s", g.Name, strings.Join(products, "\n"), strings.Join(want, "\n"))
		}
	}
	groups, _, err := e.inside.ListBillingGroups(ctx, payer, conductor.ListBillingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != scenarioGroups {
		t.Errorf("the scenario has %d groups, its column %d", len(groups), scenarioGroups)
	}
}
