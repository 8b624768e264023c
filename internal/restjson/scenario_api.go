package restjson

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
	"github.com/proforma-dev/proforma/internal/scenario"
)

// ScenarioPrefix is the path prefix of the scenarios: a scenario's
// endpoint is ScenarioPrefix + its ID.
const ScenarioPrefix = AdminPrefix + "scenarios/"

// scenarioAPI serves the Billing Conductor API under a scenario's
// endpoint: an SDK given endpoint_url http://HOST/_proforma/scenarios/ID
// sends the usual rest-json requests with that prefix, e.g.
// POST /_proforma/scenarios/ID/create-pricing-rule.
//
// The caller is decided exactly as the live API decides it (Identity, the
// SigV4 signature verified over the path as received, prefix included;
// only payer accounts), before anything else; the scenario must be the
// caller's (else 404 ResourceNotFoundException, as the API answers an
// unknown resource). The prefix is then stripped and the request routed,
// decoded and run by the API's own code on the scenario's Service. Every
// answer is the API's: x-amzn-RequestId, errors with X-Amzn-ErrorType.
//
// After a successful mutating operation (any but List* and Get*) the call
// is appended to the scenario's change list before the answer (see
// scenarioChange); a failed one records nothing.
type scenarioAPI struct {
	api       *Handler // the live API's: its identity, routes and operations
	scenarios *scenario.Manager
	locks     *scenarioLocks
}

func (s scenarioAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	op, out, status, err := s.serve(r)
	if err != nil {
		s.api.warnUnmodeled(op, requestID, err)
		s.api.writeError(w, r, requestID, err)
		return
	}
	writeJSON(w, status, out)
}

func (s scenarioAPI) serve(r *http.Request) (model.Operation, any, int, error) {
	if s.scenarios == nil {
		return model.Operation{}, nil, 0, &conductor.Error{Code: conductor.CodeNotImplemented, Message: "scenarios are not configured"}
	}
	id, rest, ok := splitScenarioPath(r.URL.EscapedPath())
	if !ok {
		return model.Operation{}, nil, 0, conductor.NotFound("scenario", id)
	}
	body, err := readBody(r)
	if err != nil {
		return model.Operation{}, nil, 0, err
	}
	caller, err := s.api.identity.caller(r, body, s.api.svc)
	if err != nil {
		return model.Operation{}, nil, 0, err
	}
	SetCaller(r.Context(), caller.Account)
	sc, err := s.scenarios.Get(r.Context(), caller, id)
	if err != nil {
		return model.Operation{}, nil, 0, err
	}
	inner, err := stripPrefix(r, rest)
	if err != nil {
		return model.Operation{}, nil, 0, err
	}
	op, labels, err := s.api.match(inner)
	if err != nil {
		return op, nil, 0, err
	}
	SetOperation(r.Context(), op.Name)
	changes := mutating(op.Name)
	if changes {
		unlock := s.locks.lock(sc.ID)
		defer unlock()
	}
	in, out, status, err := s.api.run(inner, s.scenarios.Service(sc), caller, op, labels, body)
	if err == nil && changes {
		err = s.record(r.Context(), sc, op, in, out)
	}
	return op, out, status, err
}

// scenarioLocks serialize the mutating calls of a scenario, each with the
// recording of its change, so that the change list is in the order the
// changes were made (within this process: replicas over one database do
// not share them). A fixed set of stripes bounds the memory.
type scenarioLocks struct{ stripes [64]sync.Mutex }

func (l *scenarioLocks) lock(id string) (unlock func()) {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &l.stripes[h.Sum32()%uint32(len(l.stripes))]
	m.Lock()
	return m.Unlock
}

// splitScenarioPath splits an escaped path /_proforma/scenarios/ID/REST
// into the scenario ID and the escaped /REST.
func splitScenarioPath(escaped string) (id, rest string, ok bool) {
	after, ok := strings.CutPrefix(escaped, ScenarioPrefix)
	if !ok {
		return "", "", false
	}
	i := strings.IndexByte(after, '/')
	if i < 0 {
		return after, "", false
	}
	id, err := url.PathUnescape(after[:i])
	return id, after[i:], err == nil
}

// stripPrefix returns a shallow copy of r whose URL path is rest (escaped).
func stripPrefix(r *http.Request, rest string) (*http.Request, error) {
	path, err := url.PathUnescape(rest)
	if err != nil {
		return nil, conductor.Invalid("UNKNOWN_OPERATION", "No operation matches %s %s.", r.Method, r.URL.Path)
	}
	inner := r.WithContext(r.Context())
	u := *r.URL
	u.Path, u.RawPath = path, rest
	inner.URL = &u
	return inner, nil
}

// mutating reports whether an operation changes state: all but the
// List* and Get* operations.
func mutating(operation string) bool {
	return !strings.HasPrefix(operation, "List") && !strings.HasPrefix(operation, "Get")
}

// record appends the successful call to the scenario's change list (a
// client-token replay of an earlier create is not recorded again: see
// scenario.Manager.Record).
func (s scenarioAPI) record(ctx context.Context, sc scenario.Scenario, op model.Operation, in model.Input, out any) error {
	ch, err := scenarioChange(op, in, out)
	if err != nil {
		return err
	}
	return s.scenarios.Record(ctx, sc, ch)
}

// scenarioChange is the change of a successful call: its input as
// memberJSON renders it and, for a Create* operation, {"Arn": …} of its
// output.
func scenarioChange(op model.Operation, in model.Input, out any) (scenario.Change, error) {
	input, err := memberJSON(op, in)
	if err != nil {
		return scenario.Change{}, err
	}
	ch := scenario.Change{Operation: op.Name, Input: input}
	if strings.HasPrefix(op.Name, "Create") {
		if arn, ok := fieldString(out, "Arn"); ok {
			ch.Output, err = json.Marshal(map[string]string{"Arn": arn})
		}
	}
	return ch, err
}

// memberJSON renders an operation's input as `aws billingconductor OP
// --cli-input-json` takes it: the body members under their JSON names, and
// the members bound to the URI path, query string or headers (tagged
// json:"-" in the generated types, whose Go field names are the member
// names) under their member names too — except the client token
// (op.ClientTokenMember), which a replay of the change must not reuse.
// Members that were not given are left out.
func memberJSON(op model.Operation, in model.Input) (json.RawMessage, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	members := map[string]json.RawMessage{}
	if err := json.Unmarshal(body, &members); err != nil {
		return nil, err
	}
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Tag.Get("json") != "-" || f.Name == op.ClientTokenMember || v.Field(i).IsZero() {
			continue
		}
		b, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			return nil, err
		}
		members[f.Name] = b
	}
	return json.Marshal(members)
}

// fieldString returns the *string field name of the struct v points to.
func fieldString(v any, name string) (string, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return "", false
	}
	f := rv.Elem().FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
		return "", false
	}
	return f.Elem().String(), true
}
