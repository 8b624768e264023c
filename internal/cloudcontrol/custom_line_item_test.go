package cloudcontrol_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const (
	itemType    = "AWS::BillingConductor::CustomLineItem"
	itemAccount = "100000000001"
)

// itemGroup creates a billing group through the Billing Conductor Service.
func itemGroup(e *env, name string, accounts ...string) string {
	e.t.Helper()
	plan, err := e.svc.CreatePricingPlan(ctx, conductor.Caller{Account: payer}, conductor.CreatePricingPlanInput{Name: name + "-plan"})
	if err != nil {
		e.t.Fatal(err)
	}
	arn, err := e.svc.CreateBillingGroup(ctx, conductor.Caller{Account: payer}, conductor.CreateBillingGroupInput{
		Name: name, PrimaryAccountID: accounts[0], PricingPlanARN: plan, LinkedAccountIDs: accounts})
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// itemCreate creates a custom line item through Cloud Control and returns
// the request's final event.
func itemCreate(e *env, desired string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(itemType), DesiredState: aws.String(desired)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(out.ProgressEvent.RequestToken))
}

func itemCreated(e *env, desired string) string {
	e.t.Helper()
	st := itemCreate(e, desired)
	if st.OperationStatus != types.OperationStatusSuccess || aws.ToString(st.TypeName) != itemType {
		e.t.Fatalf("create status = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	id := aws.ToString(st.Identifier)
	if !strings.HasPrefix(id, "arn:aws:billingconductor::"+payer+":customlineitem/") {
		e.t.Fatalf("Identifier = %q", id)
	}
	return id
}

func itemGet(e *env, id string) map[string]any {
	e.t.Helper()
	out, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != id {
		e.t.Errorf("Identifier = %s, want %s", got, id)
	}
	return parse(e.t, aws.ToString(out.ResourceDescription.Properties))
}

func itemUpdate(e *env, id, patch string) *types.ProgressEvent {
	e.t.Helper()
	up, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(id),
		PatchDocument: aws.String(patch)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(up.ProgressEvent.RequestToken))
}

func itemDelete(e *env, id string) *types.ProgressEvent {
	e.t.Helper()
	del, err := e.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(del.ProgressEvent.RequestToken))
}

// itemWant is a desired model plus the read-only properties.
func itemWant(t *testing.T, desired string, readOnly map[string]any) map[string]any {
	t.Helper()
	m := parse(t, desired)
	for k, v := range readOnly {
		m[k] = v
	}
	return m
}

func TestCustomLineItemLifecycle(t *testing.T) {
	e := newEnv(t)
	group := itemGroup(e, "cli-group", itemAccount, "100000000002")
	epoch := float64(startTime.Unix())
	readOnly := func(arn string, size float64) map[string]any {
		return map[string]any{"Arn": arn, "CreationTime": epoch, "LastModifiedTime": epoch, "AssociationSize": size,
			"ProductCode": "AWSBillingConductor", "CurrencyCode": "USD"}
	}
	common := `"BillingGroupArn":"` + group + `","AccountId":"` + itemAccount + `",` +
		`"BillingPeriodRange":{"InclusiveStartBillingPeriod":"2026-03","ExclusiveEndBillingPeriod":"2026-04"},` +
		`"PresentationDetails":{"Service":"AWSBillingConductor"},`
	flatDesired := `{"Name":"flat-fee","Description":"support fee",` + common + `"ComputationRule":"CONSOLIDATED",` +
		`"CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":125.5}},` +
		`"Tags":[{"Key":"env","Value":"dev"}]}`
	flat := itemCreated(e, flatDesired)
	if diff := cmp.Diff(itemWant(t, flatDesired, readOnly(flat, 0)), itemGet(e, flat)); diff != "" {
		t.Errorf("GetResource of the flat item (-want +got):\n%s", diff)
	}

	children := []string{flat, group}
	slices.Sort(children)
	childJSON := `["` + children[0] + `","` + children[1] + `"]`
	pctDesired := `{"Name":"pct-credit","Description":"first",` + common + `"ComputationRule":"CONSOLIDATED",` +
		`"CustomLineItemChargeDetails":{"Type":"CREDIT","Percentage":{"PercentageValue":10,"ChildAssociatedResources":` + childJSON + `},` +
		`"LineItemFilters":[{"Attribute":"LINE_ITEM_TYPE","MatchOption":"NOT_EQUAL","Values":["SAVINGS_PLAN_NEGATION"]}]},` +
		`"Tags":[{"Key":"env","Value":"dev"},{"Key":"team","Value":"a"}]}`
	pct := itemCreated(e, pctDesired)
	got := itemGet(e, pct)
	if diff := cmp.Diff(itemWant(t, pctDesired, readOnly(pct, 2)), got); diff != "" {
		t.Errorf("GetResource of the percentage item (-want +got):\n%s", diff)
	}
	if _, ok := got["AssociationSize"].(float64); !ok {
		t.Errorf("AssociationSize = %#v, want a number", got["AssociationSize"])
	}
	if diff := cmp.Diff(itemWant(t, flatDesired, readOnly(flat, 1)), itemGet(e, flat)); diff != "" {
		t.Errorf("GetResource of the flat item in use (-want +got):\n%s", diff)
	}

	flatIdx := slices.Index(children, flat)
	patch := `[{"op":"replace","path":"/Name","value":"pct-credit-2"},` +
		`{"op":"replace","path":"/Description","value":"second"},` +
		`{"op":"replace","path":"/CustomLineItemChargeDetails/Percentage/PercentageValue","value":12.5},` +
		`{"op":"remove","path":"/CustomLineItemChargeDetails/Percentage/ChildAssociatedResources/` + strconv.Itoa(flatIdx) + `"},` +
		`{"op":"replace","path":"/CustomLineItemChargeDetails/LineItemFilters","value":` +
		`[{"Attribute":"SERVICE","MatchOption":"EQUAL","AttributeValues":["AmazonEC2"]}]},` +
		`{"op":"remove","path":"/Tags/1"},` +
		`{"op":"replace","path":"/Tags/0/Value","value":"prod"},` +
		`{"op":"add","path":"/Tags/-","value":{"Key":"owner","Value":"me"}}]`
	if st := itemUpdate(e, pct, patch); st.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("update status = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	first, second := itemGet(e, pct), itemGet(e, pct)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("two reads differ (-first +second):\n%s", diff)
	}
	pctWant := `{"Name":"pct-credit-2","Description":"second",` + common + `"ComputationRule":"CONSOLIDATED",` +
		`"CustomLineItemChargeDetails":{"Type":"CREDIT","Percentage":{"PercentageValue":12.5,"ChildAssociatedResources":["` + group + `"]},` +
		`"LineItemFilters":[{"Attribute":"SERVICE","MatchOption":"EQUAL","AttributeValues":["AmazonEC2"]}]},` +
		`"Tags":[{"Key":"env","Value":"prod"},{"Key":"owner","Value":"me"}]}`
	want := itemWant(t, pctWant, readOnly(pct, 1))
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("GetResource after update (-want +got):\n%s", diff)
	}

	// The flat item's value, name and description, removing its tags.
	flatPatch := `[{"op":"replace","path":"/CustomLineItemChargeDetails/Flat/ChargeValue","value":200},` +
		`{"op":"replace","path":"/Name","value":"flat-fee-2"},{"op":"remove","path":"/Description"},{"op":"remove","path":"/Tags"}]`
	if st := itemUpdate(e, flat, flatPatch); st.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("flat update status = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	flatWant := `{"Name":"flat-fee-2",` + common + `"ComputationRule":"CONSOLIDATED",` +
		`"CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":200}}}`
	if diff := cmp.Diff(itemWant(t, flatWant, readOnly(flat, 0)), itemGet(e, flat)); diff != "" {
		t.Errorf("GetResource of the flat item after update (-want +got):\n%s", diff)
	}

	list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(itemType)})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]map[string]any{}
	for _, d := range list.ResourceDescriptions {
		listed[aws.ToString(d.Identifier)] = parse(t, aws.ToString(d.Properties))
	}
	if len(listed) != 2 || listed[flat] == nil {
		t.Fatalf("ListResources = %+v", list.ResourceDescriptions)
	}
	if diff := cmp.Diff(want, listed[pct]); diff != "" {
		t.Errorf("ListResources properties (-want +got):\n%s", diff)
	}

	for _, id := range []string{pct, flat} {
		if st := itemDelete(e, id); st.OperationStatus != types.OperationStatusSuccess || st.Operation != types.OperationDelete {
			t.Fatalf("delete status = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
		}
		_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(id)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("GetResource after delete: %v, want ResourceNotFoundException", err)
		}
	}
	if st := itemDelete(e, pct); st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeNotFound {
		t.Fatalf("second delete status = %+v", st)
	}
}

func TestCustomLineItemNotUpdatable(t *testing.T) {
	e := newEnv(t)
	group := itemGroup(e, "cli-group", itemAccount, "100000000002")
	other := itemGroup(e, "cli-other", "100000000003")
	id := itemCreated(e, `{"Name":"fee","BillingGroupArn":"`+group+`",`+
		`"CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":10}}}`)
	before := itemGet(e, id)
	for _, patch := range []string{
		`[{"op":"replace","path":"/BillingGroupArn","value":"` + other + `"}]`,
		`[{"op":"replace","path":"/AccountId","value":"100000000002"}]`,
		`[{"op":"replace","path":"/CustomLineItemChargeDetails/Type","value":"CREDIT"}]`,
		`[{"op":"replace","path":"/ComputationRule","value":"ITEMIZED"}]`,
		`[{"op":"replace","path":"/BillingPeriodRange/InclusiveStartBillingPeriod","value":"2026-02"}]`,
		`[{"op":"replace","path":"/Arn","value":"x"}]`,
	} {
		st := itemUpdate(e, id, patch)
		if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeNotUpdatable {
			t.Errorf("%s: status = %s %s: %s", patch, st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
		}
	}
	if diff := cmp.Diff(before, itemGet(e, id)); diff != "" {
		t.Errorf("model changed by failed updates (-before +after):\n%s", diff)
	}
}

func TestCustomLineItemBusinessErrors(t *testing.T) {
	e := newEnv(t)
	group := itemGroup(e, "cli-group", itemAccount)
	missing := strings.TrimSuffix(group, group[len(group)-10:]) + "0000000000"
	for _, c := range []struct {
		name, desired string
		code          types.HandlerErrorCode
	}{
		{"account not in group", `{"Name":"fee","BillingGroupArn":"` + group + `","AccountId":"100000000009",` +
			`"CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":10}}}`, types.HandlerErrorCodeInvalidRequest},
		{"flat and percentage", `{"Name":"fee","BillingGroupArn":"` + group + `",` +
			`"CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":10},"Percentage":{"PercentageValue":1}}}`,
			types.HandlerErrorCodeInvalidRequest},
		{"missing group", `{"Name":"fee","BillingGroupArn":"` + missing + `",` +
			`"CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":10}}}`, types.HandlerErrorCodeNotFound},
		{"unknown property", `{"Name":"fee","BillingGroupArn":"` + group + `","Size":1}`, types.HandlerErrorCodeInvalidRequest},
	} {
		st := itemCreate(e, c.desired)
		if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != c.code {
			t.Errorf("%s: status = %s %s: %s, want FAILED %s", c.name, st.OperationStatus, st.ErrorCode,
				aws.ToString(st.StatusMessage), c.code)
		}
	}
	// A flat item in use by a percentage item cannot be deleted.
	flat := itemCreated(e, `{"Name":"fee","BillingGroupArn":"`+group+`","CustomLineItemChargeDetails":{"Type":"FEE","Flat":{"ChargeValue":10}}}`)
	itemCreated(e, `{"Name":"pct","BillingGroupArn":"`+group+`",`+
		`"CustomLineItemChargeDetails":{"Type":"FEE","Percentage":{"PercentageValue":5,"ChildAssociatedResources":["`+flat+`"]}}}`)
	if st := itemDelete(e, flat); st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeInvalidRequest {
		t.Errorf("delete of a used flat item: %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	if _, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(itemType), Identifier: aws.String(flat)}); err != nil {
		t.Errorf("GetResource after a failed delete: %v", err)
	}
}
