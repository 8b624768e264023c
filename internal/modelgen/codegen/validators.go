package codegen

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Messages of constraint violations, in the wording of AWS validation errors.
const (
	msgMinLength = "Member must have length greater than or equal to %s"
	msgMaxLength = "Member must have length less than or equal to %s"
	msgMinValue  = "Member must have value greater than or equal to %s"
	msgMaxValue  = "Member must have value less than or equal to %s"
	msgPattern   = "Member must satisfy regular expression pattern: %s"
	msgEnum      = "Member must satisfy enum value set: [%s]"
)

// validatorView builds validate<name>, which checks a value of the shape.
func (g *generator) validatorView(name string, s *Shape) (validatorView, error) {
	goType, err := g.goType(name, true)
	if err != nil {
		return validatorView{}, err
	}
	v := validatorView{Shape: name, GoType: goType}
	switch s.Type {
	case "structure":
		v.Kind, v.GoType = "structure", "*"+name
		v.Members = g.memberChecks(s)
	case "string":
		v.Kind = "string"
		err = v.addStringChecks(name, s)
	case "list":
		v.Kind = "list"
		err = v.addLengthChecks(s, "len(v)")
		v.Elem = g.call(s.Member.Shape, true, "v[i]")
	case "map":
		v.Kind = "map"
		err = v.addLengthChecks(s, "len(v)")
		v.Key = g.call(s.Key.Shape, true, "k")
		v.Elem = g.call(s.Value.Shape, true, "e")
	default: // numbers
		v.Kind = "number"
		err = v.addValueChecks(s)
	}
	return v, err
}

func (g *generator) memberChecks(s *Shape) []memberCheck {
	var checks []memberCheck
	for _, m := range s.Members {
		field, _ := exportedName(m.Name) // validated by fieldView
		mc := memberCheck{
			Name:     m.Name,
			Field:    field,
			Required: s.IsRequired(m.Name),
			Call:     g.call(m.Shape, false, "v."+field),
		}
		if mc.Required || mc.Call != nil {
			checks = append(checks, mc)
		}
	}
	return checks
}

// call returns how to validate expr, a value of the shape held as a struct
// member (elem false: scalars are pointers) or as a list element or map value
// (elem true: structures are values). It is nil if there is nothing to check.
func (g *generator) call(shape string, elem bool, expr string) *callView {
	if !g.needsValidator(shape) {
		return nil
	}
	c := &callView{Func: "validate" + shape, Arg: expr}
	switch t := g.sp.Shapes[shape].Type; {
	case t == "structure" && elem:
		c.Arg = "&" + expr
	case t != "structure" && t != "list" && t != "map" && !elem:
		c.Arg = "*" + expr
	}
	return c
}

func (v *validatorView) addStringChecks(name string, s *Shape) error {
	if err := v.addLengthChecks(s, "n"); err != nil {
		return err
	}
	v.RuneCount = len(v.Checks) > 0
	if s.Pattern != "" {
		v.Pattern = &patternView{Var: "pattern" + name, Pattern: s.Pattern}
		v.Checks = append(v.Checks, checkView{
			Cond:    fmt.Sprintf("!%s.MatchString(v)", v.Pattern.Var),
			Message: fmt.Sprintf(msgPattern, s.Pattern),
		})
	}
	if len(s.Enum) > 0 {
		v.Enum = true
		v.Checks = append(v.Checks, checkView{
			Cond:    fmt.Sprintf("!slices.Contains(%sValues, v)", name),
			Message: fmt.Sprintf(msgEnum, strings.Join(s.Enum, ", ")),
		})
	}
	return nil
}

// addLengthChecks bounds expr, a string or collection length, by the shape's
// min and max. A minimum of 0 always holds and is not checked.
func (v *validatorView) addLengthChecks(s *Shape, expr string) error {
	if positive(s.Min) {
		if err := v.addBound(expr, "<", *s.Min, msgMinLength, true); err != nil {
			return err
		}
	}
	if s.Max != nil {
		return v.addBound(expr, ">", *s.Max, msgMaxLength, true)
	}
	return nil
}

// addValueChecks bounds a number by the shape's min and max.
func (v *validatorView) addValueChecks(s *Shape) error {
	integral := s.Type == "integer" || s.Type == "long"
	if s.Min != nil {
		if err := v.addBound("v", "<", *s.Min, msgMinValue, integral); err != nil {
			return err
		}
	}
	if s.Max != nil {
		return v.addBound("v", ">", *s.Max, msgMaxValue, integral)
	}
	return nil
}

// addBound reports msg when "expr op bound" holds.
func (v *validatorView) addBound(expr, op string, bound json.Number, msg string, integral bool) error {
	if err := checkNumber(bound, integral); err != nil {
		return err
	}
	v.Checks = append(v.Checks, checkView{
		Cond:    fmt.Sprintf("%s %s %s", expr, op, bound),
		Message: fmt.Sprintf(msg, bound),
	})
	return nil
}

// checkNumber rejects bounds that would not compile as Go constants of the
// checked type.
func checkNumber(n json.Number, integral bool) error {
	if _, err := n.Float64(); err != nil {
		return fmt.Errorf("bound %s is not a number", n)
	}
	if _, err := n.Int64(); err != nil && integral {
		return fmt.Errorf("bound %s is not an integer", n)
	}
	return nil
}
