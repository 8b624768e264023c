package cloudcontrol_test

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/cloudcontrol"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// FuzzHandler sends arbitrary Cloud Control requests — any operation
// name, any body — to the handler: it never panics, never answers 5xx,
// always names the request, and a rejected request changes nothing.
func FuzzHandler(f *testing.F) {
	const basic = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"
	group := `{"Name":"g","PrimaryAccountId":"100000000001","AccountGrouping":{"LinkedAccountIds":["100000000001"]},` +
		`"ComputationPreference":{"PricingPlanArn":"` + basic + `"}}`
	seeds := []struct{ op, body string }{
		{"CreateResource", `{"TypeName":"` + planType + `","DesiredState":"{\"Name\":\"p\"}","ClientToken":"t1"}`},
		{"CreateResource", `{"TypeName":"` + groupType + `","DesiredState":` + quote(group) + `}`},
		{"CreateResource", `{"TypeName":"` + ruleType + `","DesiredState":"{\"Name\":\"r\",\"Scope\":\"GLOBAL\",\"Type\":\"MARKUP\",\"ModifierPercentage\":5}"}`},
		{"CreateResource", `{"TypeName":"` + itemType + `","DesiredState":"{\"Name\":\"i\",\"BillingGroupArn\":\"x\",\"CustomLineItemChargeDetails\":{\"Type\":\"FEE\",\"Flat\":{\"ChargeValue\":1}}}"}`},
		{"GetResource", `{"TypeName":"` + planType + `","Identifier":"arn:aws:billingconductor::123456789012:pricingplan/abc"}`},
		{"UpdateResource", `{"TypeName":"` + planType + `","Identifier":"x","PatchDocument":"[{\"op\":\"replace\",\"path\":\"/Name\",\"value\":\"n\"}]"}`},
		{"DeleteResource", `{"TypeName":"` + groupType + `","Identifier":"arn:aws:billingconductor::123456789012:billinggroup/123456789012"}`},
		{"ListResources", `{"TypeName":"` + ruleType + `","MaxResults":1,"NextToken":"e30"}`},
		{"GetResourceRequestStatus", `{"RequestToken":"00000000-0000-0000-0000-000000000000"}`},
		{"ListResourceRequests", `{"ResourceRequestStatusFilter":{"Operations":["CREATE"],"OperationStatuses":["FAILED"]}}`},
		{"CancelResourceRequest", `{"RequestToken":"x"}`},
		{"Nope", `{}`},
		{"UpdateResource", `{"TypeName":"` + planType + `","Identifier":"x","PatchDocument":"[{\"op\":\"move\",\"from\":\"/a/0\",\"path\":\"/a/-\"}]"}`},
	}
	for _, s := range seeds {
		f.Add(s.op, s.body)
	}
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	clock := &conductor.PinnableClock{}
	clock.Pin(startTime)
	svc := conductor.NewService(store, clock, nil)
	org := conductor.DemoOrganization()
	if err := svc.SeedOrganization(ctx, org); err != nil {
		f.Fatal(err)
	}
	h := cloudcontrol.New(svc, restjson.Identity{DefaultPayer: org.DefaultPayer()}, nil)
	f.Fuzz(func(t *testing.T, op, body string) {
		req := httptest.NewRequest(http.MethodPost, "http://proforma/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "CloudApiService."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		before := state(t, svc)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", op, body, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && state(t, svc) != before {
			t.Fatalf("%s %q: rejected with %d but the state changed", op, body, rec.Code)
		}
		if rec.Header().Get("x-amzn-RequestId") == "" {
			t.Fatal("no x-amzn-RequestId")
		}
	})
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// state fingerprints every resource the default payer can list.
func state(t *testing.T, svc *conductor.Service) [32]byte {
	t.Helper()
	c := conductor.Caller{Account: payer}
	groups, _, err1 := svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{})
	plans, _, _, err2 := svc.ListPricingPlans(ctx, c, conductor.ListPricingPlansInput{})
	rules, _, _, err3 := svc.ListPricingRules(ctx, c, conductor.ListPricingRulesInput{})
	items, _, err4 := svc.ListCustomLineItems(ctx, c, conductor.ListCustomLineItemsInput{})
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal([]any{groups, plans, rules, items})
	return sha256.Sum256(b)
}
