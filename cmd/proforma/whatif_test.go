package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// whatifLive is a store with engineCUR imported and createMarkupGroup's
// configuration, made in October 2026; the server is stopped.
type whatifLive struct {
	data, group, plan string
	config            whatifConfig // as the API lists it
}

func setUpWhatifLive(t *testing.T) whatifLive {
	t.Helper()
	dir, data := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(file, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, file)
	p := startProforma(t, data, "--now", "2026-10-15")
	defer p.Stop()
	l := whatifLive{data: data, group: createMarkupGroup(t, p.URL)}
	l.config = whatifConfigOf(t, p.URL)
	l.plan = l.config.arns["plan resale"]
	return l
}

// Made-up ARNs of the scenario the change list was recorded in: they
// exist nowhere else, so only a replay that maps them can apply the list.
const (
	whatifRule = "arn:aws:billingconductor::123456789012:pricingrule/r3cordedr1"
	whatifItem = "arn:aws:billingconductor::123456789012:customlineitem/r3cordedi1"
)

// whatifChanges is the change list of the tests, naming live's plan and
// group: a SERVICE MARKUP 20 for S3 in the live plan (more specific than
// its GLOBAL MARKUP 10, so S3 is priced by it) and a FLAT FEE of 3 on the
// group, tagged.
func whatifChanges(plan, group string) []scenario.Change {
	return []scenario.Change{
		{Operation: "CreatePricingRule",
			Input:  json.RawMessage(`{"Name": "s3-markup", "Scope": "SERVICE", "Service": "AmazonS3", "Type": "MARKUP", "ModifierPercentage": 20}`),
			Output: json.RawMessage(`{"Arn": "` + whatifRule + `"}`)},
		{Operation: "AssociatePricingRules",
			Input: json.RawMessage(`{"Arn": "` + plan + `", "PricingRuleArns": ["` + whatifRule + `"]}`)},
		{Operation: "CreateCustomLineItem",
			Input: json.RawMessage(`{"Name": "setup", "Description": "setup fee", "BillingGroupArn": "` + group +
				`", "ChargeDetails": {"Type": "FEE", "Flat": {"ChargeValue": 3}}}`),
			Output: json.RawMessage(`{"Arn": "` + whatifItem + `"}`)},
		{Operation: "TagResource",
			Input: json.RawMessage(`{"ResourceArn": "` + whatifItem + `", "Tags": {"what": "if"}}`)},
	}
}

// wantWhatif is the comparison of whatifChanges, by hand from
// engineCUR: live, the group's pro forma cost is EC2 0.104 × 1.1 = 0.1144,
// S3 2.3 × 1.1 = 2.53, the fee 5: 7.6444, AWS cost 0.104 + 2.3 − 1 (the
// credit; tax left out) = 1.404, margin 6.2404. In the scenario S3 is
// 2.3 × 1.2 = 2.76 and the fee of 3 is added: 0.1144 + 2.76 + 5 + 3 =
// 10.8744, margin 10.8744 − 1.404 = 9.4704, a change of 3.23.
func wantWhatif(group string) *scenario.Comparison {
	live := &scenario.Side{AWSCost: "1.404", ProformaCost: "7.6444", Margin: "6.2404"}
	draft := &scenario.Side{AWSCost: "1.404", ProformaCost: "10.8744", Margin: "9.4704"}
	cols := scenario.Columns{AWSCost: "1.404", Live: live, Scenario: draft, ProformaCostChange: "3.23"}
	return &scenario.Comparison{BillingPeriod: "2026-10",
		BillingGroups: []scenario.GroupComparison{{Arn: group, Name: "resold", Columns: cols}}, Total: cols}
}

func writeWhatifChanges(t *testing.T, changes []scenario.Change) string {
	t.Helper()
	data, err := json.MarshalIndent(changes, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "changes.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWhatif replays a change list with `proforma whatif` on a store with
// live configuration and usage: its comparison is the hand calculation,
// live is unchanged and no scenario is left in the store.
func TestWhatif(t *testing.T) {
	l := setUpWhatifLive(t)
	file := writeWhatifChanges(t, whatifChanges(l.plan, l.group))
	liveReport := runProforma(t, "report", "--data", l.data, "--format", "json")

	var got scenario.Comparison
	if err := json.Unmarshal([]byte(runProforma(t, "whatif", "--data", l.data, "--changes", file, "--format", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantWhatif(l.group), &got); diff != "" {
		t.Errorf("whatif --format json (-want +got):\n%s", diff)
	}

	csv := runProforma(t, "whatif", "--data", l.data, "--changes", file, "--format", "csv")
	wantCSV := "billing_group_arn,billing_group,product,aws_cost,live_proforma_cost,scenario_proforma_cost,proforma_cost_change,live_margin,scenario_margin\n" +
		l.group + ",resold,,1.404,7.6444,10.8744,3.23,6.2404,9.4704\n" +
		",Total,,1.404,7.6444,10.8744,3.23,6.2404,9.4704\n"
	if csv != wantCSV {
		t.Errorf("whatif --format csv:\n%s\nwant:\n%s", csv, wantCSV)
	}
	table := runProforma(t, "whatif", "--data", l.data, "--changes", file)
	wantTable := "What if payer 123456789012 applied 4 changes, billing period 2026-10 (USD)\n\n" +
		"Billing group  AWS cost  Live pro forma  Scenario pro forma  Change  Live margin  Scenario margin\n" +
		"resold             1.40            7.64               10.87    3.23         6.24             9.47\n" +
		"Total              1.40            7.64               10.87    3.23         6.24             9.47\n"
	if table != wantTable {
		t.Errorf("whatif (table):\n%s\nwant:\n%s", table, wantTable)
	}
	byService := runProforma(t, "whatif", "--data", l.data, "--changes", file, "--by-service")
	var rows [][]string
	for _, line := range strings.Split(byService, "\n")[3:] {
		if line != "" {
			rows = append(rows, strings.Split(strings.Join(strings.Fields(line), " "), " "))
		}
	}
	wantRows := [][]string{ // EC2's AWS cost has the credit: 0.104 − 1
		{"resold", "(all)", "1.40", "7.64", "10.87", "3.23", "6.24", "9.47"},
		{"AWSBillingConductor", "0.00", "5.00", "8.00", "3.00", "5.00", "8.00"},
		{"Amazon", "Elastic", "Compute", "Cloud", "-0.90", "0.11", "0.11", "0.00", "1.01", "1.01"},
		{"Amazon", "Simple", "Storage", "Service", "2.30", "2.53", "2.76", "0.23", "0.23", "0.46"},
		{"Total", "1.40", "7.64", "10.87", "3.23", "6.24", "9.47"},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("whatif --by-service (-want +got):\n%s", diff)
	}

	// A failing change names its index; the scenario is deleted then too.
	bad := writeWhatifChanges(t, append(whatifChanges(l.plan, l.group)[:1],
		scenario.Change{Operation: "DeletePricingPlan", Input: json.RawMessage(`{"Arn": "` + whatifRule + `"}`)}))
	out, err := exec.Command(proformaBinary(t), "whatif", "--data", l.data, "--changes", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "change 1 (DeletePricingPlan)") {
		t.Errorf("whatif with a failing change: %v\n%s", err, out)
	}

	if report := runProforma(t, "report", "--data", l.data, "--format", "json"); report != liveReport {
		t.Errorf("live report after whatif:\n%s\nbefore:\n%s", report, liveReport)
	}
	p := startProforma(t, l.data, "--now", "2026-10-15")
	if diff := cmp.Diff(l.config.names, whatifConfigOf(t, p.URL).names); diff != "" {
		t.Errorf("live configuration changed by whatif (-before +after):\n%s", diff)
	}
	p.Stop()
	store, err := sqlite.Open(l.data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	left, err := scenario.NewManager(store, nil, nil, usage.SharedKinds).List(context.Background(), conductor.Caller{Account: "123456789012"})
	if err != nil || len(left) != 0 {
		t.Errorf("scenarios left in the store: %v %v", left, err)
	}
}

// TestWhatifChangesWithTheAWSCLI is acceptance 3 of issue 17, second half:
// the change list applied with the AWS CLI to a fresh Proforma set up
// with the same live configuration reproduces the configuration, and that
// Proforma's report is the scenario column of the whatif comparison.
func TestWhatifChangesWithTheAWSCLI(t *testing.T) {
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not installed: skipping the replay with it")
	}
	live := setUpWhatifLive(t)
	changes := whatifChanges(live.plan, live.group)
	fresh := setUpWhatifLive(t)
	p := startProforma(t, fresh.data, "--now", "2026-10-15")

	// Live's ARNs are the fresh Proforma's by name; the created ones by the
	// CLI's output.
	arns := map[string]string{}
	for key, arn := range live.config.arns {
		arns[arn] = fresh.config.arns[key]
	}
	home := t.TempDir()
	for i, ch := range changes {
		input, err := scenario.MapARNs(ch.Input, arns)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(awsCLI, "billingconductor", cliCommand(ch.Operation), "--cli-input-json", string(input),
			"--endpoint-url", p.URL, "--output", "json")
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "AWS_") }),
			"AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=",
			"AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("change %d: aws billingconductor %s --cli-input-json '%s': %v\n%s", i, cliCommand(ch.Operation), input, err, stderr.String())
		}
		var recorded, created struct{ Arn string }
		if len(ch.Output) > 0 {
			json.Unmarshal(ch.Output, &recorded)
			if err := json.Unmarshal(stdout.Bytes(), &created); err != nil || created.Arn == "" {
				t.Fatalf("change %d: the CLI's output %q has no Arn (%v)", i, stdout.String(), err)
			}
			arns[recorded.Arn] = created.Arn
		}
	}

	got := whatifConfigOf(t, p.URL)
	want := fresh.config.names
	want = append(want,
		"rule s3-markup: SERVICE MARKUP 20 AmazonS3",
		"item setup: on resold, FEE flat 3, tags map[what:if]")
	for i, s := range want {
		if s == "plan resale: rules [markup]" {
			want[i] = "plan resale: rules [markup s3-markup]"
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got.names); diff != "" {
		t.Errorf("configuration after the AWS CLI's replay (-want +got):\n%s", diff)
	}
	p.Stop()

	var reports []struct{ BillingGroupArn, Name, AwsCost, ProformaCost, Margin string }
	if err := json.Unmarshal([]byte(runProforma(t, "report", "--data", fresh.data, "--format", "json")), &reports); err != nil {
		t.Fatal(err)
	}
	scn := wantWhatif(live.group).BillingGroups[0].Scenario
	if len(reports) != 1 || reports[0].Name != "resold" || reports[0].AwsCost != scn.AWSCost ||
		reports[0].ProformaCost != scn.ProformaCost || reports[0].Margin != scn.Margin {
		t.Errorf("report of the Proforma the AWS CLI changed = %+v, want the whatif's scenario column %+v", reports, *scn)
	}
}

// whatifConfig is a configuration as the API lists it, by name: names a line
// per group, plan, rule and item (sorted), arns the ARN of "group NAME",
// "plan NAME", "rule NAME" and "item NAME".
type whatifConfig struct {
	names []string
	arns  map[string]string
}

func whatifConfigOf(t *testing.T, url string) whatifConfig {
	t.Helper()
	c := newClient(url, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	out := whatifConfig{arns: map[string]string{}}
	name := map[string]string{} // ARN → name
	rules, err := c.ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.PricingRules {
		out.arns["rule "+*r.Name], name[*r.Arn] = *r.Arn, *r.Name
		out.names = append(out.names, fmt.Sprintf("rule %s: %s %s %v %s", *r.Name, r.Scope, r.Type,
			aws.ToFloat64(r.ModifierPercentage), aws.ToString(r.Service)))
	}
	plans, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans.PricingPlans {
		out.arns["plan "+*p.Name], name[*p.Arn] = *p.Arn, *p.Name
		in, err := c.ListPricingRulesAssociatedToPricingPlan(ctx, &bc.ListPricingRulesAssociatedToPricingPlanInput{PricingPlanArn: p.Arn})
		if err != nil {
			t.Fatal(err)
		}
		var ruleNames []string
		for _, arn := range in.PricingRuleArns {
			ruleNames = append(ruleNames, name[arn])
		}
		slices.Sort(ruleNames)
		out.names = append(out.names, fmt.Sprintf("plan %s: rules %v", *p.Name, ruleNames))
	}
	groups, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.BillingGroups {
		out.arns["group "+*g.Name], name[*g.Arn] = *g.Arn, *g.Name
		out.names = append(out.names, fmt.Sprintf("group %s: plan %s, primary %s, %d accounts", *g.Name,
			name[aws.ToString(g.ComputationPreference.PricingPlanArn)], *g.PrimaryAccountId, g.Size))
	}
	items, err := c.ListCustomLineItems(ctx, &bc.ListCustomLineItemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items.CustomLineItems {
		out.arns["item "+*it.Name] = *it.Arn
		tags, err := c.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: it.Arn})
		if err != nil {
			t.Fatal(err)
		}
		charge := it.ChargeDetails
		value := ""
		if charge.Flat != nil {
			value = fmt.Sprintf("flat %v", aws.ToFloat64(charge.Flat.ChargeValue))
		} else if charge.Percentage != nil {
			value = fmt.Sprintf("percentage %v", aws.ToFloat64(charge.Percentage.PercentageValue))
		}
		out.names = append(out.names, fmt.Sprintf("item %s: on %s, %s %s, tags %v", *it.Name, name[*it.BillingGroupArn],
			charge.Type, value, tags.Tags))
	}
	slices.Sort(out.names)
	return out
}

// cliCommand is an operation's AWS CLI command: CreatePricingRule →
// create-pricing-rule.
func cliCommand(op string) string {
	var b strings.Builder
	for i, r := range op {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestWhatifReplaysAScenariosChanges is acceptance 3 of issue 17, first
// half: the changes of a scenario made through its endpoint, replayed with
// `proforma whatif` on the same store, give the scenario's comparison.
func TestWhatifReplaysAScenariosChanges(t *testing.T) {
	l := setUpWhatifLive(t)
	p := startProforma(t, l.data, "--now", "2026-10-15")
	call := func(method, path, body string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, p.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req) // unsigned: the demo payer
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %s %s", method, path, resp.Status, out)
		}
		return out
	}
	var sc struct{ Id, Endpoint string }
	if err := json.Unmarshal(call("POST", "/_proforma/scenarios", `{"Name": "s3-markup"}`), &sc); err != nil {
		t.Fatal(err)
	}
	c := newClient(sc.Endpoint, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	rule, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("s3-markup"), Scope: "SERVICE",
		Service: aws.String("AmazonS3"), Type: "MARKUP", ModifierPercentage: aws.Float64(20)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &l.plan, PricingRuleArns: []string{*rule.Arn}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &l.group, AccountIds: []string{"100000000002"}}); err != nil {
		t.Fatal(err)
	}
	item, err := c.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{Name: aws.String("setup"), Description: aws.String("setup fee"),
		BillingGroupArn: &l.group, ChargeDetails: &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee,
			Flat: &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(3)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: item.Arn, Tags: map[string]string{"what": "if"}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "changes.json")
	if err := os.WriteFile(file, call("GET", "/_proforma/scenarios/"+sc.Id+"/changes", ""), 0o644); err != nil {
		t.Fatal(err)
	}
	var want, wantByService scenario.Comparison
	if err := json.Unmarshal(call("GET", "/_proforma/scenarios/"+sc.Id+"/compare", ""), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(call("GET", "/_proforma/scenarios/"+sc.Id+"/compare?by=service", ""), &wantByService); err != nil {
		t.Fatal(err)
	}
	if len(want.BillingGroups) != 1 || want.BillingGroups[0].ProformaCostChange == "0" {
		t.Fatalf("the scenario's comparison = %+v: want the group changed", want)
	}
	call("DELETE", "/_proforma/scenarios/"+sc.Id, "")
	p.Stop()

	for _, tc := range []struct {
		args []string
		want *scenario.Comparison
	}{{nil, &want}, {[]string{"--by-service"}, &wantByService}} {
		var got scenario.Comparison
		args := append([]string{"whatif", "--data", l.data, "--changes", file, "--format", "json"}, tc.args...)
		if err := json.Unmarshal([]byte(runProforma(t, args...)), &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, &got); diff != "" {
			t.Errorf("proforma %s (-the scenario's compare +whatif's):\n%s", strings.Join(args, " "), diff)
		}
	}
}
