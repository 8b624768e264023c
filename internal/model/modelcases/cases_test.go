package modelcases

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/model"
)

// messagePrefix is how each constraint's FieldError message starts.
var messagePrefix = map[string]string{
	Required:  "Member must not be null",
	MinLength: "Member must have length greater than or equal to",
	MaxLength: "Member must have length less than or equal to",
	MinItems:  "Member must have length greater than or equal to",
	MaxItems:  "Member must have length less than or equal to",
	MinValue:  "Member must have value greater than or equal to",
	MaxValue:  "Member must have value less than or equal to",
	Pattern:   "Member must satisfy regular expression pattern: ",
	Enum:      "Member must satisfy enum value set: ",
}

// decode builds the operation input from a request as a server would.
func decode(t *testing.T, op string, body map[string]any, labels map[string]string, query map[string][]string, header map[string]string) model.Input {
	t.Helper()
	o, ok := model.OperationByName(op)
	if !ok {
		t.Fatalf("unknown operation %s", op)
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	in := o.NewInput()
	if err := json.Unmarshal(data, in); err != nil {
		t.Fatalf("unmarshal %s: %v", data, err)
	}
	h := http.Header{}
	for k, v := range header {
		h.Set(k, v)
	}
	in.BindHTTP(labels, url.Values(query), h)
	return in
}

func TestCasesViolateExactlyTheirConstraint(t *testing.T) {
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s_%s", i, c.Operation, c.Constraint), func(t *testing.T) {
			errs := decode(t, c.Operation, c.Body, c.Labels, c.Query, c.Header).Validate()
			found := false
			for _, fe := range errs {
				if fe.Name != c.Field {
					t.Errorf("unexpected error on another member: %+v", fe)
				}
				found = found || (fe.Name == c.Field && strings.HasPrefix(fe.Message, messagePrefix[c.Constraint]))
			}
			if !found {
				t.Errorf("%s on %s: got %+v, want a %s error on %s (body %v, labels %v, query %v, header %v)",
					c.Operation, c.Field, errs, c.Constraint, c.Field, c.Body, c.Labels, c.Query, c.Header)
			}
		})
	}
}

func TestValidInputValidates(t *testing.T) {
	for _, op := range model.Operations {
		body, labels, query, header, err := ValidInput(op.Name)
		if err != nil {
			t.Fatal(err)
		}
		if errs := decode(t, op.Name, body, labels, query, header).Validate(); errs != nil {
			t.Errorf("%s: ValidInput fails validation: %+v (body %v)", op.Name, errs, body)
		}
	}
	if _, _, _, _, err := ValidInput("NoSuchOperation"); err == nil {
		t.Error("ValidInput(NoSuchOperation) succeeded")
	}
}

// withoutCases lists operations allowed to have no case because their input
// has no required or constrained member. There is none in the current model.
var withoutCases = map[string]bool{}

func TestCasesCoverEveryOperation(t *testing.T) {
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	perOp := map[string]int{}
	for _, c := range cases {
		perOp[c.Operation]++
		if messagePrefix[c.Constraint] == "" {
			t.Errorf("case %+v: unknown constraint", c)
		}
	}
	for _, op := range model.Operations {
		if perOp[op.Name] == 0 && !withoutCases[op.Name] {
			t.Errorf("%s has no case", op.Name)
		}
	}
	t.Logf("%d cases over %d operations", len(cases), len(perOp))
}

// TestCasesExamples pins a few cases whose shape is easy to get wrong.
func TestCasesExamples(t *testing.T) {
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	has := func(op, constraint, field string) bool {
		for _, c := range cases {
			if c.Operation == op && c.Constraint == constraint && c.Field == field {
				return true
			}
		}
		return false
	}
	for _, want := range []struct{ op, constraint, field string }{
		{"CreateBillingGroup", Pattern, "AccountGrouping.LinkedAccountIds[0]"},
		{"CreateBillingGroup", MaxLength, "ClientToken"},
		{"CreateBillingGroup", MinItems, "Tags"},
		{"CreateBillingGroup", MaxLength, "Tags[" + strings.Repeat("a", 129) + "]"},
		{"CreateCustomLineItem", MaxValue, "ChargeDetails.Flat.ChargeValue"},
		{"ListBillingGroups", Required, "Filters.Names[0].SearchValue"},
		{"TagResource", Pattern, "ResourceArn"},
		{"UntagResource", MaxItems, "TagKeys"},
		{"UntagResource", MinLength, "TagKeys[0]"},
		{"UpdateBillingGroup", Enum, "Status"},
	} {
		if !has(want.op, want.constraint, want.field) {
			t.Errorf("no %s case on %s.%s", want.constraint, want.op, want.field)
		}
	}
	for _, skipped := range []struct{ op, constraint, field string }{
		{"TagResource", Required, "ResourceArn"}, // URI label
		{"UntagResource", MinItems, "TagKeys"},   // empty query list is absent
	} {
		if has(skipped.op, skipped.constraint, skipped.field) {
			t.Errorf("unexpected %s case on %s.%s", skipped.constraint, skipped.op, skipped.field)
		}
	}
}
