package model

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func decode[T any](t *testing.T, body string) *T {
	t.Helper()
	v := new(T)
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatal(err)
	}
	return v
}

func names(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Name)
	}
	return out
}

func TestValidateRequiredInModelOrder(t *testing.T) {
	errs := (&CreateBillingGroupInput{}).Validate()
	want := []string{"AccountGrouping", "ComputationPreference", "Name"}
	if got := names(errs); !slices.Equal(got, want) {
		t.Fatalf("names = %q, want %q", got, want)
	}
	for _, e := range errs {
		if e.Message != "Member must not be null" {
			t.Errorf("%s: message %q", e.Name, e.Message)
		}
	}
	var nilInput *CreateBillingGroupInput
	if got := names(nilInput.Validate()); !slices.Equal(got, want) {
		t.Errorf("nil input: names = %q, want %q", got, want)
	}
}

func TestValidatePaths(t *testing.T) {
	in := decode[CreateBillingGroupInput](t, `{
		"Name": "bg",
		"AccountGrouping": {"LinkedAccountIds": ["123456789012", "nope"]},
		"ComputationPreference": {"PricingPlanArn": "arn:aws:billingconductor::123456789012:pricingplan/BasicPricingPlan"},
		"Tags": {"": "v", "b": "`+strings.Repeat("x", 257)+`"}
	}`)
	want := []FieldError{
		{"AccountGrouping.LinkedAccountIds[1]", "Member must satisfy regular expression pattern: [0-9]{12}"},
		{"Tags[]", "Member must have length greater than or equal to 1"},
		{"Tags[b]", "Member must have length less than or equal to 256"},
	}
	if got := in.Validate(); !slices.Equal(got, want) {
		t.Fatalf("Validate() = %q, want %q", got, want)
	}
}

func TestValidateConstraints(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want []FieldError
	}{
		{"empty list is present", decode[AssociateAccountsInput](t, `{"Arn": "abcdefghij", "AccountIds": []}`), nil},
		{"pattern is searched, not matched", decode[DeleteBillingGroupInput](t, `{"Arn": "!!abcdefghij!!"}`), nil},
		{"length counts code points", decode[CreatePricingPlanInput](t, `{"Name": "n", "Tags": {"k": "`+strings.Repeat("é", 256)+`"}}`), nil},
		{"enum", decode[UpdateBillingGroupInput](t, `{"Arn": "abcdefghij", "Status": "active"}`),
			[]FieldError{{"Status", "Member must satisfy enum value set: [ACTIVE, PRIMARY_ACCOUNT_MISSING, PENDING]"}}},
		{"integer range", decode[GetBillingGroupCostReportInput](t, `{"Arn": "abcdefghij", "MaxResults": 301}`),
			[]FieldError{{"MaxResults", "Member must have value less than or equal to 300"}}},
		{"double range", decode[CreatePricingRuleInput](t, `{"Name": "n", "Scope": "GLOBAL", "Type": "MARKUP", "ModifierPercentage": -0.5}`),
			[]FieldError{{"ModifierPercentage", "Member must have value greater than or equal to 0"}}},
		{"list size and nested required", decode[ListBillingGroupsInput](t, `{"Filters": {"Names": [{"SearchOption": "STARTS_WITH"}, {"SearchOption": "STARTS_WITH", "SearchValue": "x"}]}}`),
			[]FieldError{
				{"Filters.Names", "Member must have length less than or equal to 1"},
				{"Filters.Names[0].SearchValue", "Member must not be null"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Validate(); !slices.Equal(got, tc.want) {
				t.Errorf("Validate() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBindHTTP(t *testing.T) {
	var un UntagResourceRequest
	un.BindHTTP(map[string]string{"ResourceArn": "arn:x"}, url.Values{"tagKeys": {"a", "b"}}, nil)
	if un.ResourceArn == nil || *un.ResourceArn != "arn:x" || !slices.Equal(un.TagKeys, []string{"a", "b"}) {
		t.Errorf("UntagResourceRequest = %+v", un)
	}

	var unbound UntagResourceRequest
	unbound.BindHTTP(map[string]string{"ResourceArn": ""}, url.Values{}, nil)
	if unbound.ResourceArn != nil || unbound.TagKeys != nil {
		t.Errorf("empty label and absent query bound: %+v", unbound)
	}

	var cb CreateBillingGroupInput
	h := http.Header{}
	h.Set("x-amzn-client-token", "tok")
	cb.BindHTTP(nil, nil, h)
	if cb.ClientToken == nil || *cb.ClientToken != "tok" {
		t.Errorf("ClientToken = %v", cb.ClientToken)
	}
}

func TestJSONTags(t *testing.T) {
	in := TagResourceRequest{ResourceArn: new("arn"), Tags: map[string]string{"k": "v"}}
	b, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"Tags":{"k":"v"}}`; got != want {
		t.Errorf("json = %s, want %s", got, want)
	}
}

func TestOperations(t *testing.T) {
	if len(Operations) != 34 {
		t.Errorf("len(Operations) = %d, want 34", len(Operations))
	}
	if !slices.IsSortedFunc(Operations, func(a, b Operation) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Operations not sorted by name")
	}
	for _, op := range Operations {
		got, ok := OperationByName(op.Name)
		if !ok || got.Name != op.Name {
			t.Errorf("OperationByName(%q) = %v, %v", op.Name, got.Name, ok)
		}
		if op.NewInput() == nil {
			t.Errorf("%s: NewInput returned nil", op.Name)
		}
		for _, e := range op.Errors {
			if _, ok := ErrorStatus[e]; !ok {
				t.Errorf("%s: error %s has no status", op.Name, e)
			}
		}
	}
	if _, ok := OperationByName("Nope"); ok {
		t.Error("OperationByName(Nope) found an operation")
	}

	tag, _ := OperationByName("TagResource")
	if tag.Method != "POST" || tag.Path != "/tags/{ResourceArn}" || tag.SuccessCode != 204 || tag.InputShape != "TagResourceRequest" {
		t.Errorf("TagResource = %+v", tag)
	}
	cb, _ := OperationByName("CreateBillingGroup")
	if cb.ClientTokenMember != "ClientToken" || !cb.Idempotent || cb.Paginated {
		t.Errorf("CreateBillingGroup = %+v", cb)
	}
	if lb, _ := OperationByName("ListBillingGroups"); !lb.Paginated {
		t.Error("ListBillingGroups not paginated")
	}
	if ErrorStatus["ServiceLimitExceededException"] != 402 || ErrorStatus["ValidationException"] != 400 {
		t.Errorf("ErrorStatus = %v", ErrorStatus)
	}
}

func TestErrorShapes(t *testing.T) {
	var err error = &ValidationException{Message: new("bad")}
	var ve *ValidationException
	if !errors.As(err, &ve) || ve.ErrorCode() != "ValidationException" || err.Error() != "ValidationException: bad" {
		t.Errorf("ValidationException error = %v", err)
	}
}

func TestEnumConstants(t *testing.T) {
	if BillingGroupStatusActive != "ACTIVE" || ValidationExceptionReasonFieldValidationFailed != "FIELD_VALIDATION_FAILED" {
		t.Error("unexpected enum constant values")
	}
	if !slices.Equal(BillingGroupStatusValues, []string{"ACTIVE", "PRIMARY_ACCOUNT_MISSING", "PENDING"}) {
		t.Errorf("BillingGroupStatusValues = %q", BillingGroupStatusValues)
	}
}
