package cloudcontrol_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
)

// Every constraint of a resource's schema holds for Cloud Control as the
// Billing Conductor API's model holds for the API: a desired state or a
// patch that breaks one fails with InvalidRequest naming the property, and
// nothing is created or changed.
func TestSchemaConstraintsAreEnforced(t *testing.T) {
	e := newEnv(t)
	group := itemGroup(e, "g", itemAccount)
	long := func(n int) string { return strings.Repeat("a", n) }
	item := func(charge string) string {
		return `{"Name":"i","BillingGroupArn":"` + group + `","CustomLineItemChargeDetails":` + charge + `}`
	}
	for _, tc := range []struct {
		name, typeName, desired, where string
	}{
		{"charge type not in the enum", itemType, item(`{"Type":"FOO","Flat":{"ChargeValue":1}}`), "/CustomLineItemChargeDetails/Type"},
		{"flat value over the maximum", itemType, item(`{"Type":"FEE","Flat":{"ChargeValue":1000001}}`), "/CustomLineItemChargeDetails/Flat/ChargeValue"},
		{"percentage over 10,000", itemType, item(`{"Type":"FEE","Percentage":{"PercentageValue":10001}}`), "/CustomLineItemChargeDetails/Percentage/PercentageValue"},
		{"description over 255", itemType, `{"Name":"i","Description":"` + long(256) + `","BillingGroupArn":"` + group +
			`","CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":1}}}`, "/Description"},
		{"rule name over 128", ruleType, `{"Name":"` + long(129) + `","Scope":"GLOBAL","Type":"MARKUP","ModifierPercentage":1}`, "/Name"},
		{"usage type with a space", ruleType, `{"Name":"r","Scope":"SKU","Type":"MARKUP","ModifierPercentage":1,"Service":"AmazonEC2",` +
			`"UsageType":"Box Usage","Operation":"Run"}`, "/UsageType"},
		{"plan description over 1,024", planType, `{"Name":"p","Description":"` + long(1025) + `"}`, "/Description"},
		{"tag without a value", planType, `{"Name":"p","Tags":[{"Key":"k"}]}`, "/Tags/0"},
		{"tag key over 128", planType, `{"Name":"p","Tags":[{"Key":"` + long(129) + `","Value":"v"}]}`, "/Tags/0/Key"},
	} {
		out, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(tc.typeName), DesiredState: aws.String(tc.desired)})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ev := e.status(aws.ToString(out.ProgressEvent.RequestToken))
		if ev.OperationStatus != types.OperationStatusFailed || ev.ErrorCode != types.HandlerErrorCodeInvalidRequest ||
			!strings.Contains(aws.ToString(ev.StatusMessage), "'"+tc.where+"'") {
			t.Errorf("%s: %s %s %q, want FAILED InvalidRequest at %s", tc.name, ev.OperationStatus, ev.ErrorCode,
				aws.ToString(ev.StatusMessage), tc.where)
		}
		if ev.Identifier != nil && *ev.Identifier != "" {
			t.Errorf("%s: a refused create names %s", tc.name, *ev.Identifier)
		}
	}
	for typeName, want := range map[string]int{itemType: 0, ruleType: 0, planType: 1} { // itemGroup's plan
		list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(typeName)})
		if err != nil || len(list.ResourceDescriptions) != want {
			t.Errorf("%s after refused creates: %d resources, %v; want %d", typeName, len(list.ResourceDescriptions), err, want)
		}
	}

	// A patch that breaks the schema changes nothing.
	ok := itemCreate(e, item(`{"Type":"FEE","Flat":{"ChargeValue":1}}`))
	id := aws.ToString(ok.Identifier)
	up, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(id),
		PatchDocument: aws.String(`[{"op":"replace","path":"/CustomLineItemChargeDetails/Flat/ChargeValue","value":2000000}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if ev := e.status(aws.ToString(up.ProgressEvent.RequestToken)); ev.ErrorCode != types.HandlerErrorCodeInvalidRequest {
		t.Errorf("a patch over the maximum: %s %s %q", ev.OperationStatus, ev.ErrorCode, aws.ToString(ev.StatusMessage))
	}
	got, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(id)})
	if err != nil || !strings.Contains(aws.ToString(got.ResourceDescription.Properties), `"ChargeValue":1}`) {
		t.Errorf("after the refused patch: %v %v", got, err)
	}
}

// The embedded schemas are the spec's, when the spec is beside the
// repository.
func TestSchemasAreTheSpecs(t *testing.T) {
	spec, err := filepath.Glob("../../../shared/spec/cloudcontrol/schemas/*.json")
	if err != nil || len(spec) == 0 {
		t.Skip("no ../shared/spec/cloudcontrol/schemas beside the repository")
	}
	for _, s := range spec {
		want, _ := os.ReadFile(s)
		got, err := os.ReadFile(filepath.Join("schemas", filepath.Base(s)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("schemas/%s differs from %s (%v): copy it again", filepath.Base(s), s, err)
		}
	}
}

// A plan created with more rules than a plan may hold fails as adding them
// one by one would: ServiceLimitExceeded, and no plan (§12).
func TestPlanCreatedOverTheRulesQuota(t *testing.T) {
	e := newEnv(t)
	arns := make([]string, 501)
	for i := range arns {
		arns[i] = e.rule(fmt.Sprintf("r%03d", i), fmt.Sprintf("Service%03d", i))
	}
	desired, _ := json.Marshal(map[string]any{"Name": "big", "PricingRuleArns": arns})
	ev := e.create(string(desired))
	if ev = e.status(aws.ToString(ev.RequestToken)); ev.OperationStatus != types.OperationStatusFailed ||
		ev.ErrorCode != types.HandlerErrorCodeServiceLimitExceeded {
		t.Errorf("a plan of 501 rules: %s %s %q, want FAILED ServiceLimitExceeded", ev.OperationStatus, ev.ErrorCode, aws.ToString(ev.StatusMessage))
	}
	list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(planType)})
	if err != nil || len(list.ResourceDescriptions) != 0 {
		t.Errorf("plans after the refused create: %d, %v", len(list.ResourceDescriptions), err)
	}
}

// A create that fails after the resource was made (here: a child of
// another billing group) leaves no resource, and its event names none: a
// tool would otherwise keep the identifier of nothing in its state.
func TestFailedCreateNamesNoResource(t *testing.T) {
	e := newEnv(t)
	group := itemGroup(e, "g1", itemAccount)
	other := itemGroup(e, "g2", "100000000002")
	ev := itemCreate(e, `{"Name":"i","BillingGroupArn":"`+group+`","CustomLineItemChargeDetails":{"Type":"FEE",`+
		`"Percentage":{"PercentageValue":5,"ChildAssociatedResources":["`+other+`"]}}}`)
	if ev.OperationStatus != types.OperationStatusFailed || aws.ToString(ev.Identifier) != "" {
		t.Errorf("a create refused after the item was made: %s, identifier %q", ev.OperationStatus, aws.ToString(ev.Identifier))
	}
	list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(itemType)})
	if err != nil || len(list.ResourceDescriptions) != 0 {
		t.Errorf("items after the failed create: %d, %v", len(list.ResourceDescriptions), err)
	}
}
