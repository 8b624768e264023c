package restjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// The what-if scenarios' admin endpoints (issue 17):
//
//	POST   /_proforma/scenarios {"Name","BillingPeriod"}  201 a scenario (BillingPeriod optional: the current one)
//	GET    /_proforma/scenarios                 200 {"Scenarios": [scenario, …]}, oldest first (same second: by ID)
//	GET    /_proforma/scenarios/{id}            200 a scenario
//	DELETE /_proforma/scenarios/{id}            204, no body: the scenario and all its records are gone
//	GET    /_proforma/scenarios/{id}/changes    200 [{"Operation","Input","Output"?}, …] in the order made
//	GET    /_proforma/scenarios/{id}/compare[?by=service]  200 the comparison with live
//	ANY    /_proforma/scenarios/{id}/…          the Billing Conductor API inside the scenario (scenario_api.go)
//
// A scenario is {"Id","Name","BillingPeriod","Endpoint","CreatedAt"}:
// Endpoint is http(s)://HOST/_proforma/scenarios/ID with the request's
// Host (https when it came over TLS), the endpoint_url to give an SDK;
// CreatedAt is RFC 3339 UTC.
//
// The payer is the payer parameter — in strict mode the guard sets it to
// the signer's account unless an admin credential names one — else the
// caller's account as the API decides it; it must be a payer account. A
// payer sees only its own scenarios: another's, or an unknown ID, is 404
// ResourceNotFoundException. Errors are AWS-style, as the export's:
// X-Amzn-ErrorType and {"__type", "Message", "error"}, with "Reason" and
// "Fields" for a ValidationException (a bad body names the member).

// scenarioJSON is a scenario on the wire.
type scenarioJSON struct {
	Id            string
	Name          string
	BillingPeriod string
	Endpoint      string
	CreatedAt     string
}

func scenarioOut(r *http.Request, sc scenario.Scenario) scenarioJSON {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scenarioJSON{Id: sc.ID, Name: sc.Name, BillingPeriod: string(sc.BillingPeriod),
		Endpoint: scheme + "://" + r.Host + ScenarioPrefix + sc.ID, CreatedAt: sc.CreatedAt.UTC().Format(time.RFC3339)}
}

// scenarioRoutes registers the scenario endpoints on mux.
func (a *Admin) scenarioRoutes(mux *http.ServeMux) {
	mux.Handle("POST /_proforma/scenarios", a.guard(ownPayer, a.createScenario))
	mux.Handle("GET /_proforma/scenarios", a.guard(ownPayer, a.listScenarios))
	mux.Handle("GET /_proforma/scenarios/{id}", a.guard(ownPayer, a.getScenario))
	mux.Handle("DELETE /_proforma/scenarios/{id}", a.guard(ownPayer, a.deleteScenario))
	mux.Handle("GET /_proforma/scenarios/{id}/changes", a.guard(ownPayer, a.scenarioChanges))
	mux.Handle("GET /_proforma/scenarios/{id}/compare", a.guard(ownPayer, a.compareScenario))
	// The API under a scenario's endpoint decides and checks its caller
	// itself, as the live API does (strict mode: the signature).
	mux.Handle(ScenarioPrefix+"{id}/", scenarioAPI{api: New(a.Service, a.Identity, a.Log), scenarios: a.Scenarios,
		locks: &scenarioLocks{}})
}

// scenarioCaller returns the payer a scenario request acts for (see above).
func (a *Admin) scenarioCaller(r *http.Request) (conductor.Caller, error) {
	if a.Scenarios == nil {
		return conductor.Caller{}, &conductor.Error{Code: conductor.CodeNotImplemented, Message: "scenarios are not configured"}
	}
	payer := r.URL.Query().Get("payer")
	if payer == "" {
		var err error
		if payer, err = a.Identity.Account(r, nil, SigningName); err != nil {
			return conductor.Caller{}, err
		}
	}
	return a.Service.Authorize(r.Context(), payer)
}

func (a *Admin) createScenario(w http.ResponseWriter, r *http.Request) {
	c, err := a.scenarioCaller(r)
	if err != nil {
		scenarioError(w, err)
		return
	}
	var req struct{ Name, BillingPeriod string }
	if err := decodeScenarioBody(r, &req); err != nil {
		scenarioError(w, err)
		return
	}
	sc, err := a.Scenarios.Create(r.Context(), c, req.Name, req.BillingPeriod)
	if err != nil {
		scenarioError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, scenarioOut(r, sc))
}

// decodeScenarioBody decodes a JSON object into v, refusing unknown
// members: a misspelt BillingPeriod must not silently mean "current".
func decodeScenarioBody(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("invalid character after top-level value")
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return conductor.InvalidField(typeErr.Field, fmt.Sprintf("%s must be a JSON %s, not %s.", typeErr.Field, typeErr.Type, typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return conductor.InvalidField(name, fmt.Sprintf("%s is not a member of a scenario request; the members are Name and BillingPeriod.", name))
	}
	return conductor.Invalid("CANNOT_PARSE", "The request body is not a valid JSON object: %v.", err)
}

func (a *Admin) listScenarios(w http.ResponseWriter, r *http.Request) {
	c, err := a.scenarioCaller(r)
	if err != nil {
		scenarioError(w, err)
		return
	}
	list, err := a.Scenarios.List(r.Context(), c)
	if err != nil {
		scenarioError(w, err)
		return
	}
	out := make([]scenarioJSON, len(list))
	for i, sc := range list {
		out[i] = scenarioOut(r, sc)
	}
	writeJSON(w, http.StatusOK, map[string]any{"Scenarios": out})
}

func (a *Admin) getScenario(w http.ResponseWriter, r *http.Request) {
	c, err := a.scenarioCaller(r)
	if err != nil {
		scenarioError(w, err)
		return
	}
	sc, err := a.Scenarios.Get(r.Context(), c, r.PathValue("id"))
	if err != nil {
		scenarioError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, scenarioOut(r, sc))
}

func (a *Admin) deleteScenario(w http.ResponseWriter, r *http.Request) {
	c, err := a.scenarioCaller(r)
	if err == nil {
		err = a.Scenarios.Delete(r.Context(), c, r.PathValue("id"))
	}
	if err != nil {
		scenarioError(w, err)
		return
	}
	writeJSON(w, http.StatusNoContent, nil)
}

func (a *Admin) scenarioChanges(w http.ResponseWriter, r *http.Request) {
	c, err := a.scenarioCaller(r)
	if err != nil {
		scenarioError(w, err)
		return
	}
	changes, err := a.Scenarios.Changes(r.Context(), c, r.PathValue("id"))
	if err != nil {
		scenarioError(w, err)
		return
	}
	if changes == nil {
		changes = []scenario.Change{}
	}
	writeJSON(w, http.StatusOK, changes)
}

func (a *Admin) compareScenario(w http.ResponseWriter, r *http.Request) {
	c, err := a.scenarioCaller(r)
	if err != nil {
		scenarioError(w, err)
		return
	}
	by := r.URL.Query().Get("by")
	if by != "" && by != "service" {
		scenarioError(w, conductor.InvalidField("by", `by is "service" or absent.`))
		return
	}
	cmp, err := a.Scenarios.Compare(r.Context(), c, r.PathValue("id"), by == "service")
	if err != nil {
		scenarioError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, cmp)
}

// scenarioErrorBody is a scenario endpoint's error: AWS's shape (with the
// exception's modeled members) plus the "error" member of the other
// admin endpoints.
type scenarioErrorBody struct {
	Type string `json:"__type"`
	errorBody
	Error string `json:"error"`
}

// scenarioError answers err: a domain error with its code's status, a
// signature or protocol error as the API answers it, anything else 500.
func scenarioError(w http.ResponseWriter, err error) {
	code, status, body := conductor.CodeInternal, http.StatusInternalServerError, errorBody{Message: err.Error()}
	var serr *sigv4.Error
	var perr *protocolError
	if e, ok := conductor.AsError(err); ok {
		code, status, body = e.Code, statusOf(e.Code), bodyOf(e)
	} else if errors.As(err, &serr) {
		code, status, body = serr.Code, serr.Status, errorBody{Message: serr.Message}
	} else if errors.As(err, &perr) {
		code, status, body = perr.code, perr.status, errorBody{Message: perr.message}
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, scenarioErrorBody{Type: code, errorBody: body, Error: body.Message})
}
