package scenario_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/model"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
)

// serve serves svc's API on a loopback port and returns a client of it
// calling as the payer.
func serve(t *testing.T, svc *conductor.Service) *bc.Client {
	t.Helper()
	srv := httptest.NewServer(restjson.New(svc, restjson.Identity{DefaultPayer: payer.Account}, nil))
	t.Cleanup(srv.Close)
	return harness.NewClient(srv.URL, payer.Account)
}

// original is an ARN the change list's Output names: a rule of the
// scenario the list was recorded in, which exists nowhere else.
const original = "arn:aws:billingconductor::123456789012:pricingrule/0riginal01"

func changes(t *testing.T, list ...any) []scenario.Change {
	t.Helper()
	var out []scenario.Change
	for i := 0; i < len(list); i += 3 {
		ch := scenario.Change{Operation: list[i].(string)}
		var err error
		if ch.Input, err = json.Marshal(list[i+1]); err != nil {
			t.Fatal(err)
		}
		if list[i+2] != nil {
			ch.Output, _ = json.Marshal(list[i+2])
		}
		out = append(out, ch)
	}
	return out
}

// A rule created by the list is associated with a live plan, tagged and
// updated by its original ARN: the replay maps it to the rule it created.
func TestReplayMapsCreatedARNs(t *testing.T) {
	_, svc, _ := live(t)
	plan, err := svc.CreatePricingPlan(ctx, payer, conductor.CreatePricingPlanInput{Name: "resale"})
	if err != nil {
		t.Fatal(err)
	}
	list := changes(t,
		"CreatePricingRule", map[string]any{"Name": "s3-markup", "Scope": "SERVICE", "Service": "AmazonS3", "Type": "MARKUP",
			"ModifierPercentage": 20.5, "Tags": map[string]string{"owner": original}}, map[string]string{"Arn": original},
		"AssociatePricingRules", map[string]any{"Arn": plan, "PricingRuleArns": []string{original}}, nil,
		"TagResource", map[string]any{"ResourceArn": original, "Tags": map[string]string{"team": "resale"}}, nil,
		"UpdatePricingRule", map[string]any{"Arn": original, "Description": "S3 at 20.5%"}, nil,
	)
	client := serve(t, svc)
	arns, err := scenario.Replay(ctx, client, list)
	if err != nil {
		t.Fatal(err)
	}
	created := arns[original]
	if len(arns) != 1 || created == "" || created == original {
		t.Fatalf("arns = %v, want %s mapped to the created rule", arns, original)
	}
	rules, err := client.ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.PricingRules) != 1 || *rules.PricingRules[0].Arn != created {
		t.Fatalf("rules = %+v, want the one created", rules.PricingRules)
	}
	r := rules.PricingRules[0]
	if *r.Name != "s3-markup" || r.Scope != types.PricingRuleScopeService || *r.Service != "AmazonS3" ||
		*r.ModifierPercentage != 20.5 || *r.Description != "S3 at 20.5%" || r.AssociatedPricingPlanCount != 1 {
		t.Errorf("rule = %+v", r)
	}
	inPlan, err := client.ListPricingRulesAssociatedToPricingPlan(ctx, &bc.ListPricingRulesAssociatedToPricingPlanInput{PricingPlanArn: &plan})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inPlan.PricingRuleArns, []string{created}) {
		t.Errorf("plan's rules = %v, want [%s]", inPlan.PricingRuleArns, created)
	}
	tags, err := client.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: &created})
	if err != nil {
		t.Fatal(err)
	}
	// A tag set by the change that creates the rule names the original
	// ARN: nothing was mapped yet.
	if tags.Tags["team"] != "resale" || tags.Tags["owner"] != original {
		t.Errorf("tags = %v", tags.Tags)
	}
}

// The change that fails stops the replay with its index, operation and
// the API's error; those before it stay applied.
func TestReplayReportsTheFailingChange(t *testing.T) {
	_, svc, _ := live(t)
	client := serve(t, svc)
	missing := "arn:aws:billingconductor::123456789012:pricingplan/missing000"
	list := changes(t,
		"CreatePricingRule", map[string]any{"Name": "r", "Scope": "GLOBAL", "Type": "DISCOUNT", "ModifierPercentage": 5},
		map[string]string{"Arn": original},
		"AssociatePricingRules", map[string]any{"Arn": missing, "PricingRuleArns": []string{original}}, nil,
		"DeletePricingRule", map[string]any{"Arn": original}, nil,
	)
	arns, err := scenario.Replay(ctx, client, list)
	re, ok := errors.AsType[*scenario.ReplayError](err)
	if !ok || re.Index != 1 || re.Operation != "AssociatePricingRules" ||
		!strings.Contains(err.Error(), "change 1 (AssociatePricingRules)") || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("err = %v, want change 1 (AssociatePricingRules) with ResourceNotFoundException", err)
	}
	if len(arns) != 1 || len(ruleNames(t, svc, payer, "")) != 1 {
		t.Errorf("after the failure: arns %v, rules %v; want the first change applied", arns, ruleNames(t, svc, payer, ""))
	}

	for _, tc := range []struct {
		list []scenario.Change
		want string
	}{
		{[]scenario.Change{{Operation: "DeletePricingPlan", Input: json.RawMessage(`{"Arn":"` + missing + `"}`)}},
			"change 0 (DeletePricingPlan): ValidationException: Pricing plan " + missing + " does not exist."},
		{[]scenario.Change{{Operation: "UpdatePricingPlan", Input: json.RawMessage(`{}`)}, {Operation: "ListPricingRules", Input: json.RawMessage(`{}`)}},
			"change 0 (UpdatePricingPlan)"},
		{[]scenario.Change{{Operation: "ListPricingRules", Input: json.RawMessage(`{}`)}},
			"change 0 (ListPricingRules): ListPricingRules is a read operation, not a change"},
		{[]scenario.Change{{Operation: "CreatePricingRule", Input: json.RawMessage(`{"Name":"x","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":1}`)},
			{Operation: "CreatePricingRules", Input: json.RawMessage(`{}`)}},
			`change 1 (CreatePricingRules): unknown operation "CreatePricingRules"`},
		{[]scenario.Change{{Operation: "CreatePricingRule", Input: json.RawMessage(`{"Name":"y","Scope":"GLOBAL","Type":"MARKUP","Percentage":1}`)}},
			`change 0 (CreatePricingRule): input: json: unknown field "Percentage"`},
		{[]scenario.Change{{Operation: "CreatePricingRule", Input: json.RawMessage(`{"Name":"z","ModifierPercentage":"1"}`)}},
			`change 0 (CreatePricingRule): input: json: cannot unmarshal string`},
		{[]scenario.Change{{Operation: "CreatePricingRule", Input: json.RawMessage(`{"Name":"t","Scope":"SKU","Type":"TIERING","Tiering":{"CustomTiers":[]}}`)}},
			`change 0 (CreatePricingRule): input: json: unknown field "CustomTiers"`}, // sdkLacks
	} {
		_, err := scenario.Replay(ctx, client, tc.list)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "https response error") {
			t.Errorf("Replay(%s…) = %v, want %q (without the SDK's transport wrapping)", tc.list[0].Operation, err, tc.want)
		}
	}
}

// mutating reports a client method that changes the configuration.
func mutating(name string) bool {
	for _, prefix := range []string{"Create", "Update", "Delete", "Associate", "Disassociate", "BatchAssociate", "BatchDisassociate"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return name == "TagResource" || name == "UntagResource"
}

// Replay's operations are exactly the client's mutating methods; the
// others only read.
func TestReplayCoversEveryMutatingOperation(t *testing.T) {
	client := reflect.TypeFor[*bc.Client]()
	var want []string
	for m := range client.Methods() {
		switch {
		case mutating(m.Name):
			want = append(want, m.Name)
		case m.Name == "Options", strings.HasPrefix(m.Name, "Get"), strings.HasPrefix(m.Name, "List"):
		default:
			t.Errorf("client method %s is neither a change nor a read", m.Name)
		}
	}
	if got := scenario.MutatingOperations(); !slices.Equal(got, want) || len(got) < 20 {
		t.Errorf("Replay's operations = %v\nthe client's mutating methods = %v", got, want)
	}
	// And the service's model agrees: each is a modeled operation.
	for _, name := range want {
		if _, ok := model.OperationByName(name); !ok {
			t.Errorf("%s: not an operation of the model", name)
		}
	}
}

// sdkLacks are the model's members the SDK in go.mod does not have yet:
// Replay refuses a change that sets one (json: unknown field), rather than
// apply it without.
var sdkLacks = map[string]bool{
	"CreatePricingRule.Tiering.CustomTiers: a member of the model the SDK's input lacks": true,
	"UpdatePricingRule.Tiering.CustomTiers: a member of the model the SDK's input lacks": true,
}

// The SDK's input of each replayed operation decodes the members the
// service's model names, at every depth, with compatible types: a change
// in the API's own shapes is read whole (but for sdkLacks).
func TestReplayInputsHaveTheModelsMembers(t *testing.T) {
	client := reflect.TypeFor[*bc.Client]()
	for _, name := range scenario.MutatingOperations() {
		m, _ := client.MethodByName(name)
		op, ok := model.OperationByName(name)
		if !ok {
			t.Errorf("%s: not in the model", name)
			continue
		}
		sdk := m.Type.In(2) // (*Client, context.Context, *Input, ...func(*Options))
		mod := reflect.TypeOf(op.NewInput())
		diff := slices.DeleteFunc(compareShapes(name, sdk, mod), func(d string) bool { return sdkLacks[d] })
		if len(diff) > 0 {
			t.Errorf("%s:\n  %s", name, strings.Join(diff, "\n  "))
		}
	}
}

// compareShapes compares an SDK shape with the model's, by member name.
func compareShapes(path string, sdk, mod reflect.Type) []string {
	for sdk.Kind() == reflect.Pointer {
		sdk = sdk.Elem()
	}
	for mod.Kind() == reflect.Pointer {
		mod = mod.Elem()
	}
	kind := func(t reflect.Type) string {
		switch t.Kind() {
		case reflect.String:
			return "string"
		case reflect.Float32, reflect.Float64:
			return "number"
		case reflect.Int, reflect.Int32, reflect.Int64:
			return "integer"
		}
		return t.Kind().String()
	}
	if kind(sdk) != kind(mod) {
		return []string{path + ": SDK " + sdk.String() + ", model " + mod.String()}
	}
	switch sdk.Kind() {
	case reflect.Slice, reflect.Map:
		return compareShapes(path+"[]", sdk.Elem(), mod.Elem())
	case reflect.Struct:
	default:
		return nil
	}
	members := func(t reflect.Type) map[string]reflect.StructField {
		out := map[string]reflect.StructField{}
		for f := range t.Fields() {
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
				name = tag
			}
			if f.IsExported() && name != "ClientToken" && name != "ResultMetadata" {
				out[name] = f
			}
		}
		return out
	}
	ms, mm := members(sdk), members(mod)
	var diff []string
	for name, f := range mm {
		g, ok := ms[name]
		if !ok {
			diff = append(diff, path+"."+name+": a member of the model the SDK's input lacks")
			continue
		}
		diff = append(diff, compareShapes(path+"."+name, g.Type, f.Type)...)
	}
	for name := range ms {
		if _, ok := mm[name]; !ok {
			diff = append(diff, path+"."+name+": in the SDK's input, not in the model")
		}
	}
	slices.Sort(diff)
	return diff
}
