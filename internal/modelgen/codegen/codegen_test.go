package codegen

import (
	"bytes"
	"flag"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestGolden generates code for testdata/model.json, a small model using every
// construct the generator supports, and compares it to testdata/model_gen.golden.
func TestGolden(t *testing.T) {
	model, err := os.ReadFile(filepath.Join("testdata", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Generate(model)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "model_gen.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("generated code differs from %s; run go test ./internal/modelgen/... -update and review the diff", golden)
	}
}

func TestGenerateRejects(t *testing.T) {
	const op = `"operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "In"}}}`
	for _, tc := range []struct{ name, shapes, wantErr string }{
		{"bad pattern", `"In": {"type": "structure", "members": {"A": {"shape": "S"}}}, "S": {"type": "string", "pattern": "(?<=x)y"}`, "does not compile with Go regexp"},
		{"unknown shape", `"In": {"type": "structure", "members": {"A": {"shape": "Nope"}}}`, "unknown shape"},
		{"undeclared required", `"In": {"type": "structure", "required": ["B"], "members": {}}`, "not declared"},
		{"unsupported type", `"In": {"type": "structure", "members": {"A": {"shape": "B"}}}, "B": {"type": "blob"}`, "unsupported type"},
		{"unsupported binding", `"In": {"type": "structure", "members": {"A": {"shape": "I", "location": "header", "locationName": "X-A"}}}, "I": {"type": "integer"}`, "unsupported header binding"},
		{"fractional integer bound", `"In": {"type": "structure", "members": {"A": {"shape": "I"}}}, "I": {"type": "integer", "min": 0.5}`, "not an integer"},
		{"identifier collision", `"In": {"type": "structure", "members": {"A": {"shape": "E"}}}, "E": {"type": "string", "enum": ["X"]}, "EX": {"type": "structure", "members": {}}, "Out": {"type": "structure", "members": {"E": {"shape": "EX"}}}`, "generated for both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := `{` + op + `, "shapes": {` + tc.shapes + `}}`
			if tc.name == "identifier collision" {
				model = strings.Replace(model, `"input": {"shape": "In"}`, `"input": {"shape": "In"}, "output": {"shape": "Out"}`, 1)
			}
			_, err := Generate([]byte(model))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Generate error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{
		"ACTIVE":                  "Active",
		"FIELD_VALIDATION_FAILED": "FieldValidationFailed",
		"light-blue":              "LightBlue",
		"BasicPricingPlan":        "BasicPricingPlan",
		"v2":                      "V2",
		"a.b c":                   "ABC",
	} {
		if got := camelCase(in); got != want {
			t.Errorf("camelCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGoldenTypeChecks type-checks the golden file together with the
// hand-written files of package model it relies on, so that constructs absent
// from the real model (query scalars, fractional bounds, empty inputs) are
// known to compile.
func TestGoldenTypeChecks(t *testing.T) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range []string{
		filepath.Join("testdata", "model_gen.golden"),
		filepath.Join("..", "..", "model", "validate.go"),
		filepath.Join("..", "..", "model", "operation.go"),
	} {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("model", fset, files, nil); err != nil {
		t.Fatal(err)
	}
}
