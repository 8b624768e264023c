package restjson

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

// route matches the modeled method and path of one operation. A path
// segment "{Name}" is a label matching one non-empty segment.
type route struct {
	op       model.Operation
	segments []string
}

func newRoute(op model.Operation) route {
	return route{op: op, segments: strings.Split(strings.Trim(op.Path, "/"), "/")}
}

// matchPath returns the unescaped labels when the escaped path fits the route.
func (rt route) matchPath(escaped []string) (map[string]string, bool) {
	if len(escaped) != len(rt.segments) {
		return nil, false
	}
	labels := map[string]string{}
	for i, seg := range rt.segments {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			v, err := url.PathUnescape(escaped[i])
			if err != nil || v == "" {
				return nil, false
			}
			labels[strings.TrimSuffix(name, "}")] = v
			continue
		}
		if seg != escaped[i] {
			return nil, false
		}
	}
	return labels, true
}

// match finds the operation of a request. A path that matches no operation,
// or matches one with another method, is ValidationException UNKNOWN_OPERATION
// (BEHAVIOR.md ER-7).
func (h *Handler) match(r *http.Request) (model.Operation, map[string]string, error) {
	escaped := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	var methods []string
	for _, rt := range h.routes {
		labels, ok := rt.matchPath(escaped)
		if !ok {
			continue
		}
		if rt.op.Method == r.Method {
			return rt.op, labels, nil
		}
		methods = append(methods, rt.op.Method)
	}
	if len(methods) > 0 {
		return model.Operation{}, nil, conductor.Invalid("UNKNOWN_OPERATION",
			"%s %s is not an operation; this path accepts %s.", r.Method, r.URL.Path, strings.Join(methods, ", "))
	}
	return model.Operation{}, nil, conductor.Invalid("UNKNOWN_OPERATION", "No operation matches %s %s.", r.Method, r.URL.Path)
}
