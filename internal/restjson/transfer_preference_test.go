package restjson_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/model"
	"github.com/proforma-dev/proforma/internal/restjson"
)

// The SDK for Go v1.30.7 predates the billing transfer operations: these
// tests send the requests raw.
func TestBillingTransferPreference(t *testing.T) {
	e := newEnvWith(t, transferOrg(), restjson.Identity{})
	c := e.client(payerA)
	get, _ := model.OperationByName("GetBillingTransferPreference")
	update, _ := model.OperationByName("UpdateBillingTransferPreference")
	var got map[string]any
	e.sendJSON(t, get, map[string]any{"ResponsibilityTransferArn": activeTransfer}, &got)
	want := map[string]any{"ResponsibilityTransferArn": activeTransfer, "AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("never-set preference (-want +got):\n%s", diff)
	}
	plan := createPlan(t, c, "transfer-plan")
	got = nil
	e.sendJSON(t, update, map[string]any{"ResponsibilityTransferArn": activeTransfer,
		"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": true, "PricingPlanArn": plan}}, &got)
	want = map[string]any{"ResponsibilityTransferArn": activeTransfer, "LastModifiedTime": float64(startTime.Unix()),
		"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": true, "PricingPlanArn": plan}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateBillingTransferPreference (-want +got):\n%s", diff)
	}
	got = nil
	e.sendJSON(t, get, map[string]any{"ResponsibilityTransferArn": activeTransfer}, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored preference (-want +got):\n%s", diff)
	}
	_, err := c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: &plan})
	wantConflict(t, err, "PRICING_PLAN_REFERENCED_BY_PREFERENCE_DELETE_CONFLICT", "transfer", activeTransfer)

	unknown := "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-zzzz9999"
	missingPlan := "arn:aws:billingconductor::123456789012:pricingplan/ZZZZZZZZZZ"
	tests := []struct {
		name   string
		op     model.Operation
		body   map[string]any
		status int
		code   string
		reason string
	}{
		{"get unknown transfer", get, map[string]any{"ResponsibilityTransferArn": unknown}, 404, "ResourceNotFoundException", ""},
		{"enabled without plan", update, map[string]any{"ResponsibilityTransferArn": activeTransfer,
			"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": true}}, 400, "ValidationException", "OTHER"},
		{"disabled with plan", update, map[string]any{"ResponsibilityTransferArn": activeTransfer,
			"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": false, "PricingPlanArn": plan}}, 400, "ValidationException", "OTHER"},
		{"unknown plan", update, map[string]any{"ResponsibilityTransferArn": activeTransfer,
			"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": true, "PricingPlanArn": missingPlan}}, 404, "ResourceNotFoundException", ""},
		{"update unknown transfer", update, map[string]any{"ResponsibilityTransferArn": unknown,
			"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": false}}, 404, "ResourceNotFoundException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, we := e.send(t, tt.op, tt.body, nil, nil, nil)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.code || we.Reason != tt.reason {
				t.Errorf("got %d %s %q, want %d %s %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), we.Reason, tt.status, tt.code, tt.reason)
			}
		})
	}
	got = nil
	e.sendJSON(t, get, map[string]any{"ResponsibilityTransferArn": activeTransfer}, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rejected updates changed the preference (-want +got):\n%s", diff)
	}
	// Disabling releases the plan.
	e.sendJSON(t, update, map[string]any{"ResponsibilityTransferArn": activeTransfer,
		"AutoBillingTransferBillingGroupCreation": map[string]any{"Enabled": false}}, &got)
	if _, err := c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: aws.String(plan)}); err != nil {
		t.Errorf("delete after disabling: %v", err)
	}
}
