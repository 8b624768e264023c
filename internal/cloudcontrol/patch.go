package cloudcontrol

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// patchOp is one operation of an RFC 6902 JSON Patch.
type patchOp struct {
	Op    string          `json:"op"`
	Path  *string         `json:"path"`
	From  *string         `json:"from"`
	Value json.RawMessage `json:"value"`
}

// applyPatch applies an RFC 6902 JSON Patch to a model and returns the
// patched copy; the model itself is not changed.
func applyPatch(model map[string]any, patch string) (map[string]any, error) {
	var ops []patchOp
	if err := json.Unmarshal([]byte(patch), &ops); err != nil {
		return nil, errors.New("a patch document is a JSON array of operations")
	}
	doc, err := normalize(model)
	if err != nil {
		return nil, err
	}
	var root any = doc
	for i, op := range ops {
		if op.Path == nil {
			return nil, fmt.Errorf("operation %d has no path", i)
		}
		path, err := parsePointer(*op.Path)
		if err != nil {
			return nil, err
		}
		switch op.Op {
		case "add", "replace", "test":
			if op.Value == nil {
				return nil, fmt.Errorf("operation %d (%s) has no value", i, op.Op)
			}
			var v any
			if v, err = parseValue(op.Value); err != nil {
				return nil, err
			}
			switch op.Op {
			case "add":
				root, err = add(root, path, v)
			case "replace":
				if root, err = remove(root, path); err == nil {
					root, err = add(root, path, v)
				}
			case "test":
				var cur any
				if cur, err = get(root, path); err == nil && !jsonEqual(cur, v) {
					err = fmt.Errorf("test failed at %s", *op.Path)
				}
			}
		case "remove":
			root, err = remove(root, path)
		case "move", "copy":
			if op.From == nil {
				return nil, fmt.Errorf("operation %d (%s) has no from", i, op.Op)
			}
			from, err2 := parsePointer(*op.From)
			if err2 != nil {
				return nil, err2
			}
			var v any
			if v, err = get(root, from); err != nil {
				break
			}
			if op.Op == "move" {
				if strings.HasPrefix(*op.Path+"/", *op.From+"/") && *op.Path != *op.From {
					return nil, fmt.Errorf("cannot move %s into itself", *op.From)
				}
				if root, err = remove(root, from); err != nil {
					break
				}
			} else if v, err = deepCopy(v); err != nil {
				break
			}
			root, err = add(root, path, v)
		default:
			return nil, fmt.Errorf("operation %d: unknown op %q", i, op.Op)
		}
		if err != nil {
			return nil, err
		}
	}
	m, ok := root.(map[string]any)
	if !ok {
		return nil, errors.New("the patched document is not an object")
	}
	return m, nil
}

func parseValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func deepCopy(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseValue(b)
}

// parsePointer splits an RFC 6901 JSON Pointer into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("%q is not a JSON pointer", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func index(tok string, n int, appending bool) (int, error) {
	if appending && tok == "-" {
		return n, nil
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || (tok != "0" && strings.HasPrefix(tok, "0")) {
		return 0, fmt.Errorf("%q is not an array index", tok)
	}
	limit := n - 1
	if appending {
		limit = n
	}
	if i > limit {
		return 0, fmt.Errorf("array index %d is out of bounds", i)
	}
	return i, nil
}

func get(doc any, path []string) (any, error) {
	for _, tok := range path {
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[tok]
			if !ok {
				return nil, fmt.Errorf("member %q does not exist", tok)
			}
			doc = v
		case []any:
			i, err := index(tok, len(d), false)
			if err != nil {
				return nil, err
			}
			doc = d[i]
		default:
			return nil, fmt.Errorf("cannot descend into %q", tok)
		}
	}
	return doc, nil
}

// add returns doc with v added at path (containers are rebuilt along it).
func add(doc any, path []string, v any) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	tok, rest := path[0], path[1:]
	switch d := doc.(type) {
	case map[string]any:
		if len(rest) == 0 {
			d[tok] = v
			return d, nil
		}
		child, ok := d[tok]
		if !ok {
			return nil, fmt.Errorf("member %q does not exist", tok)
		}
		nc, err := add(child, rest, v)
		if err != nil {
			return nil, err
		}
		d[tok] = nc
		return d, nil
	case []any:
		if len(rest) == 0 {
			i, err := index(tok, len(d), true)
			if err != nil {
				return nil, err
			}
			return append(d[:i:i], append([]any{v}, d[i:]...)...), nil
		}
		i, err := index(tok, len(d), false)
		if err != nil {
			return nil, err
		}
		nc, err := add(d[i], rest, v)
		if err != nil {
			return nil, err
		}
		d[i] = nc
		return d, nil
	}
	return nil, fmt.Errorf("cannot add into %q: not an object or array", tok)
}

// remove returns doc without the value at path, which must exist.
func remove(doc any, path []string) (any, error) {
	if len(path) == 0 {
		return nil, errors.New("cannot remove the whole document")
	}
	tok, rest := path[0], path[1:]
	switch d := doc.(type) {
	case map[string]any:
		child, ok := d[tok]
		if !ok {
			return nil, fmt.Errorf("member %q does not exist", tok)
		}
		if len(rest) == 0 {
			delete(d, tok)
			return d, nil
		}
		nc, err := remove(child, rest)
		if err != nil {
			return nil, err
		}
		d[tok] = nc
		return d, nil
	case []any:
		i, err := index(tok, len(d), false)
		if err != nil {
			return nil, err
		}
		if len(rest) == 0 {
			return append(d[:i:i], d[i+1:]...), nil
		}
		nc, err := remove(d[i], rest)
		if err != nil {
			return nil, err
		}
		d[i] = nc
		return d, nil
	}
	return nil, fmt.Errorf("cannot remove from %q: not an object or array", tok)
}

// jsonEqual compares two parsed JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, err1 := x.Float64()
		fy, err2 := y.Float64()
		return err1 == nil && err2 == nil && fx == fy
	default:
		return a == b
	}
}
