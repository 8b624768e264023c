// Package codegen turns a botocore service model into the Go source of package
// model: shape structs, enum constants, validators, HTTP binders and the
// operation table. It is used by the modelgen command and by tests that check
// the committed output is up to date.
package codegen

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/format"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

//go:embed model.go.tmpl
var tmplText string

var tmpl = template.Must(template.New("model").Funcs(template.FuncMap{"goString": goString}).Parse(tmplText))

// goString returns s as a Go string literal, preferring a raw literal for
// strings with backslashes such as regular expressions.
func goString(s string) string {
	if strings.Contains(s, `\`) && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// Generate returns the gofmt-formatted Go source of package model for the
// botocore model in modelJSON. It fails if the model uses a construct the
// generator does not support or a pattern that Go's RE2 cannot compile.
func Generate(modelJSON []byte) ([]byte, error) {
	sp, err := ParseSpec(modelJSON)
	if err != nil {
		return nil, err
	}
	g := newGenerator(sp)
	f, err := g.file()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, f); err != nil {
		return nil, fmt.Errorf("execute template: %w", err)
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format generated code: %w\n%s", err, buf.Bytes())
	}
	return src, nil
}

// generator holds the parsed spec and the shape sets derived from it.
type generator struct {
	sp      *Spec
	all     map[string]bool // shapes reachable from any operation
	inputs  map[string]bool // shapes reachable from an operation input
	outputs map[string]bool // output shapes of operations (top level only)
	needs   map[string]bool // memo for needsValidator
}

func newGenerator(sp *Spec) *generator {
	var all, in []string
	outputs := map[string]bool{}
	for _, name := range sortedKeys(sp.Operations) {
		op := sp.Operations[name]
		in = append(in, op.Input.Shape)
		all = append(all, op.Input.Shape)
		if op.Output != nil {
			all = append(all, op.Output.Shape)
			outputs[op.Output.Shape] = true
		}
		for _, e := range op.Errors {
			all = append(all, e.Shape)
		}
	}
	return &generator{
		sp:      sp,
		all:     sp.reachable(all),
		inputs:  sp.reachable(in),
		outputs: outputs,
		needs:   map[string]bool{},
	}
}

// file builds the template data for the whole generated file.
func (g *generator) file() (*fileView, error) {
	f := &fileView{}
	for _, name := range sortedKeys(g.all) {
		s := g.sp.Shapes[name]
		if len(s.Enum) > 0 {
			f.Enums = append(f.Enums, enumView(name, s))
		}
		if s.Type == "structure" {
			sv, err := g.structView(name, s)
			if err != nil {
				return nil, fmt.Errorf("shape %s: %w", name, err)
			}
			f.Structs = append(f.Structs, sv)
		}
		if g.inputs[name] && g.needsValidator(name) {
			vv, err := g.validatorView(name, s)
			if err != nil {
				return nil, fmt.Errorf("shape %s: %w", name, err)
			}
			f.Validators = append(f.Validators, vv)
			if vv.Pattern != nil {
				f.Patterns = append(f.Patterns, *vv.Pattern)
			}
		}
		if s.Error != nil || s.Exception {
			f.Errors = append(f.Errors, errorView{Name: name, Status: errorStatus(s)})
		}
	}
	for _, name := range sortedKeys(g.sp.Operations) {
		f.Operations = append(f.Operations, g.operationView(name, g.sp.Operations[name]))
	}
	f.Imports = imports(f)
	return f, checkIdentifiers(f)
}

func errorStatus(s *Shape) int {
	switch {
	case s.Error != nil && s.Error.HTTPStatusCode != 0:
		return s.Error.HTTPStatusCode
	case s.Fault:
		return 500
	default:
		return 400
	}
}

// imports lists the packages the generated code uses.
func imports(f *fileView) []string {
	var pkgs []string
	add := func(p string) {
		if !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	if len(f.Operations) > 0 {
		add("net/http")
		add("net/url")
	}
	if len(f.Patterns) > 0 {
		add("regexp")
	}
	for _, v := range f.Validators {
		if v.Enum {
			add("slices")
		}
		if v.Kind == "string" && len(v.Checks) > 0 {
			add("unicode/utf8")
		}
	}
	for _, s := range f.Structs {
		if len(s.Collections) > 0 {
			add("encoding/json")
		}
		for _, b := range s.Bindings {
			if b.Kind == "queryList" {
				add("slices")
			}
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// checkIdentifiers fails on two generated top-level identifiers colliding,
// e.g. an enum constant with the same name as a structure.
func checkIdentifiers(f *fileView) error {
	seen := map[string]string{}
	claim := func(id, what string) error {
		if prev, ok := seen[id]; ok {
			return fmt.Errorf("identifier %s generated for both %s and %s", id, prev, what)
		}
		seen[id] = what
		return nil
	}
	for _, s := range f.Structs {
		if err := claim(s.Name, "structure "+s.Name); err != nil {
			return err
		}
	}
	for _, e := range f.Enums {
		if err := claim(e.Shape+"Values", "enum "+e.Shape); err != nil {
			return err
		}
		for _, c := range e.Consts {
			if err := claim(c.Name, fmt.Sprintf("enum %s value %q", e.Shape, c.Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

// goType is the Go type of a value of shape name. Scalars and structures are
// pointers when elem is false (struct members) and values when elem is true
// (list elements and map values).
func (g *generator) goType(name string, elem bool) (string, error) {
	s := g.sp.Shapes[name]
	var t string
	switch s.Type {
	case "structure":
		t = name
	case "string":
		t = "string"
	case "boolean":
		t = "bool"
	case "integer":
		t = "int32"
	case "long", "timestamp":
		t = "int64"
	case "float", "double":
		t = "float64"
	case "list":
		et, err := g.goType(s.Member.Shape, true)
		return "[]" + et, err
	case "map":
		vt, err := g.goType(s.Value.Shape, true)
		return "map[string]" + vt, err
	default:
		return "", fmt.Errorf("no Go type for shape type %q", s.Type)
	}
	if elem {
		return t, nil
	}
	return "*" + t, nil
}

// compilePattern checks that a model pattern is valid Go RE2 syntax.
func compilePattern(pattern string) error {
	if _, err := regexp.Compile(pattern); err != nil {
		return fmt.Errorf("pattern %q does not compile with Go regexp: %w", pattern, err)
	}
	return nil
}
