package conductor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsFlowInward holds the layering of DESIGN.md: the domain uses the
// standard library only, and adapters never import each other.
func TestImportsFlowInward(t *testing.T) {
	const module = "github.com/proforma-dev/proforma/"
	adapters := []string{"internal/restjson", "internal/sqlite", "internal/postgres", "internal/sigv4", "internal/model",
		"internal/cur", "internal/pricing", "internal/usage"}
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	for _, d := range deps("internal/conductor") {
		if d != module+"internal/conductor" {
			t.Errorf("internal/conductor depends on %s; the domain is standard library only", d)
		}
	}
	allowed := map[string][]string{
		"internal/restjson": {"internal/model", "internal/sigv4"}, // the transport uses the generated wire types and the verifier
		"internal/usage":    {"internal/cur", "internal/pricing"}, // the engine's application layer joins the codec and the arithmetic
	}
	for _, a := range adapters {
		for _, d := range deps(a) {
			for _, other := range adapters {
				if other == a || d != module+other {
					continue
				}
				if !contains(allowed[a], other) {
					t.Errorf("%s imports %s; adapters import the domain, not each other", a, other)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
