package cloudcontrol_test

// A replay of the call sequence the Terraform awscc provider makes (see
// shared/spec/cloudcontrol/README.md): STS GetCallerIdentity when the
// provider is configured, CreateResource with a DesiredState holding only
// the properties the user set and a "terraform-…" ClientToken, the SDK's
// ResourceRequestSuccess waiter, GetResource after the create and at every
// refresh, UpdateResource with a JSON Patch computed from the prior state
// and the plan, DeleteResource and the waiter — for the four Billing
// Conductor types, against one server that dispatches as cmd/proforma does.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/cloudcontrol"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
	proformasts "github.com/proforma-dev/proforma/internal/sts"
)

const replayRuleType = "AWS::BillingConductor::PricingRule"

// replayReadOnly are the readOnlyProperties of the four schemas.
var replayReadOnly = map[string][]string{
	replayRuleType: {"Arn", "AssociatedPricingPlanCount", "CreationTime", "LastModifiedTime"},
	planType:       {"Arn", "Size", "CreationTime", "LastModifiedTime"},
	groupType:      {"Arn", "Size", "Status", "StatusReason", "CreationTime", "LastModifiedTime"},
	itemType:       {"Arn", "CreationTime", "LastModifiedTime", "AssociationSize", "CurrencyCode", "ProductCode"},
}

// replayEnv is one port serving STS and Cloud Control over a SQLite memory
// store with the demo organization, and the two SDK clients awscc uses.
type replayEnv struct {
	t      *testing.T
	cc     *cc.Client
	sts    *sts.Client
	tokens int
}

func newReplayEnv(t *testing.T) *replayEnv {
	t.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(startTime)
	svc := conductor.NewService(store, clock, nil)
	org := conductor.DemoOrganization()
	if err := svc.SeedOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	identity := restjson.Identity{DefaultPayer: org.DefaultPayer(), Keys: restjson.NewKeys(org)}
	query := &proformasts.Handler{Identity: identity}
	control := cloudcontrol.New(svc, identity, nil)
	// As cmd/proforma's handler: awsQuery → STS, X-Amz-Target → Cloud Control.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if proformasts.IsQuery(r) {
			query.ServeHTTP(w, r)
			return
		}
		if cloudcontrol.IsTarget(r) {
			control.ServeHTTP(w, r)
			return
		}
		http.Error(w, "neither STS nor Cloud Control", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	creds := credentials.NewStaticCredentialsProvider(payer, "anything", "")
	httpClient := &http.Client{Transport: bufferedTransport{}}
	return &replayEnv{
		t: t,
		cc: cc.New(cc.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", Credentials: creds,
			RetryMaxAttempts: 1, HTTPClient: httpClient}),
		sts: sts.New(sts.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", Credentials: creds,
			RetryMaxAttempts: 1, HTTPClient: httpClient}),
	}
}

// configure is the provider's configuration: GetCallerIdentity, several times.
func (r *replayEnv) configure(step string) {
	r.t.Helper()
	for range 3 {
		out, err := r.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			r.t.Fatalf("%s: GetCallerIdentity: %v", step, err)
		}
		if aws.ToString(out.Account) != payer || aws.ToString(out.Arn) == "" || aws.ToString(out.UserId) == "" {
			r.t.Fatalf("%s: GetCallerIdentity = %s %s %s", step, aws.ToString(out.Account), aws.ToString(out.Arn),
				aws.ToString(out.UserId))
		}
	}
}

// clientToken is a token as awscc makes them (tfresource.UniqueId).
func (r *replayEnv) clientToken() *string {
	r.tokens++
	return aws.String(fmt.Sprintf("terraform-%s%08d", startTime.Format("20060102150405"), r.tokens))
}

// wait is the SDK's ResourceRequestSuccess waiter, as awscc runs it.
func (r *replayEnv) wait(step string, ev *types.ProgressEvent, op types.Operation) *types.ProgressEvent {
	r.t.Helper()
	if ev == nil || aws.ToString(ev.RequestToken) == "" {
		r.t.Fatalf("%s: no RequestToken in %+v", step, ev)
	}
	waiter := cc.NewResourceRequestSuccessWaiter(r.cc)
	out, err := waiter.WaitForOutput(ctx, &cc.GetResourceRequestStatusInput{RequestToken: ev.RequestToken}, time.Minute)
	if err != nil {
		st, serr := r.cc.GetResourceRequestStatus(ctx, &cc.GetResourceRequestStatusInput{RequestToken: ev.RequestToken})
		if serr != nil {
			r.t.Fatalf("%s: waiter: %v (status: %v)", step, err, serr)
		}
		r.t.Fatalf("%s: waiter: %v: %s %s: %s", step, err, st.ProgressEvent.OperationStatus, st.ProgressEvent.ErrorCode,
			aws.ToString(st.ProgressEvent.StatusMessage))
	}
	st := out.ProgressEvent
	if st.OperationStatus != types.OperationStatusSuccess || st.Operation != op {
		r.t.Fatalf("%s: status = %s %s", step, st.Operation, st.OperationStatus)
	}
	return st
}

// read is GetResource, the Properties document decoded with its numbers
// as written.
func (r *replayEnv) read(step, typeName, id string) map[string]any {
	r.t.Helper()
	out, err := r.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	if err != nil {
		r.t.Fatalf("%s: GetResource: %v", step, err)
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != id {
		r.t.Errorf("%s: GetResource Identifier = %s, want %s", step, got, id)
	}
	if got := aws.ToString(out.TypeName); got != typeName {
		r.t.Errorf("%s: GetResource TypeName = %s, want %s", step, got, typeName)
	}
	return replayDecode(r.t, step, aws.ToString(out.ResourceDescription.Properties))
}

// readTwice is the read after an apply and the refresh of the next plan:
// the two must be the same document, and hold what the user set.
func (r *replayEnv) readTwice(step, typeName, id string, config map[string]any) map[string]any {
	r.t.Helper()
	first := r.read(step+": read after apply", typeName, id)
	r.configure(step + ": plan")
	second := r.read(step+": refresh", typeName, id)
	if diff := cmp.Diff(first, second); diff != "" {
		r.t.Errorf("%s: the refresh differs from the read after apply (-read +refresh):\n%s", step, diff)
	}
	if drift := replayDrift(config, first, ""); len(drift) > 0 {
		r.t.Errorf("%s: the properties the user set drift:\n  %s", step, strings.Join(drift, "\n  "))
	}
	if got, _ := first["Arn"].(string); got != id {
		r.t.Errorf("%s: Arn = %v, want the identifier %s", step, first["Arn"], id)
	}
	return first
}

// create is an apply creating a resource from config (only the properties
// the user set); it returns the identifier and the state after refresh.
func (r *replayEnv) create(step, typeName string, config map[string]any) (string, map[string]any) {
	r.t.Helper()
	r.configure(step)
	desired, err := json.Marshal(config)
	if err != nil {
		r.t.Fatal(err)
	}
	out, err := r.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(typeName),
		DesiredState: aws.String(string(desired)), ClientToken: r.clientToken()})
	if err != nil {
		r.t.Fatalf("%s: CreateResource: %v", step, err)
	}
	st := r.wait(step, out.ProgressEvent, types.OperationCreate)
	id := aws.ToString(st.Identifier)
	if id == "" || aws.ToString(st.TypeName) != typeName {
		r.t.Fatalf("%s: create event = Identifier %q TypeName %q", step, id, aws.ToString(st.TypeName))
	}
	return id, r.readTwice(step, typeName, id, config)
}

// update is an apply changing a resource: change is applied to the
// configuration and to the prior state (as the plan does, the read-only
// and computed properties kept from the state), and the patch is the
// difference of the two, as awscc computes it.
func (r *replayEnv) update(step, typeName, id string, config, prior map[string]any, change func(map[string]any)) (map[string]any, map[string]any) {
	r.t.Helper()
	r.configure(step)
	config, planned := replayCopy(config), replayCopy(prior)
	change(config)
	change(planned)
	ops := replayPatch(prior, planned, "")
	if len(ops) == 0 {
		r.t.Fatalf("%s: the plan changes nothing", step)
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		r.t.Fatal(err)
	}
	out, err := r.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id),
		PatchDocument: aws.String(string(patch)), ClientToken: r.clientToken()})
	if err != nil {
		r.t.Fatalf("%s: UpdateResource %s: %v", step, patch, err)
	}
	st := r.wait(step+": "+string(patch), out.ProgressEvent, types.OperationUpdate)
	if got := aws.ToString(st.Identifier); got != id {
		r.t.Errorf("%s: update event Identifier = %s, want %s", step, got, id)
	}
	state := r.readTwice(step, typeName, id, config)
	// Nothing but what the plan changed changes: the new state is the plan,
	// but for the read-only properties (Size, AssociationSize, …), which
	// the plan leaves unknown.
	p, s := replayCopy(planned), replayCopy(state)
	for _, k := range replayReadOnly[typeName] {
		delete(p, k)
		delete(s, k)
	}
	if diff := cmp.Diff(replaySets(p), replaySets(s)); diff != "" {
		r.t.Errorf("%s: the state after the update is not the plan (patch %s) (-plan +state):\n%s", step, patch, diff)
	}
	return config, state
}

// destroy deletes a resource and waits; the resource is then not found.
func (r *replayEnv) destroy(step, typeName, id string) {
	r.t.Helper()
	r.configure(step)
	r.read(step+": refresh", typeName, id)
	out, err := r.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id),
		ClientToken: r.clientToken()})
	if err != nil {
		r.t.Fatalf("%s: DeleteResource: %v", step, err)
	}
	r.wait(step, out.ProgressEvent, types.OperationDelete)
	_, err = r.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		r.t.Errorf("%s: GetResource after delete: %v, want ResourceNotFoundException", step, err)
	}
}

func replayDecode(t *testing.T, step, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%s: Properties %q: %v", step, s, err)
	}
	return m
}

// replayCopy is a deep copy of a JSON document.
func replayCopy(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// replayValue makes a JSON value comparable: numbers as one numeric form
// (10, 10.0 and 1e1 are one number to Terraform; "10" is not), arrays
// sorted — every array property of the four schemas has insertionOrder
// false, so Terraform compares them as sets.
func replayValue(v any, sets bool) any {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return "bad number " + v.String()
		}
		return replayNumber(strconv.FormatFloat(f, 'g', -1, 64))
	case float64:
		return replayNumber(strconv.FormatFloat(v, 'g', -1, 64))
	case int:
		return replayNumber(strconv.Itoa(v))
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = replayValue(x, sets)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = replayValue(x, sets)
		}
		if sets {
			sort.SliceStable(out, func(i, j int) bool { return replayKey(out[i]) < replayKey(out[j]) })
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return replayValue(out, sets)
	}
	return v
}

type replayNumber string

func replayKey(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func replaySets(m map[string]any) any { return replayValue(m, true) }

// replayDrift lists the properties the user set (want) that read back
// otherwise (got). Properties the user did not set may be added by the read
// (awscc makes them computed); a set one must come back the same.
func replayDrift(want any, got any, path string) []string {
	if wm, ok := want.(map[string]any); ok {
		gm, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s/: set %s, read %s", path, replayKey(want), replayKey(got))}
		}
		keys := make([]string, 0, len(wm))
		for k := range wm {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var out []string
		for _, k := range keys {
			g, ok := gm[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s/%s: set %s, not read back", path, k, replayKey(wm[k])))
				continue
			}
			out = append(out, replayDrift(wm[k], g, path+"/"+k)...)
		}
		return out
	}
	if w, g := replayValue(want, true), replayValue(got, true); !reflect.DeepEqual(w, g) {
		return []string{fmt.Sprintf("%s: set %s, read %s", path, replayKey(want), replayKey(got))}
	}
	return nil
}

// replayPatch is the JSON Patch from a to b as awscc computes it
// (mattbaird/jsonpatch CreatePatch): members added, removed or replaced,
// objects compared member by member, arrays element by element as sets —
// each element of a missing from b removed at its index in a, each element
// of b missing from a added at its index in b.
func replayPatch(a, b map[string]any, path string) []map[string]any {
	var ops []map[string]any
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := path + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
		av, ok := a[k]
		switch {
		case !ok:
			ops = append(ops, map[string]any{"op": "add", "path": p, "value": b[k]})
		case reflect.DeepEqual(av, b[k]):
		default:
			am, aok := av.(map[string]any)
			bm, bok := b[k].(map[string]any)
			aa, aaok := av.([]any)
			ba, baok := b[k].([]any)
			switch {
			case aok && bok:
				ops = append(ops, replayPatch(am, bm, p)...)
			case aaok && baok:
				for i, x := range aa {
					if !slices.ContainsFunc(ba, func(y any) bool { return reflect.DeepEqual(x, y) }) {
						ops = append(ops, map[string]any{"op": "remove", "path": p + "/" + strconv.Itoa(i)})
					}
				}
				for i, y := range ba {
					if !slices.ContainsFunc(aa, func(x any) bool { return reflect.DeepEqual(x, y) }) {
						ops = append(ops, map[string]any{"op": "add", "path": p + "/" + strconv.Itoa(i), "value": y})
					}
				}
			default:
				ops = append(ops, map[string]any{"op": "replace", "path": p, "value": b[k]})
			}
		}
	}
	keys = keys[:0]
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		ops = append(ops, map[string]any{"op": "remove", "path": path + "/" + k})
	}
	return ops
}

// replayAddTag adds a tag to a document's Tags.
func replayAddTag(key, value string) func(map[string]any) {
	return func(m map[string]any) {
		tags, _ := m["Tags"].([]any)
		m["Tags"] = append(tags, map[string]any{"Key": key, "Value": value})
	}
}

// replayRemove removes the element v from the array at the members path.
func replayRemove(v any, path ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, k := range path[:len(path)-1] {
			m = m[k].(map[string]any)
		}
		last := path[len(path)-1]
		m[last] = slices.DeleteFunc(m[last].([]any), func(x any) bool { return reflect.DeepEqual(x, v) })
	}
}

func replayTags(kv ...string) []any {
	var out []any
	for i := 0; i < len(kv); i += 2 {
		out = append(out, map[string]any{"Key": kv[i], "Value": kv[i+1]})
	}
	return out
}

func replayStrings(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestReplayAwsccAllTypes(t *testing.T) {
	r := newReplayEnv(t)
	changes := func(description string, more ...func(map[string]any)) func(map[string]any) {
		return func(m map[string]any) {
			m["Description"] = description
			replayAddTag("owner", "me")(m)
			for _, f := range more {
				f(m)
			}
		}
	}

	// resource "awscc_billingconductor_pricing_rule"
	ruleConfig := map[string]any{"Name": "tf-rule", "Description": "markup", "Scope": "SERVICE", "Service": "AmazonEC2",
		"Type": "MARKUP", "ModifierPercentage": 10.5, "Tags": replayTags("team", "a", "env", "dev")}
	rule, ruleState := r.create("create PricingRule", replayRuleType, ruleConfig)
	ruleConfig, _ = r.update("update PricingRule", replayRuleType, rule, ruleConfig, ruleState, changes("markup 2"))
	_ = ruleConfig

	// resource "awscc_billingconductor_pricing_plan"
	planConfig := map[string]any{"Name": "tf-plan", "Description": "plan", "PricingRuleArns": []any{rule},
		"Tags": replayTags("team", "a", "env", "dev")}
	plan, planState := r.create("create PricingPlan", planType, planConfig)
	if got := planState["Size"]; replayKey(got) != "1" {
		t.Errorf("PricingPlan Size = %v, want 1", got)
	}
	r.update("update PricingPlan", planType, plan, planConfig, planState, changes("plan 2"))

	// resource "awscc_billingconductor_billing_group": 35 accounts, out of order.
	linked := append(groupAccounts(20, 40), groupAccounts(1, 14)...)
	primary := groupAccount(1)
	groupConfig := map[string]any{"Name": "tf-group", "Description": "group", "PrimaryAccountId": primary,
		"AccountGrouping":       map[string]any{"LinkedAccountIds": replayStrings(linked)},
		"ComputationPreference": map[string]any{"PricingPlanArn": plan},
		"Tags":                  replayTags("team", "a", "env", "dev")}
	group, groupState := r.create("create BillingGroup", groupType, groupConfig)
	if got := groupState["Size"]; replayKey(got) != "35" {
		t.Errorf("BillingGroup Size = %v, want 35", got)
	}
	_, groupState = r.update("update BillingGroup", groupType, group, groupConfig, groupState,
		changes("group 2", replayRemove(groupAccount(30), "AccountGrouping", "LinkedAccountIds")))
	if got := groupState["Size"]; replayKey(got) != "34" {
		t.Errorf("BillingGroup Size after the update = %v, want 34", got)
	}

	// resource "awscc_billingconductor_custom_line_item": a flat fee and a
	// percentage credit over the group and the flat item.
	period := map[string]any{"InclusiveStartBillingPeriod": "2026-03", "ExclusiveEndBillingPeriod": "2026-04"}
	flatConfig := map[string]any{"Name": "tf-flat", "Description": "fee", "BillingGroupArn": group,
		"BillingPeriodRange":          period,
		"CustomLineItemChargeDetails": map[string]any{"Type": "FEE", "Flat": map[string]any{"ChargeValue": 125.5}},
		"Tags":                        replayTags("team", "a", "env", "dev")}
	flat, flatState := r.create("create flat CustomLineItem", itemType, flatConfig)
	r.update("update flat CustomLineItem", itemType, flat, flatConfig, flatState, changes("fee 2"))

	pctConfig := map[string]any{"Name": "tf-pct", "Description": "credit", "BillingGroupArn": group,
		"BillingPeriodRange": period,
		"CustomLineItemChargeDetails": map[string]any{"Type": "CREDIT", "Percentage": map[string]any{
			"PercentageValue": 10, "ChildAssociatedResources": []any{group, flat}}},
		"Tags": replayTags("team", "a", "env", "dev")}
	pct, pctState := r.create("create percentage CustomLineItem", itemType, pctConfig)
	if got := pctState["AssociationSize"]; replayKey(got) != "2" {
		t.Errorf("percentage CustomLineItem AssociationSize = %v, want 2", got)
	}
	_, pctState = r.update("update percentage CustomLineItem", itemType, pct, pctConfig, pctState,
		changes("credit 2", replayRemove(flat, "CustomLineItemChargeDetails", "Percentage", "ChildAssociatedResources")))
	if got := pctState["AssociationSize"]; replayKey(got) != "1" {
		t.Errorf("percentage CustomLineItem AssociationSize after the update = %v, want 1", got)
	}

	// terraform destroy: reverse dependency order.
	r.destroy("delete percentage CustomLineItem", itemType, pct)
	r.destroy("delete flat CustomLineItem", itemType, flat)
	r.destroy("delete BillingGroup", groupType, group)
	r.destroy("delete PricingPlan", planType, plan)
	r.destroy("delete PricingRule", replayRuleType, rule)
}

// The patch computation itself, on the shapes the replay sends.
func TestReplayPatch(t *testing.T) {
	a := map[string]any{"Arn": "x", "Description": "a", "Tags": replayTags("env", "dev"),
		"AccountGrouping": map[string]any{"LinkedAccountIds": []any{"1", "2", "3"}}, "Gone": "g"}
	b := replayCopy(a)
	b["Description"] = "b"
	delete(b, "Gone")
	replayAddTag("owner", "me")(b)
	replayRemove("2", "AccountGrouping", "LinkedAccountIds")(b)
	got := replayKey(replayPatch(a, b, ""))
	want := `[{"op":"remove","path":"/AccountGrouping/LinkedAccountIds/1"},` +
		`{"op":"replace","path":"/Description","value":"b"},` +
		`{"op":"add","path":"/Tags/1","value":{"Key":"owner","Value":"me"}},` +
		`{"op":"remove","path":"/Gone"}]`
	if got != want {
		t.Errorf("patch = %s\nwant    %s", got, want)
	}
	if d := replayDrift(map[string]any{"N": 10, "S": []any{"b", "a"}}, map[string]any{"N": json.Number("10.0"), "S": []any{"a", "b"}, "X": 1}, ""); len(d) != 0 {
		t.Errorf("drift of equal documents: %v", d)
	}
	if d := replayDrift(map[string]any{"N": 10.5}, map[string]any{"N": "10.5"}, ""); len(d) != 1 {
		t.Errorf("a number read back as a string is not drift: %v", d)
	}
}
