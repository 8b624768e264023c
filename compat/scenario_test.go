package compat_test

// The scenario engine shared by the clients driven from Go (the AWS SDK for
// Go v2 in process, and the two AWS CLIs through os/exec). boto3_runner.py
// and js/runner.mjs implement the same rules; keep the three in step (the
// rules are stated in scenario.json's "about").

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Cell values of the matrix.
const (
	pass        = "pass"
	fail        = "fail"
	notInClient = "not in client"
)

type scenario struct {
	About []string `json:"about"`
	Steps []step   `json:"steps"`
}

type step struct {
	// Service is the service the operation belongs to: "billingconductor"
	// (when absent), "cloudcontrol" or "sts".
	Service string            `json:"service,omitempty"`
	Op      string            `json:"op"`
	Params  map[string]any    `json:"params"`
	Save    map[string]string `json:"save,omitempty"`
	Expect  map[string]any    `json:"expect,omitempty"`
	Error   *expectedError    `json:"error,omitempty"`
}

type expectedError struct {
	Code   string `json:"code"`
	Status int    `json:"status"`
	Reason string `json:"reason,omitempty"`
	Field  string `json:"field,omitempty"`
}

// defaultService is the service of a step that names none.
const defaultService = "billingconductor"

func (s step) service() string {
	if s.Service == "" {
		return defaultService
	}
	return s.Service
}

func (s step) kind() string {
	if s.Error != nil {
		return "error"
	}
	return "success"
}

func loadScenario(path string) (*scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var sc scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for i, s := range sc.Steps {
		if s.Op == "" || s.Params == nil {
			return nil, fmt.Errorf("%s: step %d needs op and params", path, i+1)
		}
		if s.Error != nil && (s.Save != nil || s.Expect != nil) {
			return nil, fmt.Errorf("%s: step %d: an error step has neither save nor expect", path, i+1)
		}
		if s.Error != nil && (s.Error.Code == "" || s.Error.Status == 0) {
			return nil, fmt.Errorf("%s: step %d: error needs code and status", path, i+1)
		}
	}
	return &sc, nil
}

// report is what every runner produces (the Python and JavaScript runners
// print it as JSON).
type report struct {
	Client  string              `json:"client"`
	Version string              `json:"version"`
	Results map[string]opResult `json:"results"`
}

type opResult struct {
	Success string `json:"success"`
	Error   string `json:"error"`
	Detail  string `json:"detail,omitempty"`
}

// outcome is what a client made of one call.
type outcome struct {
	notInClient bool
	output      map[string]any // the call succeeded: its output as JSON
	apiErr      *callError     // the call failed with a service error
}

// callError is a service error in the client's own terms. A member the client
// does not expose is left unknown (status 0, hasReason/hasFields false).
type callError struct {
	code      string
	status    int
	reason    string
	hasReason bool
	fields    []string
	hasFields bool
	message   string
	problems  []string // client-specific checks that failed
}

// client is a client driven from Go.
type client interface {
	// call runs one operation of a service. An error is a failure outside
	// the service's answer (the client crashed, the output did not parse).
	call(ctx context.Context, service, op string, params map[string]any) (outcome, error)
}

// runScenario runs every step in order and aggregates the results per
// operation. logf receives one line per step.
func runScenario(ctx context.Context, sc *scenario, c client, logf func(string, ...any)) map[string]opResult {
	results := map[string]opResult{}
	vars := map[string]string{}
	details := map[string][]string{}
	for i, s := range sc.Steps {
		n := i + 1
		res := results[s.Op]
		if res.Success == notInClient {
			continue
		}
		problem, notIn := runStep(ctx, s, c, vars)
		if notIn {
			results[s.Op] = opResult{Success: notInClient, Error: notInClient}
			logf("step %d %s: not in client", n, s.Op)
			continue
		}
		status := pass
		if problem != "" {
			status = fail
			details[s.Op] = append(details[s.Op], fmt.Sprintf("step %d (%s): %s", n, s.kind(), problem))
			logf("step %d %s (%s): FAIL %s", n, s.Op, s.kind(), problem)
		} else {
			logf("step %d %s (%s): ok", n, s.Op, s.kind())
		}
		if s.Error != nil {
			res.Error = merge(res.Error, status)
		} else {
			res.Success = merge(res.Success, status)
		}
		results[s.Op] = res
	}
	for op, d := range details {
		res := results[op]
		res.Detail = strings.Join(d, "; ")
		results[op] = res
	}
	return results
}

func merge(old, status string) string {
	if old == fail || status == fail {
		return fail
	}
	return pass
}

// runStep runs one step; problem is empty when it behaved as expected.
func runStep(ctx context.Context, s step, c client, vars map[string]string) (problem string, notIn bool) {
	params, err := substitute(s.Params, vars)
	if err != nil {
		return err.Error(), false
	}
	out, err := c.call(ctx, s.service(), s.Op, params.(map[string]any))
	if err != nil {
		return err.Error(), false
	}
	if out.notInClient {
		return "", true
	}
	if s.Error != nil {
		if out.apiErr == nil {
			return fmt.Sprintf("succeeded, want %s", s.Error.Code), false
		}
		return checkError(*s.Error, out.apiErr), false
	}
	if out.apiErr != nil {
		e := out.apiErr
		return fmt.Sprintf("failed: %s (HTTP %d, Reason %q): %s", e.code, e.status, e.reason, e.message), false
	}
	var problems []string
	for _, path := range sortedKeys(s.Expect) {
		want, err := substitute(s.Expect[path], vars)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		got, ok := lookup(out.output, path)
		if !equalJSON(want, got, ok) {
			problems = append(problems, fmt.Sprintf("%s = %s, want %s", path, show(got, ok), show(want, true)))
		}
	}
	for _, name := range sortedKeys(s.Save) {
		v, ok := lookup(out.output, s.Save[name])
		str, isStr := v.(string)
		if !ok || !isStr || str == "" {
			problems = append(problems, fmt.Sprintf("save %s: %s is %s, not a string", name, s.Save[name], show(v, ok)))
			continue
		}
		vars[name] = str
	}
	return strings.Join(problems, "; "), false
}

func checkError(want expectedError, got *callError) string {
	var problems []string
	if got.code != want.Code {
		problems = append(problems, fmt.Sprintf("error code %s, want %s (message %q)", got.code, want.Code, got.message))
	}
	if got.status != 0 && got.status != want.Status {
		problems = append(problems, fmt.Sprintf("HTTP status %d, want %d", got.status, want.Status))
	}
	if want.Reason != "" && got.hasReason && got.reason != want.Reason {
		problems = append(problems, fmt.Sprintf("Reason %q, want %q", got.reason, want.Reason))
	}
	if want.Field != "" && got.hasFields && !slices.Contains(got.fields, want.Field) {
		problems = append(problems, fmt.Sprintf("Fields %q, want %q among them", got.fields, want.Field))
	}
	if strings.TrimSpace(got.message) == "" {
		problems = append(problems, "empty error message")
	}
	problems = append(problems, got.problems...)
	return strings.Join(problems, "; ")
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// substitute replaces ${name} in every string of v.
func substitute(v any, vars map[string]string) (any, error) {
	switch v := v.(type) {
	case string:
		var missing string
		s := varRef.ReplaceAllStringFunc(v, func(ref string) string {
			name := ref[2 : len(ref)-1]
			val, ok := vars[name]
			if !ok {
				missing = name
			}
			return val
		})
		if missing != "" {
			return nil, fmt.Errorf("undefined variable ${%s} (the step that saves it failed)", missing)
		}
		return s, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			s, err := substitute(e, vars)
			if err != nil {
				return nil, err
			}
			out[k] = s
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			s, err := substitute(e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	default:
		return v, nil
	}
}

var pathSegment = regexp.MustCompile(`^([^\[\]]+)((?:\[[0-9]+\])*)$`)

// lookup resolves a path (A.B[0].C, or len(A.B)) in a JSON value.
func lookup(v any, path string) (any, bool) {
	if inner, ok := strings.CutPrefix(path, "len("); ok && strings.HasSuffix(inner, ")") {
		x, found := lookup(v, strings.TrimSuffix(inner, ")"))
		if !found || x == nil {
			return json.Number("0"), true
		}
		switch x := x.(type) {
		case []any:
			return json.Number(strconv.Itoa(len(x))), true
		case map[string]any:
			return json.Number(strconv.Itoa(len(x))), true
		}
		return nil, false
	}
	cur := v
	for _, seg := range strings.Split(path, ".") {
		m := pathSegment.FindStringSubmatch(seg)
		if m == nil {
			return nil, false
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[m[1]]; !ok {
			return nil, false
		}
		for _, idx := range regexp.MustCompile(`[0-9]+`).FindAllString(m[2], -1) {
			list, ok := cur.([]any)
			i, _ := strconv.Atoi(idx)
			if !ok || i >= len(list) {
				return nil, false
			}
			cur = list[i]
		}
	}
	return cur, true
}

// equalJSON compares an expected value with a found one; numbers compare
// numerically, an expected null matches an absent member.
func equalJSON(want, got any, found bool) bool {
	if want == nil {
		return !found || got == nil
	}
	if !found {
		return false
	}
	wn, wok := number(want)
	gn, gok := number(got)
	if wok || gok {
		return wok && gok && wn == gn
	}
	return reflect.DeepEqual(want, got)
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	}
	return 0, false
}

func show(v any, found bool) string {
	if !found {
		return "absent"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decodeJSON decodes a client's JSON output keeping numbers exact.
func decodeJSON(b []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
