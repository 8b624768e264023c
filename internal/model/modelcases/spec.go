package modelcases

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"sync"

	"github.com/proforma-dev/proforma/internal/model"
)

// spec is the part of the botocore model needed to synthesize inputs.
type spec struct {
	Operations map[string]struct {
		Input *ref `json:"input"`
	} `json:"operations"`
	Shapes map[string]*shape `json:"shapes"`
}

type ref struct {
	Shape        string `json:"shape"`
	Location     string `json:"location"` // "", "uri", "querystring" or "header"
	LocationName string `json:"locationName"`
}

type shape struct {
	Type     string         `json:"type"`
	Members  map[string]ref `json:"members"`
	Required []string       `json:"required"`
	Member   *ref           `json:"member"`
	Key      *ref           `json:"key"`
	Value    *ref           `json:"value"`
	Min      *float64       `json:"min"`
	Max      *float64       `json:"max"`
	Pattern  string         `json:"pattern"`
	Enum     []string       `json:"enum"`

	re     *regexp.Regexp // compiled Pattern
	syntax *syntax.Regexp // parsed Pattern, to synthesize matching strings
}

// member is a named structure member.
type member struct {
	name string
	ref
	required bool
}

// jsonKey is the member's key in a JSON body.
func (m member) jsonKey() string {
	if m.Location == "" && m.LocationName != "" {
		return m.LocationName
	}
	return m.name
}

// members returns the structure's members sorted by name, so that cases come
// out in a deterministic order.
func (s *shape) members() []member {
	var ms []member
	for _, name := range sortedKeys(s.Members) {
		ms = append(ms, member{name: name, ref: s.Members[name], required: slices.Contains(s.Required, name)})
	}
	return ms
}

// minLen and maxLen are the length (or size) bounds; maxLen is -1 when unbounded.
func (s *shape) minLen() int {
	if s.Min == nil {
		return 0
	}
	return int(*s.Min)
}

func (s *shape) maxLen() int {
	if s.Max == nil {
		return -1
	}
	return int(*s.Max)
}

// loadSpec parses model.ModelJSON once and compiles its patterns.
var loadSpec = sync.OnceValues(func() (*spec, error) {
	var sp spec
	if err := json.Unmarshal(model.ModelJSON, &sp); err != nil {
		return nil, fmt.Errorf("modelcases: parse model: %w", err)
	}
	for name, s := range sp.Shapes {
		if s.Pattern == "" {
			continue
		}
		var err error
		if s.re, err = regexp.Compile(s.Pattern); err != nil {
			return nil, fmt.Errorf("modelcases: shape %s: %w", name, err)
		}
		if s.syntax, err = syntax.Parse(s.Pattern, syntax.Perl); err != nil {
			return nil, fmt.Errorf("modelcases: shape %s: %w", name, err)
		}
	}
	return &sp, nil
})

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
