package restjson_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
	"github.com/proforma-dev/proforma/internal/model/modelcases"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// stateHash fingerprints everything the default payer can read.
func stateHash(t testing.TB, svc *conductor.Service) [32]byte {
	c := conductor.Caller{Account: payerA}
	bg := context.Background()
	groups, _, err1 := svc.ListBillingGroups(bg, c, conductor.ListBillingGroupsInput{})
	plans, _, _, err2 := svc.ListPricingPlans(bg, c, conductor.ListPricingPlansInput{})
	rules, _, _, err3 := svc.ListPricingRules(bg, c, conductor.ListPricingRulesInput{})
	items, _, err4 := svc.ListCustomLineItems(bg, c, conductor.ListCustomLineItemsInput{})
	assoc, _, err5 := svc.ListAccountAssociations(bg, c, conductor.ListAccountAssociationsInput{})
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal([]any{groups, plans, rules, items, assoc})
	return sha256.Sum256(b)
}

// FuzzHandler sends arbitrary requests to the rest-json handler: it never
// panics, never answers 5xx, and a rejected request changes nothing.
func FuzzHandler(f *testing.F) {
	for _, op := range model.Operations {
		body, labels, query, _, err := modelcases.ValidInput(op.Name)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(body)
		path := op.Path
		for k, v := range labels {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		if len(query) > 0 {
			path += "?tagKeys=k"
		}
		f.Add(op.Method, path, string(b))
	}
	f.Add("POST", "/create-billing-group", `{"Name":"g","PrimaryAccountId":"100000000001","AccountGrouping":{"LinkedAccountIds":["100000000001"]},"ComputationPreference":{"PricingPlanArn":"arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"}}`)
	f.Add("POST", "/create-pricing-plan", `{"Name":"p","PricingRuleArns":[]}`)
	f.Add("POST", "/list-billing-groups", `{"MaxResults":0,"NextToken":"eyJsIjoiIn0"}`)
	f.Add("PUT", "/update-pricing-rule", `{"Arn":null,"ModifierPercentage":"1e999"}`)
	f.Add("GET", "/tags/arn%3Aaws%3Abillingconductor%3A%3A123456789012%3Abillinggroup%2F123456789012", "")
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
	svc := conductor.NewService(store, clock, nil)
	svc.SetUsageEngine(usage.NewEngine())
	org := conductor.DemoOrganization()
	if err := svc.SeedOrganization(context.Background(), org); err != nil {
		f.Fatal(err)
	}
	h := restjson.New(svc, restjson.Identity{DefaultPayer: org.DefaultPayer()}, nil)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		req, err := http.NewRequest(method, "http://proforma"+path, strings.NewReader(body))
		if err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		before := stateHash(t, svc)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: status %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && stateHash(t, svc) != before {
			t.Fatalf("%s %s %q: rejected with %d but the state changed", method, path, body, rec.Code)
		}
		if rec.Header().Get("x-amzn-RequestId") == "" {
			t.Fatal("no x-amzn-RequestId")
		}
	})
}
