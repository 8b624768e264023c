// Package modelcases derives constraint-violation test cases from the vendored
// service model (model.ModelJSON), for tests of the validation layer at any
// level: model.Input.Validate, the HTTP handlers, or a running server.
//
// For every operation and every constraint reachable from its input, Cases
// returns a minimal valid request with exactly that one constraint violated,
// together with the FieldError name the violation must be reported under.
// Constraints that cannot be violated through the wire are skipped; see
// the "Skipped:" comments.
package modelcases

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Constraint names used in Case.Constraint.
const (
	Required  = "required"
	MinLength = "min-length"
	MaxLength = "max-length"
	Pattern   = "pattern"
	Enum      = "enum"
	MinItems  = "min-items"
	MaxItems  = "max-items"
	MinValue  = "min-value"
	MaxValue  = "max-value"
)

// InvalidEnumValue is the value sent to violate an enum constraint.
const InvalidEnumValue = "NOT_A_VALID_ENUM_VALUE"

// Case is one request violating exactly one model constraint.
type Case struct {
	Operation  string              // e.g. "CreateBillingGroup"
	Constraint string              // one of the constraint constants, e.g. "pattern"
	Field      string              // expected FieldError.Name, e.g. "AccountGrouping.LinkedAccountIds[0]"
	Body       map[string]any      // the JSON body to send
	Labels     map[string]string   // URI labels, e.g. {"ResourceArn": "..."}
	Query      map[string][]string // query string parameters
	Header     map[string]string   // headers
}

// variant is a value of some shape violating one constraint at Field.
type variant struct {
	Constraint, Field string
	Value             any
}

// Cases returns the constraint-violation cases of every operation, sorted by
// operation, then by member name and depth-first through nested members.
// The maps of each case are fresh and may be modified by the caller.
func Cases() ([]Case, error) {
	sp, err := loadSpec()
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, op := range sortedKeys(sp.Operations) {
		in := sp.Operations[op].Input.Shape
		vs, err := newWalker(sp).structVariants(in, "")
		if err != nil {
			return nil, fmt.Errorf("modelcases: %s: %w", op, err)
		}
		for _, v := range vs {
			c := Case{Operation: op, Constraint: v.Constraint, Field: v.Field}
			c.Body, c.Labels, c.Query, c.Header = sp.split(in, v.Value.(map[string]any))
			cases = append(cases, c)
		}
	}
	return cases, nil
}

// ValidInput returns a minimal valid request of the operation: only required
// members, each with a synthesized valid value. The maps are never nil.
func ValidInput(op string) (body map[string]any, labels map[string]string, query map[string][]string, header map[string]string, err error) {
	sp, err := loadSpec()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	o, ok := sp.Operations[op]
	if !ok || o.Input == nil {
		return nil, nil, nil, nil, fmt.Errorf("modelcases: unknown operation %q", op)
	}
	v, err := newWalker(sp).validStruct(o.Input.Shape)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("modelcases: %s: %w", op, err)
	}
	body, labels, query, header = sp.split(o.Input.Shape, v)
	return body, labels, query, header, nil
}

// split moves the members of an input value bound to the URI, query string
// and headers out of the body.
func (sp *spec) split(input string, v map[string]any) (body map[string]any, labels map[string]string, query map[string][]string, header map[string]string) {
	body, labels, query, header = map[string]any{}, map[string]string{}, map[string][]string{}, map[string]string{}
	for k, val := range v {
		body[k] = val
	}
	for _, m := range sp.Shapes[input].members() {
		val, ok := v[m.name]
		if m.Location == "" || !ok {
			continue
		}
		delete(body, m.name)
		switch m.Location {
		case "uri":
			labels[m.LocationName] = wireString(val)
		case "header":
			header[m.LocationName] = wireString(val)
		case "querystring":
			if list, ok := val.([]any); ok {
				for _, e := range list {
					query[m.LocationName] = append(query[m.LocationName], wireString(e))
				}
			} else {
				query[m.LocationName] = []string{wireString(val)}
			}
		}
	}
	return body, labels, query, header
}

func wireString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// variants returns the violations of the shape's constraints and of the
// constraints of nested shapes. loc is the binding of a top-level member
// ("uri", "querystring", "header"), "" in the body.
func (w *walker) variants(name, path, loc string) ([]variant, error) {
	s, err := w.shape(name)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case "structure":
		return w.structVariants(name, path)
	case "list":
		return w.listVariants(s, path, loc)
	case "map":
		return w.mapVariants(s, path)
	case "string":
		return w.stringVariants(name, s, path, loc)
	case "integer", "long":
		return numberVariants(s, path, true), nil
	case "float", "double":
		return numberVariants(s, path, false), nil
	}
	return nil, nil // booleans and timestamps carry no constraints here
}

// structVariants violates each required member by omitting it, and each
// constraint of each member's value. path is "" for the operation input.
func (w *walker) structVariants(name, path string) ([]variant, error) {
	base, err := w.validStruct(name)
	if err != nil {
		return nil, err
	}
	leave, err := w.enter(name)
	if err != nil {
		return nil, err
	}
	defer leave()
	var out []variant
	for _, m := range w.sp.Shapes[name].members() {
		mpath, loc := joinPath(path, m.name), ""
		if path == "" {
			loc = m.Location // bindings only apply to top-level members
		}
		// Skipped: a required URI label cannot be absent, the request would
		// not match the operation's route.
		if m.required && loc != "uri" {
			out = append(out, variant{Required, mpath, with(base, m.jsonKey(), nil, true)})
		}
		mvs, err := w.variants(m.Shape, mpath, loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mpath, err)
		}
		for _, mv := range mvs {
			out = append(out, variant{mv.Constraint, mv.Field, with(base, m.jsonKey(), mv.Value, false)})
		}
	}
	return out, nil
}

func (w *walker) listVariants(s *shape, path, loc string) ([]variant, error) {
	var out []variant
	// Skipped: a query string list of zero values is indistinguishable from
	// an absent one, so its minimum of 1 can only be violated as "required".
	if min := s.minLen(); min > 0 && !(loc == "querystring" && min == 1) {
		list, err := w.validList(s, min-1)
		if err != nil {
			return nil, err
		}
		out = append(out, variant{MinItems, path, list})
	}
	if max := s.maxLen(); max >= 0 {
		list, err := w.validList(s, max+1)
		if err != nil {
			return nil, err
		}
		out = append(out, variant{MaxItems, path, list})
	}
	if s.maxLen() == 0 {
		return out, nil // Skipped: no element can be sent at all.
	}
	// Violate element 0 of a list of the smallest valid non-zero size.
	rest, err := w.validList(s, max(s.minLen(), 1)-1)
	if err != nil {
		return nil, err
	}
	evs, err := w.variants(s.Member.Shape, path+"[0]", loc)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		out = append(out, variant{ev.Constraint, ev.Field, append([]any{ev.Value}, rest...)})
	}
	return out, nil
}

func (w *walker) mapVariants(s *shape, path string) ([]variant, error) {
	var out []variant
	if min := s.minLen(); min > 0 {
		m, err := w.validMap(s, min-1)
		if err != nil {
			return nil, err
		}
		out = append(out, variant{MinItems, path, m})
	}
	if max := s.maxLen(); max >= 0 {
		m, err := w.validMap(s, max+1)
		if err != nil {
			return nil, err
		}
		out = append(out, variant{MaxItems, path, m})
	}
	// Violate one entry of a map of the smallest valid non-zero size; the
	// entry is named by its key, whether the key or the value is invalid.
	m, err := w.validMap(s, max(s.minLen(), 1))
	if err != nil {
		return nil, err
	}
	key := sortedKeys(m)[0]
	kvs, err := w.variants(s.Key.Shape, "", "")
	if err != nil {
		return nil, err
	}
	for _, kv := range kvs {
		bad := kv.Value.(string)
		if _, clash := m[bad]; clash {
			return nil, fmt.Errorf("invalid key %q clashes with a valid one", bad)
		}
		out = append(out, variant{kv.Constraint, path + "[" + bad + "]", with(with(m, key, nil, true), bad, m[key], false)})
	}
	vvs, err := w.variants(s.Value.Shape, path+"["+key+"]", "")
	if err != nil {
		return nil, err
	}
	for _, vv := range vvs {
		out = append(out, variant{vv.Constraint, vv.Field, with(m, key, vv.Value, false)})
	}
	return out, nil
}

func (w *walker) stringVariants(name string, s *shape, path, loc string) ([]variant, error) {
	valid, err := validString(name, s)
	if err != nil {
		return nil, err
	}
	var out []variant
	// Skipped: an empty URI label cannot be sent, the route would not match.
	if min := s.minLen(); min > 0 && !(loc == "uri" && min == 1) {
		out = append(out, variant{MinLength, path, truncate(valid, min-1)})
	}
	if max := s.maxLen(); max >= 0 {
		out = append(out, variant{MaxLength, path, tooLong(s, valid)})
	}
	if s.re != nil {
		bad, err := nonMatching(s, loc)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		out = append(out, variant{Pattern, path, bad})
	}
	if len(s.Enum) > 0 {
		out = append(out, variant{Enum, path, InvalidEnumValue})
	}
	return out, nil
}

// tooLong returns a string one code point longer than the maximum, still
// matching the pattern when padding valid at either end achieves it.
func tooLong(s *shape, valid string) string {
	pad := s.maxLen() + 1 - utf8.RuneCountInString(valid)
	last, _ := utf8.DecodeLastRuneInString(valid)
	for _, fill := range []string{"a", "0", string(last)} {
		p := strings.Repeat(fill, pad)
		for _, v := range []string{valid + p, p + valid} {
			if s.re == nil || s.re.MatchString(v) {
				return v
			}
		}
	}
	return valid + strings.Repeat("a", pad) // also violates the pattern
}

// nonMatching returns a string of valid length in which no substring
// matches the pattern. Header values cannot start or end with whitespace.
func nonMatching(s *shape, loc string) (string, error) {
	n := max(s.minLen(), 1)
	if max := s.maxLen(); max >= 0 {
		n = min(n, max)
	}
	for _, c := range []string{"!", "#", "~", " ", "\t"} {
		v := strings.Repeat(c, n)
		if loc == "header" && strings.TrimFunc(v, unicode.IsSpace) != v {
			continue
		}
		if !s.re.MatchString(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("no candidate value violates pattern %s", s.Pattern)
}

func numberVariants(s *shape, path string, integral bool) []variant {
	value := func(f float64) any {
		if integral {
			return int64(f)
		}
		return f
	}
	// Skipped: a bound at the edge of the wire type cannot be exceeded by
	// a value that still decodes.
	lo, hi := -math.MaxFloat64, math.MaxFloat64
	if integral {
		lo, hi = math.MinInt32, math.MaxInt32
		if t := s.Type; t == "long" {
			lo, hi = math.MinInt64, math.MaxInt64
		}
	}
	var out []variant
	if s.Min != nil && *s.Min-1 >= lo {
		out = append(out, variant{MinValue, path, value(*s.Min - 1)})
	}
	if s.Max != nil && *s.Max+1 <= hi {
		out = append(out, variant{MaxValue, path, value(*s.Max + 1)})
	}
	return out
}

func joinPath(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}
