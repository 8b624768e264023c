package restjson

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/model"
)

// TestMemberJSONNamesEveryMember proves, for every operation of the model,
// that memberJSON can name every input member under its model name: the
// generated fields are the body members (by their JSON name) and the
// bound members (json:"-", by their Go field name), and together they are
// exactly the input shape's members.
func TestMemberJSONNamesEveryMember(t *testing.T) {
	var spec struct {
		Shapes map[string]struct {
			Members map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(model.ModelJSON, &spec); err != nil {
		t.Fatal(err)
	}
	for _, op := range model.Operations {
		shape, ok := spec.Shapes[op.InputShape]
		if !ok {
			t.Fatalf("%s: no input shape %q in the model", op.Name, op.InputShape)
		}
		want := []string{}
		for name := range shape.Members {
			want = append(want, name)
		}
		sort.Strings(want)
		if diff := cmp.Diff(want, memberNames(op.NewInput())); diff != "" {
			t.Errorf("%s: members (-model +generated):\n%s", op.Name, diff)
		}
	}
}

func memberNames(in model.Input) []string {
	names := []string{}
	typ := reflect.TypeOf(in).Elem()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("json")
		if name == "-" {
			name = f.Name
		} else if j := slices.Index([]byte(name), ','); j >= 0 {
			name = name[:j]
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// TestMemberJSON renders inputs with bound members as the CLI takes them:
// URI and query members under their member names, the client token left
// out, members not given left out.
func TestMemberJSON(t *testing.T) {
	for _, tt := range []struct {
		op     string
		labels map[string]string
		query  url.Values
		header http.Header
		body   string
		want   string
	}{
		{"UntagResource", map[string]string{"ResourceArn": "arn:x"}, url.Values{"tagKeys": {"a", "b"}}, nil, ``,
			`{"ResourceArn":"arn:x","TagKeys":["a","b"]}`},
		{"TagResource", map[string]string{"ResourceArn": "arn:x"}, nil, nil, `{"Tags":{"k":"v"}}`,
			`{"ResourceArn":"arn:x","Tags":{"k":"v"}}`},
		{"CreatePricingPlan", nil, nil, http.Header{"X-Amzn-Client-Token": {"tok"}}, `{"Name":"p","PricingRuleArns":["r"]}`,
			`{"Name":"p","PricingRuleArns":["r"]}`},
		{"DeletePricingRule", nil, nil, nil, `{"Arn":"arn:r"}`, `{"Arn":"arn:r"}`},
	} {
		op, ok := model.OperationByName(tt.op)
		if !ok {
			t.Fatalf("no operation %s", tt.op)
		}
		in := op.NewInput()
		if tt.body != "" {
			if err := json.Unmarshal([]byte(tt.body), in); err != nil {
				t.Fatal(err)
			}
		}
		in.BindHTTP(tt.labels, tt.query, tt.header)
		got, err := memberJSON(op, in)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%s: memberJSON = %s, want %s", tt.op, got, tt.want)
		}
	}
}
