package restjson_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/model"
)

// collectionMembers returns, per operation of the embedded service model, the
// top-level members of its output shape that are lists or maps (member name
// to "list" or "map"), read from the model JSON itself rather than from the
// generated code. Members bound to headers or the status code are not body
// members and are left out.
func collectionMembers(t *testing.T) map[string]map[string]string {
	t.Helper()
	var spec struct {
		Operations map[string]struct {
			Output *struct{ Shape string }
		}
		Shapes map[string]struct {
			Type    string
			Members map[string]struct {
				Shape    string
				Location string
			}
		}
	}
	if err := json.Unmarshal(model.ModelJSON, &spec); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for name, op := range spec.Operations {
		cols := map[string]string{}
		if op.Output != nil {
			for member, m := range spec.Shapes[op.Output.Shape].Members {
				if typ := spec.Shapes[m.Shape].Type; (typ == "list" || typ == "map") && m.Location == "" {
					cols[member] = typ
				}
			}
		}
		out[name] = cols
	}
	return out
}

// emptyCall is a request of one operation, made in a state where the
// operation's output collections are (as far as the operation allows) empty.
type emptyCall struct {
	body   map[string]any
	labels map[string]string
	query  url.Values
}

// emptyCallers prepares, in a fresh environment, a request whose answer has
// empty collections: an operation whose output has list or map members must
// have an entry here (TestEmptyCollectionsArePresent fails otherwise). Batch
// operations always report every resource in one of their two lists; their
// call fails every resource so that the success list is the empty one.
var emptyCallers = map[string]func(t *testing.T, e *env) emptyCall{
	"ListBillingGroups":           func(*testing.T, *env) emptyCall { return emptyCall{} },
	"ListPricingPlans":            func(*testing.T, *env) emptyCall { return emptyCall{} },
	"ListPricingRules":            func(*testing.T, *env) emptyCall { return emptyCall{} },
	"ListCustomLineItems":         func(*testing.T, *env) emptyCall { return emptyCall{} },
	"ListBillingGroupCostReports": func(*testing.T, *env) emptyCall { return emptyCall{} },
	"ListAccountAssociations": func(*testing.T, *env) emptyCall {
		return emptyCall{body: map[string]any{"Filters": map[string]any{"Association": "MONITORED"}}}
	},
	"GetBillingGroupCostReport": func(t *testing.T, e *env) emptyCall {
		// Grouped by product, a group without costs has no rows.
		group := createGroup(t, e.client(payerA), "g", linked1)
		return emptyCall{body: map[string]any{"Arn": group, "GroupBy": []string{"PRODUCT_NAME"}}}
	},
	"ListCustomLineItemVersions": func(t *testing.T, e *env) emptyCall {
		item := emptyItem(t, e)
		return emptyCall{body: map[string]any{"Arn": item, "Filters": map[string]any{
			"BillingPeriodRange": map[string]any{"StartBillingPeriod": "2025-01", "EndBillingPeriod": "2025-02"}}}}
	},
	"ListResourcesAssociatedToCustomLineItem": func(t *testing.T, e *env) emptyCall {
		return emptyCall{body: map[string]any{"Arn": emptyItem(t, e)}}
	},
	"BatchAssociateResourcesToCustomLineItem": func(t *testing.T, e *env) emptyCall {
		return emptyCall{body: map[string]any{"TargetArn": emptyItem(t, e),
			"ResourceArns": []string{"arn:aws:billingconductor::123456789012:customlineitem/ZZZZZZZZZZ"}}}
	},
	"BatchDisassociateResourcesFromCustomLineItem": func(t *testing.T, e *env) emptyCall {
		return emptyCall{body: map[string]any{"TargetArn": emptyItem(t, e),
			"ResourceArns": []string{"arn:aws:billingconductor::123456789012:customlineitem/ZZZZZZZZZZ"}}}
	},
	"ListPricingRulesAssociatedToPricingPlan": func(t *testing.T, e *env) emptyCall {
		return emptyCall{body: map[string]any{"PricingPlanArn": createPlan(t, e.client(payerA), "plan")}}
	},
	"ListPricingPlansAssociatedWithPricingRule": func(t *testing.T, e *env) emptyCall {
		return emptyCall{body: map[string]any{"PricingRuleArn": createRule(t, e.client(payerA), markup("rule", "GLOBAL", 5))}}
	},
	"ListTagsForResource": func(t *testing.T, e *env) emptyCall {
		return emptyCall{labels: map[string]string{"ResourceArn": createPlan(t, e.client(payerA), "plan")}}
	},
}

// emptyItem creates a percentage custom line item with no associated resources.
func emptyItem(t *testing.T, e *env) string {
	t.Helper()
	c := e.client(payerA)
	return createItem(t, c, percentItem("pct", createGroup(t, c, "g", linked1), 10))
}

// call sends a raw request as the default payer (payerA) and returns the status and body.
func (e *env) call(t *testing.T, op model.Operation, c emptyCall) (int, []byte) {
	t.Helper()
	path := op.Path
	for k, v := range c.labels {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	u := e.url + path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	var body io.Reader = http.NoBody
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(op.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestEmptyCollectionsArePresent: for every operation of the model, every
// top-level list or map member of its output shape is in the response body
// when it is empty, as [] or {} (never omitted, never null), so that boto3's
// resp["BillingGroups"] and the AWS CLI's output work on empty results.
func TestEmptyCollectionsArePresent(t *testing.T) {
	members := collectionMembers(t)
	for _, op := range model.Operations {
		cols := members[op.Name]
		if len(cols) == 0 {
			continue
		}
		caller := emptyCallers[op.Name]
		if caller == nil {
			t.Errorf("%s: output has collection members %v but no empty-state request in emptyCallers", op.Name, slices.Sorted(maps.Keys(cols)))
			continue
		}
		t.Run(op.Name, func(t *testing.T) {
			e := newEnv(t)
			status, body := e.call(t, op, caller(t, e))
			if status != http.StatusOK {
				t.Fatalf("%s: status %d: %s", op.Name, status, body)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%s: body %s is not a JSON object: %v", op.Name, body, err)
			}
			for _, member := range slices.Sorted(maps.Keys(cols)) {
				raw, ok := got[member]
				switch {
				case !ok:
					t.Errorf("%s: %s member %s is missing from %s", op.Name, cols[member], member, body)
				case cols[member] == "list" && !strings.HasPrefix(string(raw), "["):
					t.Errorf("%s: list member %s = %s, want a JSON array", op.Name, member, raw)
				case cols[member] == "map" && !strings.HasPrefix(string(raw), "{"):
					t.Errorf("%s: map member %s = %s, want a JSON object", op.Name, member, raw)
				}
			}
			// The state must really be the empty one for at least one
			// collection, or the test proves nothing.
			empty := false
			for member := range cols {
				if s := string(got[member]); s == "[]" || s == "{}" {
					empty = true
				}
			}
			if !empty && !t.Failed() {
				t.Errorf("%s: no collection is empty in %s; the empty-state request does not produce an empty result", op.Name, body)
			}
		})
	}
	for name := range emptyCallers {
		if len(members[name]) == 0 {
			t.Errorf("emptyCallers has %s, which the model does not list with collection output members", name)
		}
	}
}
