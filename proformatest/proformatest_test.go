package proformatest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/proforma-dev/proforma/proformatest"
)

// cur is an October 2026 CUR of demo account 100000000001: EC2 0.104 and
// S3 2.3 at public prices.
const cur = `identity/LineItemId,bill/InvoiceId,bill/BillingEntity,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,lineItem/BlendedCost,product/ProductName,pricing/publicOnDemandCost,pricing/publicOnDemandRate
a,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000001,Usage,AmazonEC2,BoxUsage:t3.micro,RunInstances,10,USD,0.0104,0.104,0.104,Amazon Elastic Compute Cloud,0.104,0.0104
b,INV-1,AWS,123456789012,2026-10-01T00:00:00Z,100000000001,Usage,AmazonS3,TimedStorage-ByteHrs,StandardStorage,100,USD,0.023,2.3,2.3,Amazon Simple Storage Service,2.3,0.023
`

var october = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

// markupSeed is a 10% markup plan and a group of account 100000000001
// priced by it, the plan's ARN given by reference.
var markupSeed = []proformatest.Change{
	{Operation: "CreatePricingRule", Ref: "ref:markup", Input: &bc.CreatePricingRuleInput{Name: aws.String("markup"),
		Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(10)}},
	{Operation: "CreatePricingPlan", Ref: "ref:resale", Input: map[string]any{"Name": "resale", "PricingRuleArns": []string{"ref:markup"}}},
	{Operation: "CreateBillingGroup", Input: &bc.CreateBillingGroupInput{Name: aws.String("resold"),
		PrimaryAccountId:      aws.String("100000000001"),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{"100000000001"}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String("ref:resale")}}},
}

func TestCreateAndListWithTheSDK(t *testing.T) {
	t.Parallel()
	srv := proformatest.NewServer(t, proformatest.WithClock(october))
	ctx := t.Context()
	client := bc.NewFromConfig(srv.Config)
	plan, err := client.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("empty")})
	if err != nil {
		t.Fatal(err)
	}
	created, err := client.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String("team"),
		PrimaryAccountId:      aws.String("100000000003"),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{"100000000003"}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.BillingGroups) != 1 || *list.BillingGroups[0].Arn != *created.Arn {
		t.Fatalf("listed %+v, want the group created", list.BillingGroups)
	}
	if got := time.Unix(list.BillingGroups[0].CreationTime, 0).UTC(); !got.Equal(october) {
		t.Errorf("created at %v, want the pinned %v", got, october)
	}
	if !strings.HasPrefix(*created.Arn, "arn:aws:billingconductor::"+srv.Payer+":billinggroup/") {
		t.Errorf("ARN %s", *created.Arn)
	}

	id, err := sts.NewFromConfig(srv.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != srv.Payer {
		t.Fatalf("GetCallerIdentity: %v %v", id, err)
	}
	resources, err := cloudcontrol.NewFromConfig(srv.Config).ListResources(ctx,
		&cloudcontrol.ListResourcesInput{TypeName: aws.String("AWS::BillingConductor::BillingGroup")})
	if err != nil || len(resources.ResourceDescriptions) != 1 || *resources.ResourceDescriptions[0].Identifier != *created.Arn {
		t.Fatalf("Cloud Control ListResources: %+v %v", resources, err)
	}

	srv.SetClock(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	plan2, err := client.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("later")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.ListPricingPlans(ctx, &bc.ListPricingPlansInput{Filters: &types.ListPricingPlansFilter{Arns: []string{*plan2.Arn}}})
	if err != nil || len(got.PricingPlans) != 1 || got.BillingPeriod == nil || *got.BillingPeriod != "2026-11" {
		t.Fatalf("after SetClock: %+v %v", got, err)
	}
}

func TestSeedAndCostReports(t *testing.T) {
	t.Parallel()
	srv := proformatest.NewServer(t, proformatest.WithClock(october), proformatest.WithSeed(markupSeed...))
	ctx := t.Context()
	if err := srv.ImportUsage(ctx, "october.csv", strings.NewReader(cur)); err != nil {
		t.Fatal(err)
	}
	client := bc.NewFromConfig(srv.Config)
	groups, err := client.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil || len(groups.BillingGroups) != 1 {
		t.Fatalf("seeded groups: %+v %v", groups, err)
	}
	report, err := client.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: groups.BillingGroups[0].Arn})
	if err != nil {
		t.Fatal(err)
	}
	r := report.BillingGroupCostReportResults[0]
	if *r.AWSCost != "2.404" || *r.ProformaCost != "2.6444" {
		t.Errorf("costs: AWS %s, pro forma %s; want 2.404 and 2.6444 (a 10%% markup)", *r.AWSCost, *r.ProformaCost)
	}
	if err := srv.ImportUsage(ctx, "notes.csv", strings.NewReader("dear,sir\n1,2\n")); err == nil ||
		!strings.Contains(err.Error(), "400") {
		t.Errorf("importing a file that is no CUR: %v", err)
	}
}

func TestOrganization(t *testing.T) {
	t.Parallel()
	srv := proformatest.NewServer(t, proformatest.WithOrganization(proformatest.Organization{Payers: []proformatest.Payer{
		{ID: "111111111111", Accounts: []proformatest.Account{{ID: "111111111112"}, {ID: "111111111113"}}},
		{ID: "222222222222", Accounts: []proformatest.Account{{ID: "222222222223"}}},
	}}))
	ctx := t.Context()
	if srv.Payer != "111111111111" {
		t.Fatalf("payer %s", srv.Payer)
	}
	client := bc.NewFromConfig(srv.Config)
	if _, err := client.CreateBillingGroup(ctx, groupOf(t, client, "demo", "100000000001")); err == nil {
		t.Error("a demo account joined a group of another organization")
	}
	if _, err := client.CreateBillingGroup(ctx, groupOf(t, client, "ours", "111111111112")); err != nil {
		t.Fatal(err)
	}
	other := bc.NewFromConfig(srv.ConfigFor(t, "222222222222"))
	list, err := other.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil || len(list.BillingGroups) != 0 {
		t.Fatalf("the other payer sees %+v (%v)", list, err)
	}
	if _, err := other.CreateBillingGroup(ctx, groupOf(t, other, "theirs", "222222222223")); err != nil {
		t.Fatal(err)
	}
}

func TestStrictAuth(t *testing.T) {
	t.Parallel()
	srv := proformatest.NewServer(t, proformatest.WithStrictAuth(), proformatest.WithClock(october),
		proformatest.WithSeed(markupSeed...))
	ctx := t.Context()
	if _, err := bc.NewFromConfig(srv.Config).ListBillingGroups(ctx, &bc.ListBillingGroupsInput{}); err != nil {
		t.Fatalf("signed with the payer's credential: %v", err)
	}
	if err := srv.ImportUsage(ctx, "october.csv", strings.NewReader(cur)); err != nil {
		t.Fatalf("a signed upload: %v", err)
	}
	forged := srv.Config.Copy()
	forged.Credentials = credentials.NewStaticCredentialsProvider(srv.Payer, "not-the-secret", "")
	_, err := bc.NewFromConfig(forged).ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
		t.Fatalf("a wrong secret: %v, want 403", err)
	}
}

// TestFailingSeedFailsTheTest: NewServer stops the test with the failing
// change named.
func TestFailingSeedFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		proformatest.NewServer(rec, proformatest.WithSeed(
			proformatest.Change{Operation: "CreatePricingPlan", Input: map[string]any{"Name": "ok"}},
			proformatest.Change{Operation: "CreateBillingGroup", Input: map[string]any{"Name": "bad name!"}}))
	}()
	<-done
	if !strings.Contains(rec.msg, "change 1 (CreateBillingGroup)") {
		t.Errorf("NewServer failed with %q, want the change named", rec.msg)
	}
}

// TestServersAreIndependent: two servers in one test share nothing.
func TestServersAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := proformatest.NewServer(t), proformatest.NewServer(t)
	ctx := t.Context()
	if _, err := bc.NewFromConfig(a.Config).CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("only-a")}); err != nil {
		t.Fatal(err)
	}
	list, err := bc.NewFromConfig(b.Config).ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil || len(list.PricingPlans) != 0 || a.URL == b.URL {
		t.Fatalf("b lists %+v (%v); URLs %s %s", list.PricingPlans, err, a.URL, b.URL)
	}
}

// groupOf creates a plan and returns the input of a group of account
// priced by it.
func groupOf(t *testing.T, client *bc.Client, name, account string) *bc.CreateBillingGroupInput {
	t.Helper()
	plan, err := client.CreatePricingPlan(t.Context(), &bc.CreatePricingPlanInput{Name: aws.String(name + "-plan")})
	if err != nil {
		t.Fatal(err)
	}
	return &bc.CreateBillingGroupInput{Name: aws.String(name), PrimaryAccountId: aws.String(account),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{account}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: plan.Arn}}
}

// fatalRecorder is a testing.TB whose Fatal records the message and ends
// the goroutine, as testing's does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
