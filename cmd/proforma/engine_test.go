package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

// engineCUR is an October 2026 CUR of two demo accounts. With account
// 100000000001 in a group priced GLOBAL MARKUP 10 plus a FLAT FEE of 5:
// EC2 public 0.104 → 0.1144, S3 public 2.3 → 2.53, Tax and Credit left
// out: ProformaCost 2.6444 + 5 = 7.6444, AWSCost 0.104 + 2.3 − 1 = 1.404.
const engineCUR = `identity/LineItemId,bill/InvoiceId,bill/BillingEntity,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,lineItem/BlendedCost,product/ProductName,pricing/publicOnDemandCost,pricing/publicOnDemandRate
a,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000001,Usage,AmazonEC2,BoxUsage:t3.micro,RunInstances,10,USD,0.0104,0.104,0.104,Amazon Elastic Compute Cloud,0.104,0.0104
b,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000001,Usage,AmazonS3,TimedStorage-ByteHrs,StandardStorage,100,USD,0.023,2.3,2.3,Amazon Simple Storage Service,2.3,0.023
c,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000001,Tax,AmazonEC2,,,0,USD,,0.25,0.25,Amazon Elastic Compute Cloud,,
d,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000001,Credit,AmazonEC2,,,0,USD,,-1,-1,Amazon Elastic Compute Cloud,,
e,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000002,Usage,AmazonEC2,BoxUsage:t3.micro,RunInstances,1,USD,0.0104,0.0104,0.0104,Amazon Elastic Compute Cloud,0.0104,0.0104
`

// TestEngineCommands imports a CUR with `proforma import`, prices a group
// through the API, then reads it back with `proforma report` and `proforma
// export` on the same data directory.
func TestEngineCommands(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(file, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runProforma(t, "import", "--data", data, file)
	if !strings.Contains(out, "billing period 2026-10 of payer 123456789012: 5 lines") {
		t.Errorf("import output:\n%s", out)
	}
	p := startProforma(t, data, "--now", "2026-10-15")
	groupARN := createMarkupGroup(t, p.URL)
	c := newClient(p.URL, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	got, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &groupARN})
	if err != nil {
		t.Fatal(err)
	}
	r := got.BillingGroupCostReportResults[0]
	if *r.AWSCost != "1.404" || *r.ProformaCost != "7.6444" || *r.Margin != "6.2404" {
		t.Errorf("cost report = aws %s, pro forma %s, margin %s; want 1.404, 7.6444, 6.2404", *r.AWSCost, *r.ProformaCost, *r.Margin)
	}
	p.Stop()

	var reports []struct{ BillingGroupArn, Name, AwsCost, ProformaCost, Margin string }
	if err := json.Unmarshal([]byte(runProforma(t, "report", "--data", data, "--format", "json")), &reports); err != nil {
		t.Fatal(err)
	}
	want := []struct{ BillingGroupArn, Name, AwsCost, ProformaCost, Margin string }{{groupARN, "resold", "1.404", "7.6444", "6.2404"}}
	if diff := cmp.Diff(want, reports); diff != "" {
		t.Errorf("report --format json (-want +got):\n%s", diff)
	}
	if table := runProforma(t, "report", "--data", data, "--by-service"); !strings.Contains(table, "Amazon Simple Storage Service") ||
		!strings.Contains(table, "AWSBillingConductor") {
		t.Errorf("report --by-service:\n%s", table)
	}
	exported := filepath.Join(dir, "proforma.csv")
	runProforma(t, "export", "--data", data, "--billing-group", "resold", "--out", exported)
	checkExport(t, exported)
}

// checkExport checks the pro forma CUR of the group: the group's account
// only, Tax and Credit left out, costs replaced, no invoice, the item last.
func checkExport(t *testing.T, path string) {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range rows[1:] { // id, invoice, account, type, product code, unblended, blended, rate
		got = append(got, []string{r[0], r[1], r[5], r[6], r[7], r[13], r[14], r[12]})
	}
	// The item's line has a line item ID of its own (derived from its
	// random item ID) and the rate cost ÷ usage (1).
	if id := got[len(got)-1][0]; !regexp.MustCompile(`^[a-z2-7]{52}$`).MatchString(id) {
		t.Errorf("item line ID %q: want 52 base32 characters", id)
	}
	got[len(got)-1][0] = "(item)"
	want := [][]string{
		{"a", "", "100000000001", "Usage", "AmazonEC2", "0.1144", "0.1144", "0.01144"},
		{"b", "", "100000000001", "Usage", "AmazonS3", "2.53", "2.53", "0.0253"},
		{"(item)", "", "100000000001", "Fee", "AWSBillingConductor", "5", "5", "5"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exported rows (-want +got):\n%s", diff)
	}
	if !slicesEqual(rows[0], strings.Split(strings.SplitN(engineCUR, "\n", 2)[0], ",")) {
		t.Errorf("exported header = %v, want the input's", rows[0])
	}
}

func slicesEqual(a, b []string) bool { return cmp.Equal(a, b) }

// createMarkupGroup creates the group "resold" of 100000000001 with a
// GLOBAL MARKUP 10 plan and a FLAT FEE of 5.
func createMarkupGroup(t *testing.T, url string) string {
	t.Helper()
	c := newClient(url, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	rule, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("markup"),
		Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(10)})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("resale"), PricingRuleArns: []string{*rule.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	group, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String("resold"),
		PrimaryAccountId:      aws.String("100000000001"),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{"100000000001"}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{Name: aws.String("support"), Description: aws.String("support fee"),
		BillingGroupArn: group.Arn, ChargeDetails: &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee,
			Flat: &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(5)}}})
	if err != nil {
		t.Fatal(err)
	}
	return *group.Arn
}

// runProforma runs a proforma command and returns its standard output,
// failing the test when it fails.
func runProforma(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(proformaBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("proforma %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestUsageUploadRefusesBadFiles uploads a malformed CUR to the admin
// endpoint: 400 naming the file, line and column, and nothing imported.
func TestUsageUploadRefusesBadFiles(t *testing.T) {
	p := startProforma(t, t.TempDir(), "--now", "2026-10-15")
	bad := strings.Replace(engineCUR, ",0.104,0.104,Amazon", ",1O4,0.104,Amazon", 1)
	resp, err := http.Post(p.URL+"/_proforma/usage?name=october.csv", "text/csv", strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body.Error, "october.csv:2: column lineItem/UnblendedCost") {
		t.Errorf("upload of a bad file: %d %q; want 400 naming october.csv:2 and lineItem/UnblendedCost", resp.StatusCode, body.Error)
	}
	resp, err = http.Post(p.URL+"/_proforma/usage?name=october.csv", "text/csv", strings.NewReader(engineCUR))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Payer   string
		Periods []struct {
			BillingPeriod string
			Lines         int
		}
	}
	json.NewDecoder(resp.Body).Decode(&sum)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || sum.Payer != "123456789012" || len(sum.Periods) != 1 || sum.Periods[0].Lines != 5 {
		t.Errorf("upload of a good file: %d %+v", resp.StatusCode, sum)
	}
}
