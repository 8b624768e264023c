package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/shopspring/decimal"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/proforma-dev/proforma/internal/usage"
)

// TestSampleExportEndpoint uploads each sample CUR to a server, prices all
// its accounts in a group (GLOBAL MARKUP 7.5, a flat fee of 12.34, a 3%
// credit) with the SDK, and downloads the group's Parquet and FOCUS
// exports: their unblended cost and BilledCost sum to one exact decimal,
// which rounded as the API rounds (10 places, half-even) is the SDK's
// GetBillingGroupCostReport ProformaCost; the FOCUS file has every FOCUS
// 1.2 Mandatory column, non-null where FOCUS requires.
func TestSampleExportEndpoint(t *testing.T) {
	for _, name := range []string{"Nov2018-WorkshopCUR-00001.snappy.parquet", "sample-anonymous-aws-export-dataset.csv",
		"ha-project-CUR-daily-1-00001.csv"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := curSample(t, name)
			p := startProforma(t, t.TempDir(), "--now", "2026-10-15")
			status, sum := importAdmin(t, p.URL, path, "")
			if status != http.StatusOK {
				t.Fatalf("import: %d %v", status, sum)
			}
			payer := sum["payer"].(string)
			period := sum["periods"].([]any)[0].(map[string]any)["billingPeriod"].(string)
			setClock(t, p.URL, period+"-15T00:00:00Z")
			arn := createSampleGroup(t, p.URL, payer)
			want := sampleProformaCost(t, p.URL, payer, arn, period)
			q := url.Values{"billingGroup": {arn}, "period": {period}, "payer": {payer}}
			totals := map[string]decimal.Decimal{}
			for format, column := range map[string]string{"parquet": "line_item_unblended_cost", "focus": "BilledCost"} {
				q.Set("format", format)
				r := getExport(t, p.URL, q.Encode(), "", "")
				if r.status != http.StatusOK {
					t.Fatalf("export %s: %d %s", format, r.status, r.body)
				}
				names, costs := parquetColumn(t, r.body, column)
				totals[format] = sumOf(t, costs)
				if format == "focus" {
					checkFOCUSFile(t, r.body, names)
				}
			}
			t.Logf("%s %s: ProformaCost %s; parquet %s, focus %s", name, period, want, totals["parquet"], totals["focus"])
			if !totals["parquet"].Equal(totals["focus"]) || pricing.Format(totals["focus"]) != want {
				t.Errorf("Parquet sums to %s, FOCUS to %s; want both %s rounded to 10 places", totals["parquet"], totals["focus"], want)
			}
		})
	}
}

// checkFOCUSFile checks that a FOCUS export has every FOCUS 1.2 Mandatory
// column, non-null except where FOCUS allows nulls.
func checkFOCUSFile(t *testing.T, data []byte, names []string) {
	t.Helper()
	nullable := []string{"BillingAccountName", "ChargeClass", "ChargeDescription", "PricingQuantity", "PricingUnit"}
	var required []string
	for _, c := range usage.FOCUSMandatory {
		switch {
		case !slices.Contains(names, c):
			t.Errorf("FOCUS column %s missing", c)
		case !slices.Contains(nullable, c):
			required = append(required, c)
		}
	}
	nulls := map[string]bool{}
	curtest.ScanParquet(t, data, required, func(column string, _ int, c curtest.ParquetCell) {
		if c.Null && !nulls[column] {
			nulls[column] = true
			t.Errorf("FOCUS column %s has nulls", column)
		}
	})
}

// setClock pins the server's clock.
func setClock(t *testing.T, base, now string) {
	t.Helper()
	status, _, body := adminRequest{method: "POST", path: "/_proforma/clock", body: `{"now":"` + now + `"}`}.send(t, base)
	if status != http.StatusOK {
		t.Fatalf("pin the clock at %s: %d %s", now, status, body)
	}
}

// createSampleGroup groups all the payer's accounts under a new primary
// account, priced GLOBAL MARKUP 7.5, with a flat fee of 12.34 and a 3%
// credit on the group.
func createSampleGroup(t *testing.T, base, payer string) string {
	t.Helper()
	const primary = "100000000777" // the management account cannot be a group's primary
	joinAccount(t, base, payer, primary)
	var org struct{ Accounts []struct{ ID string } }
	if err := json.Unmarshal([]byte(adminGet(t, base+"/_proforma/accounts?payer="+payer)), &org); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range org.Accounts {
		ids = append(ids, a.ID)
	}
	c := newClient(base, payer)
	ctx, cancel := callCtx()
	defer cancel()
	rule, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("markup"),
		Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(7.5)})
	must(t, err)
	plan, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("resale"), PricingRuleArns: []string{*rule.Arn}})
	must(t, err)
	group, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String("all"), PrimaryAccountId: aws.String(primary),
		AccountGrouping: &types.AccountGrouping{LinkedAccountIds: ids}, ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn}})
	must(t, err)
	createItem(ctx, t, c, *group.Arn, "fee", &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee,
		Flat: &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(12.34)}})
	createItem(ctx, t, c, *group.Arn, "credit", &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeCredit,
		Percentage: &types.CustomLineItemPercentageChargeDetails{PercentageValue: aws.Float64(3), AssociatedValues: []string{*group.Arn}}})
	return *group.Arn
}

func createItem(ctx context.Context, t *testing.T, c *bc.Client, group, name string, charge *types.CustomLineItemChargeDetails) {
	t.Helper()
	_, err := c.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{Name: aws.String(name), Description: aws.String(name),
		BillingGroupArn: aws.String(group), ChargeDetails: charge})
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sampleProformaCost is the group's ProformaCost for the period, from the SDK.
func sampleProformaCost(t *testing.T, base, payer, arn, period string) string {
	t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	p, ok := conductor.ParsePeriod(period)
	if !ok {
		t.Fatalf("period %q", period)
	}
	end := string(p.Next())
	out, err := newClient(base, payer).GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &arn,
		BillingPeriodRange: &types.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String(period), ExclusiveEndBillingPeriod: aws.String(end)}})
	must(t, err)
	return aws.ToString(out.BillingGroupCostReportResults[0].ProformaCost)
}
