package cloudcontrol

import "testing"

// Cases of RFC 6902 Appendix A (on objects: a model is an object).
func TestApplyPatch(t *testing.T) {
	for _, tt := range []struct {
		name, doc, patch, want string // want "" = the patch fails
	}{
		{"A.1 add member", `{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux"}]`, `{"baz":"qux","foo":"bar"}`},
		{"A.2 add element", `{"foo":["bar","baz"]}`, `[{"op":"add","path":"/foo/1","value":"qux"}]`, `{"foo":["bar","qux","baz"]}`},
		{"A.3 remove member", `{"baz":"qux","foo":"bar"}`, `[{"op":"remove","path":"/baz"}]`, `{"foo":"bar"}`},
		{"A.4 remove element", `{"foo":["bar","qux","baz"]}`, `[{"op":"remove","path":"/foo/1"}]`, `{"foo":["bar","baz"]}`},
		{"A.5 replace", `{"baz":"qux","foo":"bar"}`, `[{"op":"replace","path":"/baz","value":"boo"}]`, `{"baz":"boo","foo":"bar"}`},
		{"A.6 move member", `{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`,
			`[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`,
			`{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`},
		{"A.7 move element", `{"foo":["all","grass","cows","eat"]}`, `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`,
			`{"foo":["all","cows","eat","grass"]}`},
		{"A.8 test success", `{"baz":"qux","foo":["a",2,"c"]}`,
			`[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`, `{"baz":"qux","foo":["a",2,"c"]}`},
		{"A.9 test failure", `{"baz":"qux"}`, `[{"op":"test","path":"/baz","value":"bar"}]`, ""},
		{"A.10 add nested", `{"foo":"bar"}`, `[{"op":"add","path":"/child","value":{"grandchild":{}}}]`,
			`{"child":{"grandchild":{}},"foo":"bar"}`},
		{"A.12 add to nonexistent target", `{"foo":"bar"}`, `[{"op":"add","path":"/baz/bat","value":"qux"}]`, ""},
		{"A.14 escapes", `{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":10}]`, `{"/":9,"~1":10}`},
		{"A.15 comparing strings and numbers", `{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":"10"}]`, ""},
		{"A.16 add array value", `{"foo":["bar"]}`, `[{"op":"add","path":"/foo/-","value":["abc","def"]}]`,
			`{"foo":["bar",["abc","def"]]}`},
		{"copy", `{"a":{"b":1}}`, `[{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/c/b","value":2}]`,
			`{"a":{"b":1},"c":{"b":2}}`},
		{"replace missing", `{"a":1}`, `[{"op":"replace","path":"/b","value":2}]`, ""},
		{"index out of bounds", `{"a":[1]}`, `[{"op":"add","path":"/a/2","value":2}]`, ""},
		{"leading zero", `{"a":[1,2]}`, `[{"op":"remove","path":"/a/01"}]`, ""},
		{"unknown op", `{"a":1}`, `[{"op":"frob","path":"/a"}]`, ""},
		{"move into itself", `{"a":{"b":1}}`, `[{"op":"move","from":"/a","path":"/a/b/c"}]`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseModel(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := applyPatch(doc, tt.patch)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("applied: %s, want an error", modelString(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := modelString(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
			if s := modelString(doc); s != modelString(mustParse(t, tt.doc)) {
				t.Errorf("the input changed: %s", s)
			}
		})
	}
}

func mustParse(t *testing.T, s string) map[string]any {
	m, err := parseModel(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
