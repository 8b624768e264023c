package cloudcontrol_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/google/go-cmp/cmp"
)

const ruleType = "AWS::BillingConductor::PricingRule"

// ruleCreate creates a resource of typeName and returns its completed event.
func ruleCreate(e *env, typeName, desired string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(typeName), DesiredState: aws.String(desired)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(out.ProgressEvent.RequestToken))
}

// ruleCreated creates a pricing rule that must succeed and returns its identifier.
func ruleCreated(e *env, desired string) string {
	e.t.Helper()
	st := ruleCreate(e, ruleType, desired)
	if st.OperationStatus != types.OperationStatusSuccess {
		e.t.Fatalf("create %s = %s %s: %s", desired, st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	return aws.ToString(st.Identifier)
}

func ruleGet(e *env, id string) map[string]any {
	e.t.Helper()
	out, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(ruleType), Identifier: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != id {
		e.t.Errorf("Identifier = %s, want %s", got, id)
	}
	return parse(e.t, aws.ToString(out.ResourceDescription.Properties))
}

// ruleUpdate patches a resource and returns the completed event.
func ruleUpdate(e *env, typeName, id, patch string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id),
		PatchDocument: aws.String(patch)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(out.ProgressEvent.RequestToken))
}

func ruleDelete(e *env, typeName, id string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(out.ProgressEvent.RequestToken))
}

// ruleTags is the model of tags given as key, value pairs.
func ruleTags(kv ...string) []any {
	var out []any
	for i := 0; i < len(kv); i += 2 {
		out = append(out, map[string]any{"Key": kv[i], "Value": kv[i+1]})
	}
	return out
}

// ruleWant returns want with the read-only properties of a rule added.
func ruleWant(id string, count float64, want map[string]any) map[string]any {
	epoch := float64(startTime.Unix())
	out := map[string]any{"Arn": id, "AssociatedPricingPlanCount": count, "CreationTime": epoch, "LastModifiedTime": epoch}
	for k, v := range want {
		out[k] = v
	}
	return out
}

// ruleCheck reads a rule twice: both reads must equal want.
func ruleCheck(t *testing.T, e *env, id, what string, want map[string]any) {
	t.Helper()
	first, second := ruleGet(e, id), ruleGet(e, id)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("%s: two reads differ (-first +second):\n%s", what, diff)
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("%s: GetResource (-want +got):\n%s", what, diff)
	}
}

func TestPricingRuleLifecycle(t *testing.T) {
	e := newEnv(t)
	desired := `{"Name":"tf-rule","Description":"first","Scope":"SERVICE","Service":"AmazonEC2","Type":"MARKUP",` +
		`"ModifierPercentage":10.5,"Tags":[{"Key":"team","Value":"a"},{"Key":"env","Value":"dev"}]}`
	out, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(ruleType), DesiredState: aws.String(desired)})
	if err != nil {
		t.Fatal(err)
	}
	waiter := cc.NewResourceRequestSuccessWaiter(e.cc)
	done, err := waiter.WaitForOutput(ctx, &cc.GetResourceRequestStatusInput{RequestToken: out.ProgressEvent.RequestToken}, time.Minute)
	if err != nil {
		st := e.status(aws.ToString(out.ProgressEvent.RequestToken))
		t.Fatalf("%v: %s %s", err, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	st := done.ProgressEvent
	if st.OperationStatus != types.OperationStatusSuccess || st.Operation != types.OperationCreate ||
		aws.ToString(st.TypeName) != ruleType {
		t.Fatalf("status = %+v", st)
	}
	id := aws.ToString(st.Identifier)
	if !strings.HasPrefix(id, "arn:aws:billingconductor::"+payer+":pricingrule/") {
		t.Fatalf("Identifier = %q", id)
	}
	want := ruleWant(id, 0, map[string]any{
		"Name": "tf-rule", "Description": "first", "Scope": "SERVICE", "Service": "AmazonEC2", "Type": "MARKUP",
		"ModifierPercentage": 10.5, "Tags": ruleTags("env", "dev", "team", "a"),
	})
	ruleCheck(t, e, id, "after create", want)
	if diff := cmp.Diff(want, parse(t, aws.ToString(st.ResourceModel))); diff != "" {
		t.Errorf("ResourceModel of the create event (-want +got):\n%s", diff)
	}

	// Name, Description, ModifierPercentage and Tags.
	up := ruleUpdate(e, ruleType, id, `[{"op":"replace","path":"/Name","value":"tf-rule-2"},`+
		`{"op":"remove","path":"/Description"},`+
		`{"op":"replace","path":"/ModifierPercentage","value":12.25},`+
		`{"op":"remove","path":"/Tags/1"},`+
		`{"op":"replace","path":"/Tags/0/Value","value":"prod"},`+
		`{"op":"add","path":"/Tags/-","value":{"Key":"owner","Value":"me"}}]`)
	if up.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("update = %s %s: %s", up.OperationStatus, up.ErrorCode, aws.ToString(up.StatusMessage))
	}
	want = ruleWant(id, 0, map[string]any{
		"Name": "tf-rule-2", "Scope": "SERVICE", "Service": "AmazonEC2", "Type": "MARKUP",
		"ModifierPercentage": 12.25, "Tags": ruleTags("env", "prod", "owner", "me"),
	})
	ruleCheck(t, e, id, "after the first update", want)
	if diff := cmp.Diff(want, parse(t, aws.ToString(up.ResourceModel))); diff != "" {
		t.Errorf("ResourceModel of the update event (-want +got):\n%s", diff)
	}

	// Type (to TIERING, which drops the modifier), Tiering and Description.
	up = ruleUpdate(e, ruleType, id, `[{"op":"replace","path":"/Type","value":"TIERING"},`+
		`{"op":"remove","path":"/ModifierPercentage"},`+
		`{"op":"add","path":"/Description","value":"free tier"},`+
		`{"op":"add","path":"/Tiering","value":{"FreeTier":{"Activated":true}}}]`)
	if up.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("update to TIERING = %s %s: %s", up.OperationStatus, up.ErrorCode, aws.ToString(up.StatusMessage))
	}
	want = ruleWant(id, 0, map[string]any{
		"Name": "tf-rule-2", "Description": "free tier", "Scope": "SERVICE", "Service": "AmazonEC2", "Type": "TIERING",
		"Tiering": map[string]any{"FreeTier": map[string]any{"Activated": true}}, "Tags": ruleTags("env", "prod", "owner", "me"),
	})
	ruleCheck(t, e, id, "after the update to TIERING", want)

	// Tiering alone.
	up = ruleUpdate(e, ruleType, id, `[{"op":"replace","path":"/Tiering/FreeTier/Activated","value":false}]`)
	if up.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("Tiering update = %s %s: %s", up.OperationStatus, up.ErrorCode, aws.ToString(up.StatusMessage))
	}
	want["Tiering"] = map[string]any{"FreeTier": map[string]any{"Activated": false}}
	ruleCheck(t, e, id, "after the Tiering update", want)

	// Back to DISCOUNT, with a modifier and without the tiering.
	up = ruleUpdate(e, ruleType, id, `[{"op":"replace","path":"/Type","value":"DISCOUNT"},`+
		`{"op":"remove","path":"/Tiering"},{"op":"add","path":"/ModifierPercentage","value":20}]`)
	if up.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("update to DISCOUNT = %s %s: %s", up.OperationStatus, up.ErrorCode, aws.ToString(up.StatusMessage))
	}
	delete(want, "Tiering")
	want["Type"], want["ModifierPercentage"] = "DISCOUNT", 20.0
	ruleCheck(t, e, id, "after the update to DISCOUNT", want)

	// A plan holding the rule shows in AssociatedPricingPlanCount and blocks the delete.
	plan := ruleCreate(e, planType, `{"Name":"holder","PricingRuleArns":["`+id+`"]}`)
	if plan.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("plan create = %s %s: %s", plan.OperationStatus, plan.ErrorCode, aws.ToString(plan.StatusMessage))
	}
	want["AssociatedPricingPlanCount"] = 1.0
	ruleCheck(t, e, id, "in a plan", want)
	if st := ruleDelete(e, ruleType, id); st.OperationStatus != types.OperationStatusFailed ||
		st.ErrorCode != types.HandlerErrorCodeResourceConflict {
		t.Errorf("delete of a rule in a plan = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	ruleCheck(t, e, id, "after the refused delete", want)
	if st := ruleDelete(e, planType, aws.ToString(plan.Identifier)); st.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("plan delete = %s %s", st.OperationStatus, st.ErrorCode)
	}
	want["AssociatedPricingPlanCount"] = 0.0

	other := ruleCreated(e, `{"Name":"global","Scope":"GLOBAL","Type":"DISCOUNT","ModifierPercentage":1}`)
	var listed []string
	p := cc.NewListResourcesPaginator(e.cc, &cc.ListResourcesInput{TypeName: aws.String(ruleType), MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.ResourceDescriptions {
			rid := aws.ToString(d.Identifier)
			listed = append(listed, rid)
			if rid == id {
				if diff := cmp.Diff(want, parse(t, aws.ToString(d.Properties))); diff != "" {
					t.Errorf("ListResources properties (-want +got):\n%s", diff)
				}
			}
		}
	}
	if diff := cmp.Diff(sorted(id, other), sorted(listed...)); diff != "" {
		t.Errorf("ListResources identifiers (-want +got):\n%s", diff)
	}

	if st := ruleDelete(e, ruleType, id); st.OperationStatus != types.OperationStatusSuccess || st.Operation != types.OperationDelete {
		t.Fatalf("delete status = %+v", st)
	}
	_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(ruleType), Identifier: aws.String(id)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetResource after delete: %v, want ResourceNotFoundException", err)
	}
	if st := ruleDelete(e, ruleType, id); st.OperationStatus != types.OperationStatusFailed ||
		st.ErrorCode != types.HandlerErrorCodeNotFound {
		t.Fatalf("second delete status = %+v", st)
	}
	if st := ruleUpdate(e, ruleType, id, `[{"op":"replace","path":"/Name","value":"x"}]`); st.ErrorCode != types.HandlerErrorCodeNotFound {
		t.Errorf("update of a deleted rule = %s %s", st.OperationStatus, st.ErrorCode)
	}
}

func TestPricingRuleNotUpdatable(t *testing.T) {
	e := newEnv(t)
	id := ruleCreated(e, `{"Name":"sku","Scope":"SKU","Service":"AmazonEC2","UsageType":"BoxUsage:t3.micro",`+
		`"Operation":"RunInstances","Type":"MARKUP","ModifierPercentage":3}`)
	before := ruleGet(e, id)
	for _, patch := range []string{
		`[{"op":"replace","path":"/Scope","value":"SERVICE"}]`,
		`[{"op":"replace","path":"/Service","value":"AmazonS3"}]`,
		`[{"op":"replace","path":"/UsageType","value":"BoxUsage:t3.small"}]`,
		`[{"op":"replace","path":"/Operation","value":"RunInstances:0002"}]`,
		`[{"op":"add","path":"/BillingEntity","value":"AWS"}]`,
		`[{"op":"remove","path":"/Operation"}]`,
		`[{"op":"replace","path":"/Name","value":"renamed"},{"op":"replace","path":"/Service","value":"AmazonS3"}]`,
		`[{"op":"replace","path":"/Arn","value":"arn:aws:billingconductor::123456789012:pricingrule/abcdefghij"}]`,
		`[{"op":"replace","path":"/AssociatedPricingPlanCount","value":3}]`,
		`[{"op":"replace","path":"/CreationTime","value":1}]`,
	} {
		st := ruleUpdate(e, ruleType, id, patch)
		if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeNotUpdatable {
			t.Errorf("patch %s = %s %s, want FAILED NotUpdatable", patch, st.OperationStatus, st.ErrorCode)
		}
		if st.ResourceModel != nil {
			t.Errorf("a failed event has a ResourceModel: %s", aws.ToString(st.ResourceModel))
		}
	}
	if diff := cmp.Diff(before, ruleGet(e, id)); diff != "" {
		t.Errorf("the rule changed (-before +after):\n%s", diff)
	}
	// SDK-level: GetResource of the unchanged rule still answers the SKU.
	if got := before["UsageType"]; got != "BoxUsage:t3.micro" {
		t.Errorf("UsageType = %v", got)
	}
}

func TestPricingRuleBusinessErrors(t *testing.T) {
	e := newEnv(t)
	id := ruleCreated(e, `{"Name":"dup","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":5}`)
	before := ruleGet(e, id)

	st := ruleCreate(e, ruleType, `{"Name":"dup","Scope":"SERVICE","Service":"AmazonS3","Type":"DISCOUNT","ModifierPercentage":5}`)
	if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeAlreadyExists ||
		!strings.Contains(aws.ToString(st.StatusMessage), "already exists") {
		t.Errorf("duplicate create = %s %s %q", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	if st.ResourceModel != nil {
		t.Errorf("a failed event has a ResourceModel: %s", aws.ToString(st.ResourceModel))
	}

	other := ruleCreated(e, `{"Name":"other","Scope":"BILLING_ENTITY","BillingEntity":"AWS Marketplace","Type":"DISCOUNT","ModifierPercentage":7.5}`)
	otherBefore := ruleGet(e, other)
	if st := ruleUpdate(e, ruleType, other, `[{"op":"replace","path":"/Name","value":"dup"}]`); st.ErrorCode != types.HandlerErrorCodeAlreadyExists {
		t.Errorf("rename onto a taken name = %s %s", st.OperationStatus, st.ErrorCode)
	}
	for _, tt := range []struct{ patch, code string }{
		// A DISCOUNT cannot exceed 100 percent.
		{`[{"op":"replace","path":"/ModifierPercentage","value":150}]`, "InvalidRequest"},
		// A DISCOUNT rule needs its modifier.
		{`[{"op":"remove","path":"/ModifierPercentage"}]`, "InvalidRequest"},
		// TIERING does not apply to BILLING_ENTITY rules.
		{`[{"op":"replace","path":"/Type","value":"TIERING"},{"op":"remove","path":"/ModifierPercentage"},` +
			`{"op":"add","path":"/Tiering","value":{"FreeTier":{"Activated":true}}}]`, "InvalidRequest"},
		{`[{"op":"add","path":"/Tiering","value":{"FreeTier":{}}}]`, "InvalidRequest"},
		{`[{"op":"replace","path":"/Type","value":"SURCHARGE"}]`, "InvalidRequest"},
		{`[{"op":"replace","path":"/Tags","value":[{"Key":"a","Value":"1"},{"Key":"a","Value":"2"}]}]`, "InvalidRequest"},
	} {
		if st := ruleUpdate(e, ruleType, other, tt.patch); st.OperationStatus != types.OperationStatusFailed || string(st.ErrorCode) != tt.code {
			t.Errorf("patch %s = %s %s (%s), want FAILED %s", tt.patch, st.OperationStatus, st.ErrorCode,
				aws.ToString(st.StatusMessage), tt.code)
		}
	}
	if diff := cmp.Diff(otherBefore, ruleGet(e, other)); diff != "" {
		t.Errorf("the renamed rule changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(before, ruleGet(e, id)); diff != "" {
		t.Errorf("the existing rule changed (-before +after):\n%s", diff)
	}

	// One rule per SKU.
	sku := `"Scope":"SKU","Service":"AmazonEC2","UsageType":"BoxUsage:t3.micro","Operation":"RunInstances","Type":"MARKUP","ModifierPercentage":1}`
	ruleCreated(e, `{"Name":"sku1",`+sku)
	if st := ruleCreate(e, ruleType, `{"Name":"sku2",`+sku); st.OperationStatus != types.OperationStatusFailed ||
		st.ErrorCode != types.HandlerErrorCodeInvalidRequest {
		t.Errorf("a second rule on a SKU = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}

	for _, desired := range []string{
		`{"Name":"x","Type":"MARKUP","ModifierPercentage":1}`,
		`{"Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":1}`,
		`{"Name":"x","Scope":"GLOBAL","ModifierPercentage":1}`,
		`{"Name":"x","Scope":"REGION","Type":"MARKUP","ModifierPercentage":1}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":-1}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":"1"}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"MARKUP"}`,
		`{"Name":"x","Scope":"SERVICE","Type":"MARKUP","ModifierPercentage":1}`,
		`{"Name":"x","Scope":"GLOBAL","Service":"AmazonS3","Type":"MARKUP","ModifierPercentage":1}`,
		`{"Name":"x","Scope":"BILLING_ENTITY","BillingEntity":"Nobody","Type":"MARKUP","ModifierPercentage":1}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"TIERING"}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"TIERING","Tiering":{"FreeTier":{"Activated":true,"Extra":1}}}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":1,"Unknown":1}`,
		`{"Name":"x","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":1,"AssociatedPricingPlanCount":0}`,
		`{"Name":"bad name","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":1}`,
	} {
		if st := ruleCreate(e, ruleType, desired); st.OperationStatus != types.OperationStatusFailed ||
			st.ErrorCode != types.HandlerErrorCodeInvalidRequest {
			t.Errorf("create %s = %s %s (%s), want FAILED InvalidRequest", desired, st.OperationStatus, st.ErrorCode,
				aws.ToString(st.StatusMessage))
		}
	}
	list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(ruleType)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.ResourceDescriptions); n != 3 {
		t.Errorf("ListResources has %d rules, want 3", n)
	}
	_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(ruleType), Identifier: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetResource of an unknown identifier: %v (%s), want ResourceNotFoundException", err, apiCode(err))
	}
}
