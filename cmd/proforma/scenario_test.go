package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// The live and scenario figures of TestScenarioBinary (engineCUR, October
// 2026). Live, group "resold" (100000000001, GLOBAL MARKUP 10, FLAT FEE 5):
// AWSCost 1.404, ProformaCost 7.6444 (see engineCUR). In the scenario a
// SERVICE rule MARKUP 20 on AmazonEC2 joins the plan, 100000000002 (EC2
// 0.0104) moves in and a FLAT FEE of 3 is added: AWSCost 1.404 + 0.0104 =
// 1.4144; ProformaCost EC2 0.104 × 1.2 = 0.1248, S3 2.3 × 1.1 = 2.53,
// 0.0104 × 1.2 = 0.01248, fees 5 + 3: 10.66728; Margin 9.25288.
const (
	scenarioAWSCost      = "1.4144"
	scenarioProformaCost = "10.66728"
	scenarioMargin       = "9.25288"
)

// scenarioJSON is a scenario as the admin endpoints answer it.
type scenarioJSON struct{ Id, Name, BillingPeriod, Endpoint, CreatedAt string }

// changeJSON is one entry of a scenario's change list.
type changeJSON struct {
	Operation string
	Input     json.RawMessage
	Output    json.RawMessage `json:",omitempty"`
}

// asPayer signs admin requests as the demo payer (permissive: the key is
// the account), asOther as the other demo payer.
var (
	asPayer = adminRequest{key: "123456789012", secret: "proforma-test-secret"}
	asOther = adminRequest{key: "210987654321", secret: "proforma-test-secret"}
)

func (a adminRequest) to(method, path, body string) adminRequest {
	a.method, a.path, a.body = method, path, body
	return a
}

func createScenario(t *testing.T, base string, as adminRequest, name string) scenarioJSON {
	t.Helper()
	status, _, body := as.to("POST", "/_proforma/scenarios", `{"Name":"`+name+`"}`).send(t, base)
	var sc scenarioJSON
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &sc) != nil {
		t.Fatalf("POST /_proforma/scenarios: %d %s", status, body)
	}
	return sc
}

func scenarioChanges(t *testing.T, base string, as adminRequest, id string) []changeJSON {
	t.Helper()
	status, _, body := as.to("GET", "/_proforma/scenarios/"+id+"/changes", "").send(t, base)
	var out []changeJSON
	if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
		t.Fatalf("changes of %s: %d %s", id, status, body)
	}
	return out
}

// liveBodies returns the raw JSON bodies of the live list and cost-report
// operations (request IDs are headers, so bodies compare byte for byte).
func liveBodies(t *testing.T, base string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, path := range []string{"/list-billing-groups", "/list-pricing-rules", "/list-pricing-plans", "/list-custom-line-items",
		"/list-billing-group-cost-reports", "/list-account-associations"} {
		status, _, body := asPayer.to("POST", path, "{}").send(t, base)
		if status != http.StatusOK {
			t.Fatalf("live %s: %d %s", path, status, body)
		}
		out[path] = body
	}
	return out
}

// costReport is a group's cost report as "AWSCost ProformaCost Margin".
func costReport(t *testing.T, c *bc.Client, group string) string {
	t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	out, err := c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &group})
	if err != nil {
		t.Fatal(err)
	}
	r := out.BillingGroupCostReportResults[0]
	return aws.ToString(r.AWSCost) + " " + aws.ToString(r.ProformaCost) + " " + aws.ToString(r.Margin)
}

// liveSetup creates, live, the group "resold" of 100000000001 (see
// createMarkupGroup) and the group "other" of 100000000003 and
// 100000000002; it returns both groups' ARNs and resold's plan's.
func liveSetup(t *testing.T, url string) (resold, other, plan string) {
	t.Helper()
	resold = createMarkupGroup(t, url)
	c := newClient(url, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	plans, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil || len(plans.PricingPlans) != 1 {
		t.Fatalf("live plans: %v, %v", plans, err)
	}
	g, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String("other"),
		PrimaryAccountId:      aws.String("100000000003"),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{"100000000003", "100000000002"}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: plans.PricingPlans[0].Arn}})
	if err != nil {
		t.Fatal(err)
	}
	return resold, *g.Arn, *plans.PricingPlans[0].Arn
}

// TestScenarioBinary is issue 17's acceptance through the real binary, the
// Go SDK and boto3 pointed at a scenario's endpoint: the scenario changes
// and prices without touching live, lists its changes, is independent of
// another scenario and invisible to another payer, survives SIGKILL, and
// is gone once deleted.
func TestScenarioBinary(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(file, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, file)
	p := startProforma(t, data, "--now", "2026-10-15")
	resold, other, plan := liveSetup(t, p.URL)
	before := liveBodies(t, p.URL)
	const liveResold = "1.404 7.6444 6.2404"

	sc := createScenario(t, p.URL, asPayer, "markup-12")
	if sc.Name != "markup-12" || sc.BillingPeriod != "2026-10" || sc.Endpoint != p.URL+"/_proforma/scenarios/"+sc.Id {
		t.Errorf("created scenario = %+v", sc)
	}
	twin := createScenario(t, p.URL, asPayer, "untouched")
	rule, item := scenarioMutations(t, sc.Endpoint, resold, other, plan)
	inside := newClient(sc.Endpoint, "123456789012")
	want := scenarioAWSCost + " " + scenarioProformaCost + " " + scenarioMargin
	if got := costReport(t, inside, resold); got != want {
		t.Errorf("scenario cost report of resold = %s, want %s", got, want)
	}
	boto3InScenario(t, sc.Endpoint, rule, resold)

	if diff := cmp.Diff(before, liveBodies(t, p.URL)); diff != "" {
		t.Errorf("live bodies changed by the scenario (-before +after):\n%s", diff)
	}
	if got := costReport(t, newClient(p.URL, "123456789012"), resold); got != liveResold {
		t.Errorf("live cost report = %s, want %s", got, liveResold)
	}
	wantChanges := expectedChanges(rule, item, resold, other, plan)
	if diff := cmp.Diff(wantChanges, scenarioChanges(t, p.URL, asPayer, sc.Id), jsonEqual); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	checkCompare(t, p.URL, sc.Id, resold)

	// A second scenario of the payer is independent.
	if got := costReport(t, newClient(twin.Endpoint, "123456789012"), resold); got != liveResold {
		t.Errorf("the other scenario's cost report = %s, want live's %s", got, liveResold)
	}
	if got := scenarioChanges(t, p.URL, asPayer, twin.Id); len(got) != 0 {
		t.Errorf("the other scenario's changes = %v", got)
	}

	// Another payer sees neither the scenario nor its endpoint.
	for _, path := range []string{"/_proforma/scenarios/" + sc.Id, "/_proforma/scenarios/" + sc.Id + "/changes"} {
		if status, code, body := asOther.to("GET", path, "").send(t, p.URL); status != http.StatusNotFound || code != "ResourceNotFoundException" {
			t.Errorf("GET %s by another payer: %d %s %s", path, status, code, body)
		}
	}
	if status, _, body := asOther.to("GET", "/_proforma/scenarios", "").send(t, p.URL); body != `{"Scenarios":[]}` {
		t.Errorf("another payer's list: %d %s", status, body)
	}
	wantScenarioNotFound(t, newClient(sc.Endpoint, "210987654321"))

	// SIGKILL and restart on the same data: all of it is still there.
	p.Kill()
	p = startProforma(t, data, "--now", "2026-10-15")
	endpoint := p.URL + "/_proforma/scenarios/" + sc.Id
	status, _, body := asPayer.to("GET", "/_proforma/scenarios/"+sc.Id, "").send(t, p.URL)
	var again scenarioJSON
	if json.Unmarshal([]byte(body), &again); status != http.StatusOK || again.Endpoint != endpoint || again.CreatedAt != sc.CreatedAt {
		t.Errorf("scenario after restart: %d %s", status, body)
	}
	if got := costReport(t, newClient(endpoint, "123456789012"), resold); got != want {
		t.Errorf("scenario cost report after restart = %s, want %s", got, want)
	}
	if diff := cmp.Diff(wantChanges, scenarioChanges(t, p.URL, asPayer, sc.Id), jsonEqual); diff != "" {
		t.Errorf("changes after restart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, liveBodies(t, p.URL)); diff != "" {
		t.Errorf("live bodies after restart (-before +after):\n%s", diff)
	}

	// DELETE removes it; its endpoint is then not found.
	if status, _, body := asPayer.to("DELETE", "/_proforma/scenarios/"+sc.Id, "").send(t, p.URL); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	if status, _, _ := asPayer.to("GET", "/_proforma/scenarios/"+sc.Id, "").send(t, p.URL); status != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", status)
	}
	wantScenarioNotFound(t, newClient(endpoint, "123456789012"))
	if diff := cmp.Diff(before, liveBodies(t, p.URL)); diff != "" {
		t.Errorf("live bodies after DELETE (-before +after):\n%s", diff)
	}
	if got := costReport(t, newClient(p.URL+"/_proforma/scenarios/"+twin.Id, "123456789012"), resold); got != liveResold {
		t.Errorf("the other scenario after DELETE = %s", got)
	}
}

// scenarioMutations makes, through the Go SDK at the scenario's endpoint:
// a SERVICE rule associated with the live plan, 100000000002 moved from
// other to resold, and a custom line item on resold.
func scenarioMutations(t *testing.T, endpoint, resold, other, plan string) (rule, item string) {
	t.Helper()
	c := newClient(endpoint, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	r, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("ec2-20"), Scope: types.PricingRuleScopeService,
		Service: aws.String("AmazonEC2"), Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(20)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &plan, PricingRuleArns: []string{*r.Arn}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: &other, AccountIds: []string{"100000000002"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &resold, AccountIds: []string{"100000000002"}}); err != nil {
		t.Fatal(err)
	}
	// A failed call records nothing.
	if _, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &other, AccountIds: []string{"100000000002"}}); err == nil {
		t.Fatal("associating an account of another group succeeded")
	}
	i, err := c.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{Name: aws.String("onboarding"), Description: aws.String("onboarding fee"),
		BillingGroupArn: &resold, ChargeDetails: &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee,
			Flat: &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(3)}}})
	if err != nil {
		t.Fatal(err)
	}
	return *r.Arn, *i.Arn
}

func expectedChanges(rule, item, resold, other, plan string) []changeJSON {
	raw := func(v any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	return []changeJSON{
		{"CreatePricingRule", raw(map[string]any{"Name": "ec2-20", "Scope": "SERVICE", "Service": "AmazonEC2", "Type": "MARKUP",
			"ModifierPercentage": 20}), raw(map[string]string{"Arn": rule})},
		{"AssociatePricingRules", raw(map[string]any{"Arn": plan, "PricingRuleArns": []string{rule}}), nil},
		{"DisassociateAccounts", raw(map[string]any{"Arn": other, "AccountIds": []string{"100000000002"}}), nil},
		{"AssociateAccounts", raw(map[string]any{"Arn": resold, "AccountIds": []string{"100000000002"}}), nil},
		{"CreateCustomLineItem", raw(map[string]any{"Name": "onboarding", "Description": "onboarding fee", "BillingGroupArn": resold,
			"ChargeDetails": map[string]any{"Type": "FEE", "Flat": map[string]any{"ChargeValue": 3}}}), raw(map[string]string{"Arn": item})},
		{"UpdatePricingRule", raw(map[string]any{"Arn": rule, "Description": "from boto3"}), nil},
	}
}

// jsonEqual compares JSON documents by value.
var jsonEqual = cmp.Comparer(func(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && cmp.Equal(x, y)
})

// checkCompare checks that /compare answers, and that its scenario column
// of resold is the scenario's own cost report.
func checkCompare(t *testing.T, base, id, resold string) {
	t.Helper()
	status, _, body := asPayer.to("GET", "/_proforma/scenarios/"+id+"/compare", "").send(t, base)
	var cmpOut struct {
		BillingPeriod string
		BillingGroups []struct {
			Arn      string
			Scenario *struct{ AWSCost, ProformaCost, Margin string }
		}
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &cmpOut) != nil {
		t.Fatalf("compare: %d %s", status, body)
	}
	for _, g := range cmpOut.BillingGroups {
		if g.Arn != resold {
			continue
		}
		if g.Scenario == nil || g.Scenario.AWSCost+" "+g.Scenario.ProformaCost+" "+g.Scenario.Margin !=
			scenarioAWSCost+" "+scenarioProformaCost+" "+scenarioMargin {
			t.Errorf("compare's scenario column of resold: %s", body)
		}
		return
	}
	t.Errorf("compare has no row for resold: %s", body)
}

func wantScenarioNotFound(t *testing.T, c *bc.Client) {
	t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	_, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("ListBillingGroups at the scenario endpoint: %v, want ResourceNotFoundException", err)
	}
}

// boto3InScenario runs testdata/boto3_scenario_endpoint.py against the
// scenario's endpoint, as the subtest "boto3", which skips without python3
// and boto3; then the script's one mutation (UpdatePricingRule) is made
// through the Go SDK instead, so that the rest of the test holds.
func boto3InScenario(t *testing.T, endpoint, rule, group string) {
	t.Helper()
	done := false
	t.Run("boto3", func(t *testing.T) {
		python := boto3Python(t)
		script, err := filepath.Abs(filepath.Join("testdata", "boto3_scenario_endpoint.py"))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, python, script, endpoint, rule, group, scenarioProformaCost)
		cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
			"AWS_EC2_METADATA_DISABLED=true", "PYTHONUNBUFFERED=1")
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("boto3 in the scenario failed (%v):\n%s", err, out)
		}
		t.Logf("boto3 in the scenario:\n%s", out)
		done = true
	})
	if done {
		return
	}
	ctx, cancel := callCtx()
	defer cancel()
	_, err := newClient(endpoint, "123456789012").UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &rule,
		Description: aws.String("from boto3")})
	if err != nil {
		t.Fatal(err)
	}
}

// TestScenarioStrictBinary: in strict mode the scenario endpoints and the
// API under a scenario's endpoint refuse unsigned and badly signed calls
// (403, nothing created or changed), another payer's signature finds no
// scenario, and the payer's own works.
func TestScenarioStrictBinary(t *testing.T) {
	p := startProforma(t, t.TempDir(), "--auth", "strict", "--org", writeOrg(t, strictOrg), "--now", "2026-10-15")
	sc := createScenario(t, p.URL, asPayer, "strict")
	unsigned, badSecret := adminRequest{}, adminRequest{key: "123456789012", secret: "wrong"}
	for _, call := range []struct{ method, path, body string }{
		{"POST", "/_proforma/scenarios", `{"Name":"x"}`},
		{"GET", "/_proforma/scenarios", ""},
		{"GET", "/_proforma/scenarios/" + sc.Id, ""},
		{"GET", "/_proforma/scenarios/" + sc.Id + "/changes", ""},
		{"GET", "/_proforma/scenarios/" + sc.Id + "/compare", ""},
		{"DELETE", "/_proforma/scenarios/" + sc.Id, ""},
		{"POST", "/_proforma/scenarios/" + sc.Id + "/create-pricing-plan", `{"Name":"p"}`},
		{"POST", "/_proforma/scenarios/" + sc.Id + "/list-pricing-plans", `{}`},
	} {
		for name, as := range map[string]adminRequest{"unsigned": unsigned, "bad secret": badSecret} {
			if status, code, body := as.to(call.method, call.path, call.body).send(t, p.URL); status != http.StatusForbidden || code == "" {
				t.Errorf("%s %s %s: %d %s %s, want 403", name, call.method, call.path, status, code, body)
			}
		}
	}
	wantScenarioNotFound(t, newClient(sc.Endpoint, "210987654321"))
	ctx, cancel := callCtx()
	defer cancel()
	if _, err := newClient(sc.Endpoint, "123456789012").CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("p")}); err != nil {
		t.Fatalf("the payer's signed call in its scenario: %v", err)
	}
	status, _, body := asPayer.to("GET", "/_proforma/scenarios", "").send(t, p.URL)
	var list struct{ Scenarios []scenarioJSON }
	if json.Unmarshal([]byte(body), &list); status != http.StatusOK || len(list.Scenarios) != 1 {
		t.Errorf("scenarios after the refused calls: %d %s", status, body)
	}
	if got := scenarioChanges(t, p.URL, asPayer, sc.Id); len(got) != 1 || got[0].Operation != "CreatePricingPlan" {
		t.Errorf("changes after the refused calls: %v", got)
	}
}
