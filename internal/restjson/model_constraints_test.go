package restjson_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/model"
	"github.com/proforma-dev/proforma/internal/model/modelcases"
)

// wireError is the JSON body of an error response.
type wireError struct {
	Message string
	Reason  string
	Fields  []struct{ Name, Message string }
}

// send issues a raw request for an operation, with the labels substituted
// into its path, and decodes the error body if there is one.
func (e *env) send(t *testing.T, op model.Operation, body any, labels map[string]string, query url.Values, header map[string]string) (*http.Response, wireError) {
	t.Helper()
	path := op.Path
	for k, v := range labels {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	u := e.url + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(op.Method, u, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var we wireError
	if resp.StatusCode >= 300 {
		if err := json.NewDecoder(resp.Body).Decode(&we); err != nil {
			t.Fatalf("%s: error body is not JSON: %v", op.Name, err)
		}
	}
	return resp, we
}

// TestEveryModelConstraintIsEnforced walks every operation and constrained
// member of the vendored model (including header, path and query members)
// and sends a request violating exactly that constraint.
func TestEveryModelConstraintIsEnforced(t *testing.T) {
	e := newEnv(t)
	cases, err := modelcases.Cases()
	if err != nil {
		t.Fatal(err)
	}
	perOp := map[string]int{}
	for _, c := range cases {
		perOp[c.Operation]++
		t.Run(c.Operation+"/"+c.Constraint+"/"+c.Field, func(t *testing.T) {
			op, _ := model.OperationByName(c.Operation)
			resp, we := e.send(t, op, c.Body, c.Labels, c.Query, c.Header)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "ValidationException" {
				t.Fatalf("status %d %s, want 400 ValidationException (%s)", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), we.Message)
			}
			if we.Reason != "FIELD_VALIDATION_FAILED" {
				t.Errorf("Reason = %q, want FIELD_VALIDATION_FAILED", we.Reason)
			}
			found := false
			for _, f := range we.Fields {
				found = found || f.Name == c.Field
			}
			if !found {
				t.Errorf("Fields = %+v, want one named %q", we.Fields, c.Field)
			}
		})
	}
	for _, op := range model.Operations {
		if perOp[op.Name] == 0 {
			t.Errorf("no constraint case for %s", op.Name)
		}
	}
	if len(model.Operations) != 34 {
		t.Errorf("%d operations in the model, want 34", len(model.Operations))
	}
}

func TestProtocolErrors(t *testing.T) {
	e := newEnv(t)
	create, _ := model.OperationByName("CreateBillingGroup")
	tests := []struct {
		name       string
		method     string
		path, body string
		status     int
		errorType  string
		reason     string
	}{
		{"unknown path", "POST", "/no-such-operation", "{}", 400, "ValidationException", "UNKNOWN_OPERATION"},
		{"wrong method", "GET", "/create-billing-group", "", 400, "ValidationException", "UNKNOWN_OPERATION"},
		{"not JSON", "POST", create.Path, "{nope", 400, "ValidationException", "CANNOT_PARSE"},
		{"wrong type", "POST", create.Path, `{"Name": 42}`, 400, "ValidationException", "CANNOT_PARSE"},
		{"array body", "POST", create.Path, `[]`, 400, "ValidationException", "CANNOT_PARSE"},
		{"too large", "POST", create.Path, `{"Name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "RequestEntityTooLargeException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.url+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var we wireError
			json.NewDecoder(resp.Body).Decode(&we)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.errorType || we.Reason != tt.reason {
				t.Errorf("got %d %s %q, want %d %s %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), we.Reason,
					tt.status, tt.errorType, tt.reason)
			}
			if we.Message == "" || resp.Header.Get("x-amzn-RequestId") == "" {
				t.Errorf("missing Message (%q) or x-amzn-RequestId", we.Message)
			}
		})
	}
	t.Run("unknown members are ignored", func(t *testing.T) {
		body := map[string]any{"Name": "extra", "Surprise": true, "PrimaryAccountId": linked1,
			"AccountGrouping":       map[string]any{"LinkedAccountIds": []string{linked1}, "Other": 1},
			"ComputationPreference": map[string]any{"PricingPlanArn": basicPlan}}
		resp, we := e.send(t, create, body, nil, nil, nil)
		if resp.StatusCode != 200 {
			t.Errorf("status %d: %+v", resp.StatusCode, we)
		}
	})
}

// sendJSON issues a raw request that must succeed and decodes its body into out.
func (e *env) sendJSON(t *testing.T, op model.Operation, body any, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(op.Method, e.url+op.Path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", op.Name, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
