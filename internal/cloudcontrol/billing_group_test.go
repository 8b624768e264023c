package cloudcontrol_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const groupType = "AWS::BillingConductor::BillingGroup"

// groupAccount is the n-th linked account of the demo payer (1…40).
func groupAccount(n int) string { return fmt.Sprintf("1000000000%02d", n) }

// groupAccounts are the linked accounts from..to.
func groupAccounts(from, to int) []string {
	var out []string
	for n := from; n <= to; n++ {
		out = append(out, groupAccount(n))
	}
	return out
}

func groupJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// groupPlan creates a pricing plan to compute groups with.
func groupPlan(e *env, name string) string {
	e.t.Helper()
	arn, err := e.svc.CreatePricingPlan(ctx, conductor.Caller{Account: payer}, conductor.CreatePricingPlanInput{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// groupCreate creates a billing group and returns its completed request status.
func groupCreate(e *env, desired string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(groupType), DesiredState: aws.String(desired)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(out.ProgressEvent.RequestToken))
}

func groupUpdate(e *env, id, patch string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(groupType), Identifier: aws.String(id),
		PatchDocument: aws.String(patch)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.status(aws.ToString(out.ProgressEvent.RequestToken))
}

func groupGet(e *env, id string) map[string]any {
	e.t.Helper()
	out, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(groupType), Identifier: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != id {
		e.t.Errorf("Identifier = %s, want %s", got, id)
	}
	return parse(e.t, aws.ToString(out.ResourceDescription.Properties))
}

func groupList(e *env) []types.ResourceDescription {
	e.t.Helper()
	out, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(groupType)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ResourceDescriptions
}

func groupSuccess(t *testing.T, what string, st *types.ProgressEvent) {
	t.Helper()
	if st.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("%s = %s %s: %s", what, st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
}

func TestBillingGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	plan1, plan2 := groupPlan(e, "plan-1"), groupPlan(e, "plan-2")
	// 35 accounts, listed out of order, the primary last: more than one
	// CreateBillingGroup takes.
	linked := append(groupAccounts(6, 40), groupAccounts(1, 4)...)
	primary := groupAccount(4)
	desired := map[string]any{
		"Name": "tf-group", "Description": "first", "PrimaryAccountId": primary,
		"ComputationPreference": map[string]any{"PricingPlanArn": plan1},
		"AccountGrouping":       map[string]any{"LinkedAccountIds": linked, "AutoAssociate": true},
		"Tags":                  []any{map[string]any{"Key": "team", "Value": "a"}, map[string]any{"Key": "env", "Value": "dev"}},
	}
	st := groupCreate(e, groupJSON(t, desired))
	groupSuccess(t, "create", st)
	id := aws.ToString(st.Identifier)
	if !strings.HasPrefix(id, "arn:aws:billingconductor::"+payer+":billinggroup/") || aws.ToString(st.TypeName) != groupType {
		t.Fatalf("create event = %+v", st)
	}

	epoch := float64(startTime.Unix())
	want := map[string]any{
		"Arn": id, "Name": "tf-group", "Description": "first", "PrimaryAccountId": primary,
		"ComputationPreference": map[string]any{"PricingPlanArn": plan1},
		"AccountGrouping":       map[string]any{"LinkedAccountIds": sorted(linked...), "AutoAssociate": true},
		"Tags":                  []any{map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": "a"}},
		"Size":                  float64(len(linked)), "Status": "ACTIVE", "CreationTime": epoch, "LastModifiedTime": epoch,
	}
	if diff := cmp.Diff(want, groupGet(e, id)); diff != "" {
		t.Errorf("GetResource after create (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, parse(t, aws.ToString(st.ResourceModel))); diff != "" {
		t.Errorf("ResourceModel of the create event (-want +got):\n%s", diff)
	}

	// The read model lists accounts sorted: 100000000001…04 come first.
	// Remove 01 and 02 (indexes 0, then 0 again), add 5 and keep the rest.
	patch := `[{"op":"replace","path":"/Name","value":"tf-group-2"},` +
		`{"op":"replace","path":"/Description","value":"second"},` +
		`{"op":"replace","path":"/ComputationPreference/PricingPlanArn","value":"` + plan2 + `"},` +
		`{"op":"replace","path":"/AccountGrouping/AutoAssociate","value":false},` +
		`{"op":"remove","path":"/AccountGrouping/LinkedAccountIds/0"},` +
		`{"op":"remove","path":"/AccountGrouping/LinkedAccountIds/0"},` +
		`{"op":"add","path":"/AccountGrouping/LinkedAccountIds/-","value":"` + groupAccount(5) + `"},` +
		`{"op":"remove","path":"/Tags/1"},` +
		`{"op":"replace","path":"/Tags/0/Value","value":"prod"},` +
		`{"op":"add","path":"/Tags/-","value":{"Key":"owner","Value":"me"}}]`
	groupSuccess(t, "update", groupUpdate(e, id, patch))
	first, second := groupGet(e, id), groupGet(e, id)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("two reads differ (-first +second):\n%s", diff)
	}
	linked2 := groupAccounts(3, 40)
	want2 := map[string]any{
		"Arn": id, "Name": "tf-group-2", "Description": "second", "PrimaryAccountId": primary,
		"ComputationPreference": map[string]any{"PricingPlanArn": plan2},
		"AccountGrouping":       map[string]any{"LinkedAccountIds": sorted(linked2...), "AutoAssociate": false},
		"Tags":                  []any{map[string]any{"Key": "env", "Value": "prod"}, map[string]any{"Key": "owner", "Value": "me"}},
		"Size":                  float64(len(linked2)), "Status": "ACTIVE", "CreationTime": epoch, "LastModifiedTime": epoch,
	}
	if diff := cmp.Diff(want2, first); diff != "" {
		t.Errorf("GetResource after update (-want +got):\n%s", diff)
	}

	list := groupList(e)
	if len(list) != 1 || aws.ToString(list[0].Identifier) != id {
		t.Fatalf("ListResources = %+v", list)
	}
	if diff := cmp.Diff(want2, parse(t, aws.ToString(list[0].Properties))); diff != "" {
		t.Errorf("ListResources properties (-want +got):\n%s", diff)
	}

	// Turn AutoAssociate back on: the delete handler turns it off itself.
	groupSuccess(t, "update AutoAssociate", groupUpdate(e, id, `[{"op":"replace","path":"/AccountGrouping/AutoAssociate","value":true}]`))
	del, err := e.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(groupType), Identifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.status(aws.ToString(del.ProgressEvent.RequestToken)); st.OperationStatus != types.OperationStatusSuccess ||
		st.Operation != types.OperationDelete {
		t.Fatalf("delete status = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(groupType), Identifier: aws.String(id)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetResource after delete: %v, want ResourceNotFoundException", err)
	}
	if list := groupList(e); len(list) != 0 {
		t.Errorf("ListResources after delete = %+v", list)
	}
	// The accounts are free again: a new group can take them.
	again := groupJSON(t, map[string]any{"Name": "again", "PrimaryAccountId": groupAccount(1),
		"ComputationPreference": map[string]any{"PricingPlanArn": plan1},
		"AccountGrouping":       map[string]any{"LinkedAccountIds": groupAccounts(1, 40)}})
	groupSuccess(t, "create after delete", groupCreate(e, again))
}

func TestBillingGroupCreateOnly(t *testing.T) {
	e := newEnv(t)
	plan := groupPlan(e, "plan")
	st := groupCreate(e, groupJSON(t, map[string]any{"Name": "g", "PrimaryAccountId": groupAccount(1),
		"ComputationPreference": map[string]any{"PricingPlanArn": plan},
		"AccountGrouping":       map[string]any{"LinkedAccountIds": groupAccounts(1, 3)}}))
	groupSuccess(t, "create", st)
	id := aws.ToString(st.Identifier)
	before := groupGet(e, id)
	for _, patch := range []string{
		`[{"op":"replace","path":"/PrimaryAccountId","value":"` + groupAccount(2) + `"}]`,
		`[{"op":"replace","path":"/PrimaryAccountId","value":"` + groupAccount(2) + `"},{"op":"replace","path":"/Name","value":"renamed"}]`,
		`[{"op":"replace","path":"/Status","value":"PRIMARY_ACCOUNT_MISSING"}]`,
		`[{"op":"replace","path":"/Size","value":4}]`,
	} {
		st := groupUpdate(e, id, patch)
		if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeNotUpdatable {
			t.Errorf("patch %s = %s %s, want FAILED NotUpdatable", patch, st.OperationStatus, st.ErrorCode)
		}
	}
	if diff := cmp.Diff(before, groupGet(e, id)); diff != "" {
		t.Errorf("the group changed (-before +after):\n%s", diff)
	}
}

func TestBillingGroupBusinessErrors(t *testing.T) {
	e := newEnv(t)
	plan := groupPlan(e, "plan")
	desired := func(name, primary string, accounts []string) string {
		return groupJSON(t, map[string]any{"Name": name, "PrimaryAccountId": primary,
			"ComputationPreference": map[string]any{"PricingPlanArn": plan},
			"AccountGrouping":       map[string]any{"LinkedAccountIds": accounts}})
	}
	st := groupCreate(e, desired("taken", groupAccount(40), groupAccounts(38, 40)))
	groupSuccess(t, "create", st)
	taken := aws.ToString(st.Identifier)
	before := groupGet(e, taken)

	// An account of another group, in the first CreateBillingGroup call
	// and beyond it (AssociateAccounts): either way the create fails and
	// leaves no group behind.
	for _, tt := range []struct {
		name     string
		accounts []string
	}{
		{"first-call", []string{groupAccount(1), groupAccount(39)}},
		{"later-call", groupAccounts(1, 39)},
	} {
		st := groupCreate(e, desired(tt.name, groupAccount(1), tt.accounts))
		if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeInvalidRequest ||
			!strings.Contains(aws.ToString(st.StatusMessage), "is already associated") {
			t.Errorf("%s: create = %s %s %q, want FAILED InvalidRequest", tt.name, st.OperationStatus, st.ErrorCode,
				aws.ToString(st.StatusMessage))
		}
		if st.ResourceModel != nil {
			t.Errorf("%s: a failed event has a ResourceModel", tt.name)
		}
		if list := groupList(e); len(list) != 1 {
			t.Errorf("%s: ListResources has %d groups, want 1", tt.name, len(list))
		}
	}

	// Adding an account of another group in an update fails the same way.
	st = groupCreate(e, desired("other", groupAccount(1), groupAccounts(1, 2)))
	groupSuccess(t, "create other", st)
	other := aws.ToString(st.Identifier)
	otherBefore := groupGet(e, other)
	up := groupUpdate(e, other, `[{"op":"add","path":"/AccountGrouping/LinkedAccountIds/-","value":"`+groupAccount(39)+`"}]`)
	if up.OperationStatus != types.OperationStatusFailed || up.ErrorCode != types.HandlerErrorCodeInvalidRequest {
		t.Errorf("update taking another group's account = %s %s", up.OperationStatus, up.ErrorCode)
	}
	// Renaming onto a taken name is AlreadyExists.
	up = groupUpdate(e, other, `[{"op":"replace","path":"/Name","value":"taken"}]`)
	if up.OperationStatus != types.OperationStatusFailed || up.ErrorCode != types.HandlerErrorCodeAlreadyExists {
		t.Errorf("rename onto a taken name = %s %s: %s", up.OperationStatus, up.ErrorCode, aws.ToString(up.StatusMessage))
	}
	// Removing the primary account is refused.
	up = groupUpdate(e, other, `[{"op":"remove","path":"/AccountGrouping/LinkedAccountIds/0"}]`)
	if up.OperationStatus != types.OperationStatusFailed || up.ErrorCode != types.HandlerErrorCodeInvalidRequest {
		t.Errorf("removing the primary account = %s %s", up.OperationStatus, up.ErrorCode)
	}
	if diff := cmp.Diff(otherBefore, groupGet(e, other)); diff != "" {
		t.Errorf("the failed updates changed the group (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(before, groupGet(e, taken)); diff != "" {
		t.Errorf("the first group changed (-before +after):\n%s", diff)
	}

	// Invalid models.
	for _, d := range []string{
		`{"Name":"x"}`,
		`{"Name":"x","ComputationPreference":{"PricingPlanArn":"` + plan + `"},"AccountGrouping":{"LinkedAccountIds":["` + groupAccount(5) + `"]}}`,
		`{"Name":"x","PrimaryAccountId":"` + groupAccount(5) + `","ComputationPreference":{"PricingPlanArn":"` + plan + `"},` +
			`"AccountGrouping":{"LinkedAccountIds":["` + groupAccount(5) + `","` + groupAccount(5) + `"]}}`,
		`{"Name":"x","Unknown":1,"PrimaryAccountId":"` + groupAccount(5) + `","ComputationPreference":{"PricingPlanArn":"` + plan + `"},` +
			`"AccountGrouping":{"LinkedAccountIds":["` + groupAccount(5) + `"]}}`,
		`{"Name":"x","Status":"ACTIVE","PrimaryAccountId":"` + groupAccount(5) + `","ComputationPreference":{"PricingPlanArn":"` + plan + `"},` +
			`"AccountGrouping":{"LinkedAccountIds":["` + groupAccount(5) + `"]}}`,
	} {
		st := groupCreate(e, d)
		if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeInvalidRequest {
			t.Errorf("create %s = %s %s (%s), want FAILED InvalidRequest", d, st.OperationStatus, st.ErrorCode,
				aws.ToString(st.StatusMessage))
		}
	}
	_, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(groupType), Identifier: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetResource of an unknown identifier: %v, want ResourceNotFoundException", err)
	}
}
