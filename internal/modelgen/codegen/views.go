package codegen

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// fileView is the data of model.go.tmpl.
type fileView struct {
	Imports    []string
	Enums      []enumConsts
	Structs    []structView
	Validators []validatorView
	Patterns   []patternView
	Operations []operationView
	Errors     []errorView
}

type enumConsts struct {
	Shape  string
	Consts []constView
}

type constView struct{ Name, Value string }

type structView struct {
	Name      string
	Doc       []string
	Fields    []fieldView
	Validate  bool          // part of some operation input: gets Validate
	Input     bool          // an operation input: gets BindHTTP
	Bindings  []bindingView // members bound to the URI, query string or headers
	Error     bool          // an error shape: gets ErrorCode and Error
	ErrorText bool          // the error shape has a string Message member
	// Collections are the list and map body members of an operation output:
	// always encoded, nil ones as [] or {} (MarshalJSON).
	Collections []fieldView
}

type fieldView struct{ Name, Type, Tag, Comment string }

// bindingView binds one member; Kind is label, query, queryList or header.
type bindingView struct{ Field, Kind, Key string }

// validatorView is one validate<Shape> function. Kind is structure, string,
// number, list or map.
type validatorView struct {
	Kind      string
	Shape     string
	GoType    string
	RuneCount bool // string length checks need the code point count n
	Checks    []checkView
	Members   []memberCheck // structures
	Key       *callView     // map keys
	Elem      *callView     // list elements and map values
	Pattern   *patternView
	Enum      bool
}

// checkView appends Message at path when Cond holds.
type checkView struct{ Cond, Message string }

type memberCheck struct {
	Name     string // member name, used in the FieldError path
	Field    string
	Required bool
	Call     *callView // nil when the member's shape has no constraints
}

// callView calls validate<Shape>(path, Arg, errs).
type callView struct{ Func, Arg string }

type patternView struct{ Var, Pattern string }

type operationView struct {
	Name, Method, Path      string
	SuccessCode             int
	Idempotent              bool
	ClientTokenMember       string
	Errors                  []string
	InputShape, OutputShape string
	Paginated               bool
}

type errorView struct {
	Name   string
	Status int
}

func enumView(name string, s *Shape) enumConsts {
	e := enumConsts{Shape: name}
	for _, v := range s.Enum {
		e.Consts = append(e.Consts, constView{Name: name + camelCase(v), Value: v})
	}
	return e
}

func (g *generator) structView(name string, s *Shape) (structView, error) {
	sv := structView{
		Name:     name,
		Doc:      g.structDoc(name, s),
		Validate: g.inputs[name],
		Input:    len(g.opsWithInput(name)) > 0,
		Error:    s.Error != nil || s.Exception,
	}
	output := g.outputs[name]
	for _, m := range s.Members {
		f, err := g.fieldView(m)
		if err != nil {
			return sv, fmt.Errorf("member %s: %w", m.Name, err)
		}
		if t := g.sp.Shapes[m.Shape].Type; output && m.Location == "" && (t == "list" || t == "map") {
			// An operation output's collections are always present on the
			// wire, [] or {} when empty, as AWS answers them: clients index
			// them directly (boto3's resp["BillingGroups"]).
			f.Tag = strings.TrimSuffix(f.Tag, `,omitempty"`) + `"`
			sv.Collections = append(sv.Collections, f)
		}
		sv.Fields = append(sv.Fields, f)
		if m.Name == "Message" && g.sp.Shapes[m.Shape].Type == "string" {
			sv.ErrorText = sv.Error
		}
		if sv.Input && m.Location != "" {
			b, err := g.bindingView(m)
			if err != nil {
				return sv, fmt.Errorf("member %s: %w", m.Name, err)
			}
			sv.Bindings = append(sv.Bindings, b)
		}
	}
	return sv, nil
}

func (g *generator) structDoc(name string, s *Shape) []string {
	doc := []string{fmt.Sprintf("%s is the %s structure shape.", name, name)}
	if ops := g.opsWithInput(name); len(ops) > 0 {
		doc = append(doc, fmt.Sprintf("It is the input of %s.", strings.Join(ops, ", ")))
	}
	if ops := g.opsWithOutput(name); len(ops) > 0 {
		doc = append(doc, fmt.Sprintf("It is the output of %s.", strings.Join(ops, ", ")))
	}
	if s.Error != nil || s.Exception {
		doc = append(doc, fmt.Sprintf("It is an error returned with HTTP status %d.", errorStatus(s)))
	}
	return doc
}

func (g *generator) opsWithInput(shape string) []string {
	var ops []string
	for _, name := range sortedKeys(g.sp.Operations) {
		if g.sp.Operations[name].Input.Shape == shape {
			ops = append(ops, name)
		}
	}
	return ops
}

func (g *generator) opsWithOutput(shape string) []string {
	var ops []string
	for _, name := range sortedKeys(g.sp.Operations) {
		if out := g.sp.Operations[name].Output; out != nil && out.Shape == shape {
			ops = append(ops, name)
		}
	}
	return ops
}

func (g *generator) fieldView(m Member) (fieldView, error) {
	name, err := exportedName(m.Name)
	if err != nil {
		return fieldView{}, err
	}
	typ, err := g.goType(m.Shape, false)
	if err != nil {
		return fieldView{}, err
	}
	f := fieldView{Name: name, Type: typ, Tag: `json:"-"`}
	if m.Location == "" {
		key := m.Name
		if m.LocationName != "" {
			key = m.LocationName
		}
		f.Tag = fmt.Sprintf(`json:"%s,omitempty"`, key)
	} else {
		f.Comment = fmt.Sprintf("bound to %s %q", m.Location, m.LocationName)
	}
	return f, nil
}

func (g *generator) bindingView(m Member) (bindingView, error) {
	field, _ := exportedName(m.Name)
	b := bindingView{Field: field, Key: m.LocationName}
	s := g.sp.Shapes[m.Shape]
	isList := s.Type == "list" && g.sp.Shapes[s.Member.Shape].Type == "string"
	switch {
	case s.Type == "string" && m.Location == "uri":
		b.Kind = "label"
	case s.Type == "string" && m.Location == "header":
		b.Kind = "header"
	case s.Type == "string" && m.Location == "querystring":
		b.Kind = "query"
	case isList && m.Location == "querystring":
		b.Kind = "queryList"
	default:
		return b, fmt.Errorf("unsupported %s binding of a %s shape", m.Location, s.Type)
	}
	return b, nil
}

// needsValidator reports whether values of the shape have constraints to
// check, directly or in nested values. Every structure has a validator.
func (g *generator) needsValidator(name string) bool {
	if v, ok := g.needs[name]; ok {
		return v
	}
	s := g.sp.Shapes[name]
	g.needs[name] = s.Type == "structure" // also breaks cycles
	var need bool
	switch s.Type {
	case "structure":
		need = true
	case "string":
		need = positive(s.Min) || s.Max != nil || s.Pattern != "" || len(s.Enum) > 0
	case "integer", "long", "float", "double":
		need = s.Min != nil || s.Max != nil
	case "list":
		need = positive(s.Min) || s.Max != nil || g.needsValidator(s.Member.Shape)
	case "map":
		need = positive(s.Min) || s.Max != nil || g.needsValidator(s.Key.Shape) || g.needsValidator(s.Value.Shape)
	}
	g.needs[name] = need
	return need
}

func positive(n *json.Number) bool { return n != nil && n.String() != "0" }

// exportedName turns a member name into an exported Go identifier.
func exportedName(name string) (string, error) {
	r := []rune(name)
	if len(r) == 0 {
		return "", fmt.Errorf("empty member name")
	}
	r[0] = unicode.ToUpper(r[0])
	if !unicode.IsUpper(r[0]) {
		return "", fmt.Errorf("member name %q cannot be exported", name)
	}
	for i, c := range r {
		if !(unicode.IsLetter(c) || c == '_' || (i > 0 && unicode.IsDigit(c))) {
			return "", fmt.Errorf("member name %q is not a valid Go identifier", name)
		}
	}
	return string(r), nil
}

// camelCase turns an enum value such as "PRIMARY_ACCOUNT_MISSING" into
// "PrimaryAccountMissing": words split on non-alphanumerics, all-caps words
// title-cased, other words only get an upper-case first letter.
func camelCase(value string) string {
	words := strings.FieldsFunc(value, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var b strings.Builder
	for _, w := range words {
		if strings.ToUpper(w) == w {
			w = strings.ToLower(w)
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

func (g *generator) operationView(name string, op *Operation) operationView {
	in := g.sp.Shapes[op.Input.Shape]
	ov := operationView{
		Name:        name,
		Method:      op.HTTP.Method,
		Path:        op.HTTP.RequestURI,
		SuccessCode: op.HTTP.ResponseCode,
		Idempotent:  op.Idempotent,
		InputShape:  op.Input.Shape,
	}
	if ov.SuccessCode == 0 {
		ov.SuccessCode = 200
	}
	if op.Output != nil {
		ov.OutputShape = op.Output.Shape
	}
	for _, e := range op.Errors {
		ov.Errors = append(ov.Errors, e.Shape)
	}
	for _, m := range in.Members {
		if m.IdempotencyToken {
			ov.ClientTokenMember = m.Name
		}
		if m.Name == "NextToken" {
			ov.Paginated = true
		}
	}
	return ov
}
