package main

// The Proforma side: the real binary built from ./cmd/proforma, run as
// child processes — `import`, `serve` (to build the billing group through
// the AWS SDK and read its cost report), and `export`.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	bctypes "github.com/aws/aws-sdk-go-v2/service/billingconductor/types"

	"github.com/proforma-dev/proforma/internal/harness"
)

// sample is one sample CUR and the billing group built over it.
type sample struct {
	File     string   // name in the samples folder
	Payer    string   // management account of the file
	Period   string   // its billing period, YYYY-MM
	Accounts []string // the group's accounts; the first is the primary
	Join     []string // accounts without usage to add to the organization first
}

// samples are the sample CURs of /work/shared/data/cur (see its SOURCES.md).
// The management account cannot be a group's primary account: where it is
// the file's only account, a joined account is the primary.
var samples = []sample{
	{File: "Nov2018-WorkshopCUR-00001.snappy.parquet", Payer: "836060457634", Period: "2018-11",
		Accounts: []string{"011254002932", "836060457634"}},
	{File: "sample-anonymous-aws-export-dataset.csv", Payer: "123412340534", Period: "2023-11",
		Accounts: []string{"990000000031", "123412340534"}, Join: []string{"990000000031"}},
	{File: "ha-project-CUR-daily-1-00001.csv", Payer: "147303435917", Period: "2026-04",
		Accounts: []string{"990000000032", "147303435917"}, Join: []string{"990000000032"}},
}

// The group every sample gets: a GLOBAL MARKUP rule and a flat FEE.
const (
	groupName     = "exports-check"
	markupPercent = 7.5
	feeAmount     = 12.34
)

// hasExportFormat reports whether `proforma export` has a -format flag.
func hasExportFormat(bin string) bool {
	var out bytes.Buffer
	cmd := exec.Command(bin, "export", "-h")
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // -h exits non-zero
	return strings.Contains(out.String(), "-format")
}

// runProforma runs the binary to completion and returns its standard
// output; a failure carries the tail of its standard error.
func runProforma(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("proforma %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String(), 3000))
	}
	return stdout.String(), nil
}

// importSample runs `proforma import` of the file into data and checks that
// it loaded the sample's payer and period.
func importSample(bin, data, file string, s sample) error {
	out, err := runProforma(bin, "import", "--data", data, "--quiet", file)
	if err != nil {
		return err
	}
	if want := fmt.Sprintf("billing period %s of payer %s", s.Period, s.Payer); !strings.Contains(out, want) {
		return fmt.Errorf("proforma import: output does not mention %q:\n%s", want, out)
	}
	return nil
}

// buildGroup joins the sample's extra accounts, creates the markup rule,
// the plan, the group and its fee through the AWS SDK, and returns the
// group's ARN and its ProformaCost for the period as the API writes it.
func buildGroup(ctx context.Context, url string, s sample) (arn, proforma string, err error) {
	for _, id := range s.Join {
		if err := joinAccount(ctx, url, s.Payer, id); err != nil {
			return "", "", err
		}
	}
	c := harness.NewClient(url, s.Payer)
	rule, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String(groupName + "-markup"),
		Scope: bctypes.PricingRuleScopeGlobal, Type: bctypes.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(markupPercent)})
	if err != nil {
		return "", "", fmt.Errorf("CreatePricingRule: %w", err)
	}
	plan, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(groupName + "-plan"), PricingRuleArns: []string{*rule.Arn}})
	if err != nil {
		return "", "", fmt.Errorf("CreatePricingPlan: %w", err)
	}
	group, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String(groupName),
		PrimaryAccountId:      aws.String(s.Accounts[0]),
		AccountGrouping:       &bctypes.AccountGrouping{LinkedAccountIds: s.Accounts},
		ComputationPreference: &bctypes.ComputationPreference{PricingPlanArn: plan.Arn}})
	if err != nil {
		return "", "", fmt.Errorf("CreateBillingGroup: %w", err)
	}
	_, err = c.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{Name: aws.String(groupName + "-fee"),
		Description: aws.String("flat fee of bench/exports"), BillingGroupArn: group.Arn,
		ChargeDetails: &bctypes.CustomLineItemChargeDetails{Type: bctypes.CustomLineItemTypeFee,
			Flat: &bctypes.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(feeAmount)}}})
	if err != nil {
		return "", "", fmt.Errorf("CreateCustomLineItem: %w", err)
	}
	proforma, err = groupProformaCost(ctx, c, *group.Arn, s.Period)
	return *group.Arn, proforma, err
}

// groupProformaCost is the group's ProformaCost for the period, from
// GetBillingGroupCostReport without GroupBy (one result).
func groupProformaCost(ctx context.Context, c *bc.Client, arn, period string) (string, error) {
	start, err := time.Parse("2006-01", period)
	if err != nil {
		return "", err
	}
	out, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: aws.String(arn),
		BillingPeriodRange: &bctypes.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String(period),
			ExclusiveEndBillingPeriod: aws.String(start.AddDate(0, 1, 0).Format("2006-01"))}})
	if err != nil {
		return "", fmt.Errorf("GetBillingGroupCostReport: %w", err)
	}
	if n := len(out.BillingGroupCostReportResults); n != 1 {
		return "", fmt.Errorf("GetBillingGroupCostReport: %d results, want 1", n)
	}
	cost := aws.ToString(out.BillingGroupCostReportResults[0].ProformaCost)
	if cost == "" {
		return "", fmt.Errorf("GetBillingGroupCostReport: no ProformaCost")
	}
	return cost, nil
}

// joinAccount adds an account without usage to the payer's organization
// (admin endpoint POST /_proforma/accounts).
func joinAccount(ctx context.Context, url, payer, id string) error {
	body, _ := json.Marshal(map[string]string{"payer": payer, "id": id, "name": "bench/exports " + id, "email": id + "@example.com"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/_proforma/accounts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("join account %s to %s: %s %s", id, payer, resp.Status, raw)
	}
	return nil
}

// exportGroup runs `proforma export --format format` of the group to out.
func exportGroup(bin, data, format, out string, s sample) error {
	_, err := runProforma(bin, "export", "--data", data, "--payer", s.Payer, "--period", s.Period,
		"--billing-group", groupName, "--format", format, "--out", out)
	return err
}
