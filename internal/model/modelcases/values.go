package modelcases

import (
	"fmt"
	"maps"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// walker synthesizes JSON-ready values (string, int64, float64, bool, []any,
// map[string]any) for shapes of one spec.
type walker struct {
	sp     *spec
	active map[string]bool // structures being built, to reject recursive shapes
}

func newWalker(sp *spec) *walker { return &walker{sp: sp, active: map[string]bool{}} }

func (w *walker) shape(name string) (*shape, error) {
	s := w.sp.Shapes[name]
	if s == nil {
		return nil, fmt.Errorf("unknown shape %q", name)
	}
	return s, nil
}

// enter marks a structure as being built; recursive shapes have no minimal
// value and are rejected.
func (w *walker) enter(name string) (leave func(), err error) {
	if w.active[name] {
		return nil, fmt.Errorf("recursive shape %s is not supported", name)
	}
	w.active[name] = true
	return func() { delete(w.active, name) }, nil
}

// valid returns a minimal valid value of the shape: structures with only
// their required members, lists and maps with their minimum size.
func (w *walker) valid(name string) (any, error) {
	s, err := w.shape(name)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case "structure":
		return w.validStruct(name)
	case "list":
		return w.validList(s, s.minLen())
	case "map":
		return w.validMap(s, s.minLen())
	case "string":
		return validString(name, s)
	case "boolean":
		return false, nil
	case "integer", "long", "timestamp":
		return int64(validNumber(s)), nil
	case "float", "double":
		return validNumber(s), nil
	}
	return nil, fmt.Errorf("shape %s: unsupported type %q", name, s.Type)
}

func (w *walker) validStruct(name string) (map[string]any, error) {
	leave, err := w.enter(name)
	if err != nil {
		return nil, err
	}
	defer leave()
	v := map[string]any{}
	for _, m := range w.sp.Shapes[name].members() {
		if !m.required {
			continue
		}
		if v[m.jsonKey()], err = w.valid(m.Shape); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// validList returns a list of n valid elements.
func (w *walker) validList(s *shape, n int) ([]any, error) {
	elem, err := w.valid(s.Member.Shape)
	if err != nil {
		return nil, err
	}
	list := make([]any, n)
	for i := range list {
		list[i] = elem
	}
	return list, nil
}

// validMap returns a map of n entries with distinct valid keys.
func (w *walker) validMap(s *shape, n int) (map[string]any, error) {
	keys, err := w.distinctKeys(s, n)
	if err != nil {
		return nil, err
	}
	val, err := w.valid(s.Value.Shape)
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, n)
	for _, k := range keys {
		m[k] = val
	}
	return m, nil
}

// distinctKeys returns n distinct valid keys of the map shape.
func (w *walker) distinctKeys(s *shape, n int) ([]string, error) {
	ks, err := w.shape(s.Key.Shape)
	if err != nil {
		return nil, err
	}
	base, err := validString(s.Key.Shape, ks)
	if err != nil {
		return nil, err
	}
	var keys []string
	for i := 0; len(keys) < n && i < 10*n+10; i++ {
		suffix := strconv.Itoa(i)
		for _, k := range []string{base + suffix, suffix + base, truncate(base, utf8.RuneCountInString(base)-len(suffix)) + suffix} {
			if checkString(ks, k) == nil && !slices.Contains(keys, k) {
				keys = append(keys, k)
				break
			}
		}
	}
	if len(keys) < n {
		return nil, fmt.Errorf("shape %s: cannot synthesize %d distinct valid keys", s.Key.Shape, n)
	}
	return keys, nil
}

// validNumber is the smallest valid number, or 0 when unbounded below.
func validNumber(s *shape) float64 {
	switch {
	case s.Min != nil:
		return *s.Min
	case s.Max != nil && *s.Max < 0:
		return *s.Max
	}
	return 0
}

// validString synthesizes a value satisfying the shape's enum, pattern and
// length constraints, and fails loudly if it cannot.
func validString(name string, s *shape) (string, error) {
	v := "a"
	switch {
	case len(s.Enum) > 0:
		v = s.Enum[0]
	case s.syntax != nil:
		v = sample(s.syntax)
	}
	fill := "a"
	if v != "" {
		r, _ := utf8.DecodeLastRuneInString(v)
		fill = string(r)
	}
	for utf8.RuneCountInString(v) < s.minLen() {
		v += fill // appending keeps an unanchored match; checked below
	}
	if max := s.maxLen(); max >= 0 && s.syntax == nil && len(s.Enum) == 0 {
		v = truncate(v, max)
	}
	if err := checkString(s, v); err != nil {
		return "", fmt.Errorf("shape %s: cannot synthesize a valid string: %q %w", name, v, err)
	}
	return v, nil
}

// checkString reports why v is not a valid value of the string shape.
func checkString(s *shape, v string) error {
	n := utf8.RuneCountInString(v)
	switch {
	case n < s.minLen():
		return fmt.Errorf("is shorter than %d", s.minLen())
	case s.maxLen() >= 0 && n > s.maxLen():
		return fmt.Errorf("is longer than %d", s.maxLen())
	case s.re != nil && !s.re.MatchString(v):
		return fmt.Errorf("does not match %s", s.Pattern)
	case len(s.Enum) > 0 && !slices.Contains(s.Enum, v):
		return fmt.Errorf("is not one of %q", s.Enum)
	}
	return nil
}

// sample returns a short string matched by re. It supports the RE2 subset
// found in service models: literals, classes, groups, alternations,
// repetitions and anchors. Anchors and optional parts produce nothing.
func sample(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		return string(classRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "a"
	case syntax.OpCapture, syntax.OpPlus, syntax.OpAlternate:
		return sample(re.Sub[0])
	case syntax.OpRepeat:
		return strings.Repeat(sample(re.Sub[0]), re.Min)
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			b.WriteString(sample(sub))
		}
		return b.String()
	}
	return "" // OpEmptyMatch, OpStar, OpQuest, anchors and word boundaries
}

// classRune picks a readable rune from a character class given as ranges.
func classRune(ranges []rune) rune {
	for _, r := range "a0A-" {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return r
			}
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if unicode.IsPrint(r) {
				return r
			}
		}
	}
	return ranges[0]
}

// truncate returns the first n code points of s (none when n < 0).
func truncate(s string, n int) string {
	r := []rune(s)
	return string(r[:max(min(n, len(r)), 0)])
}

// with returns a shallow copy of the structure value v with key set to val,
// or removed when remove is true. Values are never mutated once built, so
// sharing nested values between copies is safe.
func with(v map[string]any, key string, val any, remove bool) map[string]any {
	c := maps.Clone(v)
	if remove {
		delete(c, key)
	} else {
		c[key] = val
	}
	return c
}
