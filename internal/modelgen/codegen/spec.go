package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Spec is the subset of a botocore service model (service-2.json) read by the
// generator. Documentation, metadata and paginators are ignored.
type Spec struct {
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Operation is one modeled API operation.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input      *Ref  `json:"input"`
	Output     *Ref  `json:"output"`
	Errors     []Ref `json:"errors"`
	Idempotent bool  `json:"idempotent"`
}

// Ref targets a shape, either from an operation or from a structure member,
// list element or map key/value. The binding fields only apply to members.
type Ref struct {
	Shape            string `json:"shape"`
	Location         string `json:"location"` // "", "header", "uri" or "querystring"
	LocationName     string `json:"locationName"`
	IdempotencyToken bool   `json:"idempotencyToken"`
}

// Shape is a botocore shape. Min and Max keep their literal JSON text so that
// generated bounds and messages read exactly as modeled.
type Shape struct {
	Type     string       `json:"type"`
	Members  Members      `json:"members"`
	Required []string     `json:"required"`
	Member   *Ref         `json:"member"`
	Key      *Ref         `json:"key"`
	Value    *Ref         `json:"value"`
	Min      *json.Number `json:"min"`
	Max      *json.Number `json:"max"`
	Pattern  string       `json:"pattern"`
	Enum     []string     `json:"enum"`
	Error    *struct {
		HTTPStatusCode int `json:"httpStatusCode"`
	} `json:"error"`
	Exception bool `json:"exception"`
	Fault     bool `json:"fault"`
}

// Member is a named structure member.
type Member struct {
	Name string
	Ref
}

// Members keeps structure members in model (file) order.
type Members []Member

// UnmarshalJSON decodes a JSON object into members, preserving key order.
func (ms *Members) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("members: want a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		m := Member{Name: tok.(string)}
		if err := dec.Decode(&m.Ref); err != nil {
			return fmt.Errorf("member %s: %w", m.Name, err)
		}
		*ms = append(*ms, m)
	}
	_, err := dec.Token()
	return err
}

// IsRequired reports whether the structure s requires member name.
func (s *Shape) IsRequired(name string) bool { return slices.Contains(s.Required, name) }

// ParseSpec decodes a botocore model and checks that it is self-consistent
// and supported: every referenced shape exists and has a supported type,
// every required member is declared, and every pattern compiles as Go RE2.
func ParseSpec(data []byte) (*Spec, error) {
	var sp Spec
	if err := json.Unmarshal(data, &sp); err != nil {
		return nil, fmt.Errorf("parse model: %w", err)
	}
	if len(sp.Operations) == 0 {
		return nil, fmt.Errorf("model has no operations")
	}
	for _, name := range sortedKeys(sp.Shapes) {
		if err := sp.checkShape(name, sp.Shapes[name]); err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
	}
	for _, name := range sortedKeys(sp.Operations) {
		if err := sp.checkOperation(sp.Operations[name]); err != nil {
			return nil, fmt.Errorf("operation %s: %w", name, err)
		}
	}
	return &sp, nil
}

var supportedTypes = []string{"structure", "list", "map", "string", "boolean", "integer", "long", "float", "double", "timestamp"}

func (sp *Spec) checkShape(name string, s *Shape) error {
	if !slices.Contains(supportedTypes, s.Type) {
		return fmt.Errorf("unsupported type %q", s.Type)
	}
	refs := map[string]*Ref{"member": s.Member, "key": s.Key, "value": s.Value}
	for _, m := range s.Members {
		refs["member "+m.Name] = &m.Ref
	}
	for what, r := range refs {
		if r != nil && sp.Shapes[r.Shape] == nil {
			return fmt.Errorf("%s targets unknown shape %q", what, r.Shape)
		}
	}
	for _, req := range s.Required {
		if !slices.ContainsFunc(s.Members, func(m Member) bool { return m.Name == req }) {
			return fmt.Errorf("required member %q is not declared", req)
		}
	}
	if s.Pattern != "" {
		if err := compilePattern(s.Pattern); err != nil {
			return err
		}
	}
	switch {
	case s.Type == "list" && s.Member == nil:
		return fmt.Errorf("list without member")
	case s.Type == "map" && (s.Key == nil || s.Value == nil):
		return fmt.Errorf("map without key or value")
	case s.Type == "map" && sp.Shapes[s.Key.Shape].Type != "string":
		return fmt.Errorf("map key must be a string shape")
	}
	return nil
}

func (sp *Spec) checkOperation(op *Operation) error {
	if op.Input == nil {
		return fmt.Errorf("no input shape")
	}
	refs := append([]Ref{*op.Input}, op.Errors...)
	if op.Output != nil {
		refs = append(refs, *op.Output)
	}
	for _, r := range refs {
		if s := sp.Shapes[r.Shape]; s == nil || s.Type != "structure" {
			return fmt.Errorf("%q is not a structure shape", r.Shape)
		}
	}
	return nil
}

// reachable returns the names of all shapes reachable from the given roots.
func (sp *Spec) reachable(roots []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		s := sp.Shapes[name]
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if r != nil {
				visit(r.Shape)
			}
		}
		for _, m := range s.Members {
			visit(m.Shape)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
