package restjson_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// scenarioEnv serves the API and the admin endpoints of adminOrg with
// scenarios, strict or not.
type scenarioEnv struct {
	url  string
	logs *syncBuffer
}

func newScenarioEnv(t *testing.T, strict bool) *scenarioEnv {
	t.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(startTime)
	svc := conductor.NewService(store, clock, nil)
	engine := usage.NewEngine()
	svc.SetUsageEngine(engine)
	org := adminOrg()
	if err := svc.SeedOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	e := &scenarioEnv{logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	identity := restjson.Identity{Strict: strict, DefaultPayer: org.DefaultPayer(), Keys: restjson.NewKeys(org)}
	admin := &restjson.Admin{Service: svc, Clock: clock, Organization: org, DefaultPayer: org.DefaultPayer(),
		Identity: identity, Scenarios: scenario.NewManager(store, clock, engine, usage.SharedKinds), Log: log}
	mux := http.NewServeMux()
	mux.Handle(restjson.AdminPrefix, admin.Handler())
	mux.Handle("/", restjson.New(svc, identity, log))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if strings.Contains(e.logs.String(), restjson.UnmodeledErrorMessage) {
			t.Errorf("the server returned errors its model does not list:\n%s", e.logs.String())
		}
	})
	e.url = srv.URL
	return e
}

type scenarioReply struct {
	status    int
	errorType string
	body      []byte
}

// call sends a request signed by as (unsigned for the zero signer).
func (e *scenarioEnv) call(t *testing.T, as signer, method, path, body string) scenarioReply {
	t.Helper()
	req, err := harness.AdminCall{Method: method, URL: e.url + path, Body: body, Key: as.key, Secret: as.secret}.Request(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return scenarioReply{resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b}
}

type scenarioOut struct{ Id, Name, BillingPeriod, Endpoint, CreatedAt string }

func (e *scenarioEnv) create(t *testing.T, as signer, name string) scenarioOut {
	t.Helper()
	r := e.call(t, as, "POST", "/_proforma/scenarios", `{"Name":"`+name+`"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create scenario: %d %s", r.status, r.body)
	}
	var sc scenarioOut
	if err := json.Unmarshal(r.body, &sc); err != nil {
		t.Fatal(err)
	}
	return sc
}

func (e *scenarioEnv) changes(t *testing.T, as signer, id string) []scenario.Change {
	t.Helper()
	r := e.call(t, as, "GET", "/_proforma/scenarios/"+id+"/changes", "")
	if r.status != http.StatusOK {
		t.Fatalf("changes: %d %s", r.status, r.body)
	}
	var out []scenario.Change
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func sdkAt(endpoint string, as signer) *bc.Client {
	secret := as.secret
	if secret == "" {
		secret = "secret"
	}
	return bc.New(bc.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(as.key, secret, ""),
		HTTPClient:  &http.Client{Transport: bufferedTransport{}}})
}

// The SDK pointed at a scenario's endpoint changes the scenario only; the
// change list holds each successful mutation, in order, with member-shaped
// inputs; a failure and a client-token replay add nothing.
func TestScenarioAPIRecordsChanges(t *testing.T) {
	e := newScenarioEnv(t, false)
	payer := signer{key: payerA}
	sc := e.create(t, payer, "markup-12")
	if sc.BillingPeriod != "2026-11" || sc.Endpoint != e.url+"/_proforma/scenarios/"+sc.Id || sc.CreatedAt != "2026-11-15T12:00:00Z" {
		t.Errorf("scenario = %+v", sc)
	}
	if got := e.changes(t, payer, sc.Id); len(got) != 0 {
		t.Errorf("changes of a new scenario = %v", got)
	}
	in := sdkAt(sc.Endpoint, payer)
	rule, err := in.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("markup-12"),
		Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(12),
		ClientToken: aws.String("token-1")})
	if err != nil {
		t.Fatal(err)
	}
	replay, err := in.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("markup-12"),
		Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(12),
		ClientToken: aws.String("token-1")})
	if err != nil || *replay.Arn != *rule.Arn {
		t.Fatalf("replay: %v, %v", replay, err)
	}
	if _, err := in.TagResource(ctx, &bc.TagResourceInput{ResourceArn: rule.Arn, Tags: map[string]string{"team": "a", "env": "x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.UntagResource(ctx, &bc.UntagResourceInput{ResourceArn: rule.Arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	_, err = in.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: aws.String(strings.TrimSuffix(*rule.Arn, (*rule.Arn)[len(*rule.Arn)-3:]) + "zzz")})
	wantAPIErrorCode(t, err, "ValidationException")
	rules, err := in.ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	if err != nil || len(rules.PricingRules) != 1 {
		t.Fatalf("scenario rules: %v, %v", rules, err)
	}
	live, err := e.signedClientFor(payer).ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	if err != nil || len(live.PricingRules) != 0 {
		t.Fatalf("live rules after scenario changes: %v, %v", live, err)
	}

	want := []scenario.Change{
		{Operation: "CreatePricingRule", Input: json.RawMessage(`{"ModifierPercentage":12,"Name":"markup-12","Scope":"GLOBAL","Type":"MARKUP"}`),
			Output: json.RawMessage(`{"Arn":"` + *rule.Arn + `"}`)},
		{Operation: "TagResource", Input: json.RawMessage(`{"ResourceArn":"` + *rule.Arn + `","Tags":{"env":"x","team":"a"}}`)},
		{Operation: "UntagResource", Input: json.RawMessage(`{"ResourceArn":"` + *rule.Arn + `","TagKeys":["env"]}`)},
	}
	if diff := cmp.Diff(want, e.changes(t, payer, sc.Id), rawJSON); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

// rawJSON compares JSON documents by value.
var rawJSON = cmp.Comparer(func(a, b json.RawMessage) bool {
	var x, y any
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && cmp.Equal(x, y)
})

func (e *scenarioEnv) signedClientFor(as signer) *bc.Client { return sdkAt(e.url, as) }

// The admin endpoints: shapes, listing, deletion, and the errors.
func TestScenarioAdminEndpoints(t *testing.T) {
	e := newScenarioEnv(t, false)
	a, b := signer{key: payerA}, signer{key: payerB}
	one, two := e.create(t, a, "one"), e.create(t, a, "two")
	r := e.call(t, a, "GET", "/_proforma/scenarios", "")
	var list struct{ Scenarios []scenarioOut }
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	want := []scenarioOut{one, two}
	if two.Id < one.Id { // created in the same second: ordered by ID
		want = []scenarioOut{two, one}
	}
	if diff := cmp.Diff(want, list.Scenarios); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if r := e.call(t, b, "GET", "/_proforma/scenarios", ""); string(r.body) != `{"Scenarios":[]}` {
		t.Errorf("another payer's list: %s", r.body)
	}
	for _, path := range []string{"/_proforma/scenarios/" + one.Id, "/_proforma/scenarios/" + one.Id + "/changes",
		"/_proforma/scenarios/scn-unknown"} {
		if r := e.call(t, b, "GET", path, ""); r.status != http.StatusNotFound || r.errorType != "ResourceNotFoundException" {
			t.Errorf("GET %s by another payer: %d %s %s", path, r.status, r.errorType, r.body)
		}
	}
	_, err := sdkAt(one.Endpoint, b).ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	wantAPIErrorCode(t, err, "ResourceNotFoundException")

	for _, tt := range []struct{ name, body, reason, field string }{
		{"no body", ``, "FIELD_VALIDATION_FAILED", "Name"},
		{"bad JSON", `{"Name":`, "CANNOT_PARSE", ""},
		{"name not a string", `{"Name":5}`, "FIELD_VALIDATION_FAILED", "Name"},
		{"unknown member", `{"Name":"x","Period":"2026-10"}`, "FIELD_VALIDATION_FAILED", "Period"},
		{"bad period", `{"Name":"x","BillingPeriod":"2026/10"}`, "FIELD_VALIDATION_FAILED", "BillingPeriod"},
		{"future period", `{"Name":"x","BillingPeriod":"2027-01"}`, "ILLEGAL_BILLING_PERIOD", ""},
	} {
		r := e.call(t, a, "POST", "/_proforma/scenarios", tt.body)
		var got struct {
			Type   string `json:"__type"`
			Reason string
			Fields []struct{ Name string }
		}
		json.Unmarshal(r.body, &got)
		field := ""
		if len(got.Fields) > 0 {
			field = got.Fields[0].Name
		}
		if r.status != http.StatusBadRequest || r.errorType != "ValidationException" || got.Type != "ValidationException" ||
			got.Reason != tt.reason || field != tt.field {
			t.Errorf("%s: %d %s %s, want 400 ValidationException %s %s", tt.name, r.status, r.errorType, r.body, tt.reason, tt.field)
		}
	}

	if r := e.call(t, b, "DELETE", "/_proforma/scenarios/"+one.Id, ""); r.status != http.StatusNotFound {
		t.Errorf("DELETE by another payer: %d %s", r.status, r.body)
	}
	if r := e.call(t, a, "DELETE", "/_proforma/scenarios/"+one.Id, ""); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("DELETE: %d %s", r.status, r.body)
	}
	_, err = sdkAt(one.Endpoint, a).ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	wantAPIErrorCode(t, err, "ResourceNotFoundException")
	if _, err := sdkAt(two.Endpoint, a).ListPricingRules(ctx, &bc.ListPricingRulesInput{}); err != nil {
		t.Errorf("the other scenario after a DELETE: %v", err)
	}
}

// Strict mode: the scenario endpoints and the API under a scenario's
// endpoint require a signature of the scenario's payer.
func TestScenarioStrict(t *testing.T) {
	e := newScenarioEnv(t, true)
	sc := e.create(t, asPayerA, "strict")
	for _, tt := range []struct {
		method, path, body string
	}{
		{"POST", "/_proforma/scenarios", `{"Name":"x"}`},
		{"GET", "/_proforma/scenarios", ""},
		{"GET", "/_proforma/scenarios/" + sc.Id + "/changes", ""},
		{"DELETE", "/_proforma/scenarios/" + sc.Id, ""},
		{"POST", "/_proforma/scenarios/" + sc.Id + "/list-pricing-rules", "{}"},
		{"POST", "/_proforma/scenarios/" + sc.Id + "/create-pricing-plan", `{"Name":"p"}`},
	} {
		for _, as := range []signer{unsigned, wrongSecret, unknownKey} {
			if r := e.call(t, as, tt.method, tt.path, tt.body); r.status != http.StatusForbidden {
				t.Errorf("%s %s %s: %d %s, want 403", as, tt.method, tt.path, r.status, r.body)
			}
		}
	}
	if r := e.call(t, asPayerB, "GET", "/_proforma/scenarios/"+sc.Id+"/changes", ""); r.status != http.StatusNotFound {
		t.Errorf("payer B's changes of A's scenario: %d %s", r.status, r.body)
	}
	_, err := sdkAt(sc.Endpoint, asPayerB).ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	wantAPIErrorCode(t, err, "ResourceNotFoundException")
	plan, err := sdkAt(sc.Endpoint, asPayerA).CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	r := e.call(t, asAdmin, "GET", "/_proforma/scenarios/"+sc.Id+"/changes?payer="+payerA, "")
	if want := `[{"Operation":"CreatePricingPlan","Input":{"Name":"p"},"Output":{"Arn":"` + *plan.Arn + `"}}]`; string(r.body) != want {
		t.Errorf("changes seen by the admin: %d %s, want %s", r.status, r.body, want)
	}
}

// A past-period scenario edits last month as at its last second; live
// last month is unchanged.
func TestScenarioPastPeriod(t *testing.T) {
	e := newScenarioEnv(t, false)
	payer := signer{key: payerA}
	r := e.call(t, payer, "POST", "/_proforma/scenarios", `{"Name":"october","BillingPeriod":"2026-10"}`)
	var sc scenarioOut
	if err := json.Unmarshal(r.body, &sc); err != nil || r.status != http.StatusCreated || sc.BillingPeriod != "2026-10" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	in := sdkAt(sc.Endpoint, payer)
	if _, err := in.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("october-plan")}); err != nil {
		t.Fatal(err)
	}
	plans, err := in.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil || aws.ToString(plans.BillingPeriod) != "2026-10" || len(plans.PricingPlans) != 1 {
		t.Fatalf("scenario plans: %+v, %v", plans, err)
	}
	live, err := sdkAt(e.url, payer).ListPricingPlans(ctx, &bc.ListPricingPlansInput{BillingPeriod: aws.String("2026-10")})
	if err != nil || len(live.PricingPlans) != 0 {
		t.Fatalf("live October plans: %+v, %v", live, err)
	}
}

// Concurrent mutations in one scenario each get exactly one change.
func TestScenarioConcurrentChanges(t *testing.T) {
	e := newScenarioEnv(t, false)
	payer := signer{key: payerA}
	sc := e.create(t, payer, "busy")
	in := sdkAt(sc.Endpoint, payer)
	const n = 16
	arns := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := in.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(fmt.Sprintf("plan-%d", i))})
			if err != nil {
				t.Error(err)
				return
			}
			arns <- *out.Arn
		})
	}
	wg.Wait()
	close(arns)
	want := map[string]bool{}
	for a := range arns {
		want[a] = true
	}
	got := map[string]bool{}
	for _, ch := range e.changes(t, payer, sc.Id) {
		var out struct{ Arn string }
		json.Unmarshal(ch.Output, &out)
		got[out.Arn] = true
	}
	if len(want) != n || !cmp.Equal(want, got) {
		t.Errorf("changes' ARNs = %v, want the %d created %v", got, n, want)
	}
}
