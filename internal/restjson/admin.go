package restjson

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/scenario"
)

// AdminPrefix is the path prefix of the admin endpoints; no AWS operation
// path starts with it.
const AdminPrefix = "/_proforma/"

// MetricsPath is the admin endpoint of the server's metrics, in the
// Prometheus text format.
const MetricsPath = AdminPrefix + "metrics"

// Admin serves the test-setup endpoints:
//
//	GET    /_proforma/health                  200 {"status":"ok"} when ready
//	GET    /_proforma/clock                   {"now","billingPeriod","pinned"}
//	POST   /_proforma/clock  {"now":"RFC3339"} pin the clock; {"now":null} unpin
//	GET    /_proforma/accounts?payer=ID       the payer's organization accounts
//	POST   /_proforma/accounts {"payer","id","name","email"}  an account joins
//	DELETE /_proforma/accounts/{id}?payer=ID  an account leaves
//	POST   /_proforma/reset                   erase all state, re-seed the organization
//	POST   /_proforma/usage?payer=ID&name=F   body: a CUR file (CSV, CSV.gz, zip, Parquet); import it
//	POST   /_proforma/usage?payer=ID&source=S3URI  no body: import the delivery at s3://bucket/prefix
//	GET    /_proforma/export?billingGroup=G&period=YYYY-MM&format=csv|parquet|focus
//	                                          a group's pro forma for a period (admin_export.go)
//	/_proforma/scenarios…                     what-if scenarios and the API inside them (admin_scenario.go)
//
// payer defaults to the default payer, except for usage imports, where it
// defaults to the file's payer column.
type Admin struct {
	Service      *conductor.Service
	Clock        *conductor.PinnableClock
	Organization conductor.Organization
	DefaultPayer string
	// Identity is the server's caller identity. With Identity.Strict every
	// endpoint but health requires a signature by a credential of
	// Identity.Keys and the right the route demands (see admin_auth.go);
	// otherwise the endpoints are open.
	Identity Identity
	// ImportUsage imports the CUR file at path for payer ("" = the file's
	// payer column) and returns a JSON-able summary; cmd/proforma wires it
	// to internal/usage. Errors wrapped in BadUpload are the client's (400).
	ImportUsage func(ctx context.Context, payer, path string) (any, error)
	// ImportSource imports what the server reads from source (an
	// s3://bucket/prefix) for payer, as ImportUsage imports a file: POST
	// /_proforma/usage?source=… with no body. Errors wrapped in BadUpload
	// are the client's (400).
	ImportSource func(ctx context.Context, payer, source string) (any, error)
	// ListUsage returns the payer's imported periods, JSON-able: GET
	// /_proforma/usage.
	ListUsage func(ctx context.Context, payer string) (any, error)
	// Upload bounds and checks usage uploads (upload.go).
	Upload Upload
	// ExportUsage prepares the export of a billing group's pro forma
	// (admin_export.go); cmd/proforma wires it to internal/usage. Its
	// errors are answered before any byte: *conductor.Error with its
	// code's status (ResourceNotFoundException for an unknown group or a
	// period without usage, ValidationException for a bad format).
	ExportUsage func(ctx context.Context, req ExportRequest) (ExportFile, error)
	// Scenarios are the what-if scenarios (admin_scenario.go); nil answers
	// their endpoints NotImplementedException.
	Scenarios *scenario.Manager
	// Log receives the internal errors of the API under a scenario's
	// endpoint; nil discards them.
	Log *slog.Logger
	// Metrics serves GET /_proforma/metrics (admins only in strict mode);
	// nil answers it 404.
	Metrics http.Handler
}

// BadUpload marks an import error caused by the uploaded file.
type BadUpload struct{ Err error }

func (e BadUpload) Error() string { return e.Err.Error() }
func (e BadUpload) Unwrap() error { return e.Err }

// Handler returns the admin endpoints' handler. Each route but health is
// wrapped with its strict-mode right (admin_auth.go); a new route must be too.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_proforma/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /_proforma/clock", a.guard(anyCaller, a.getClock))
	mux.Handle("POST /_proforma/clock", a.guard(adminOnly, a.setClock))
	mux.Handle("GET /_proforma/payers", a.guard(adminOnly, a.listPayers))
	mux.Handle("GET /_proforma/accounts", a.guard(ownPayer, a.listAccounts))
	mux.Handle("POST /_proforma/accounts", a.guard(adminOnly, a.joinAccount))
	mux.Handle("DELETE /_proforma/accounts/{id}", a.guard(adminOnly, a.leaveAccount))
	mux.Handle("POST /_proforma/reset", a.guard(adminOnly, a.reset))
	mux.Handle("POST /_proforma/usage", a.guardUpload(uploadRight, a.importUsage))
	mux.Handle("GET /_proforma/usage", a.guard(ownPayer, a.listUsage))
	mux.Handle("GET /_proforma/export", a.guard(ownPayer, a.exportUsage))
	if a.Metrics != nil {
		mux.Handle("GET "+MetricsPath, a.guard(adminOnly, a.Metrics.ServeHTTP))
	}
	a.scenarioRoutes(mux)
	return mux
}

func (a *Admin) getClock(w http.ResponseWriter, r *http.Request) {
	now := a.Clock.Now().UTC()
	writeJSON(w, http.StatusOK, map[string]any{
		"now": now.Format(time.RFC3339), "billingPeriod": string(conductor.PeriodOf(now)), "pinned": a.Clock.Pinned(),
	})
}

func (a *Admin) setClock(w http.ResponseWriter, r *http.Request) {
	var req struct{ Now *string }
	if !decodeAdmin(w, r, &req) {
		return
	}
	if req.Now == nil {
		a.Clock.Unpin()
	} else {
		t, err := time.Parse(time.RFC3339, *req.Now)
		if err != nil {
			adminError(w, http.StatusBadRequest, "now must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z")
			return
		}
		a.Clock.Pin(t)
	}
	a.getClock(w, r)
}

func (a *Admin) payer(r *http.Request) string {
	if p := r.URL.Query().Get("payer"); p != "" {
		return p
	}
	return a.DefaultPayer
}

// listPayers answers the organization's payers (no credentials): the
// console offers them in permissive mode; strict mode keeps the list to
// admins.
func (a *Admin) listPayers(w http.ResponseWriter, r *http.Request) {
	out := []map[string]string{}
	for _, p := range a.Organization.Payers {
		out = append(out, map[string]string{"id": p.Payer.ID, "name": p.Payer.Name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"payers": out, "default": a.DefaultPayer})
}

func (a *Admin) listAccounts(w http.ResponseWriter, r *http.Request) {
	accounts, err := a.Service.OrganizationAccounts(r.Context(), a.payer(r))
	if err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := []map[string]any{}
	for _, acct := range accounts {
		out = append(out, map[string]any{"id": acct.ID, "name": acct.Name, "email": acct.Email,
			"joined": acct.Joined, "left": acct.Left})
	}
	writeJSON(w, http.StatusOK, map[string]any{"payer": a.payer(r), "accounts": out})
}

func (a *Admin) listUsage(w http.ResponseWriter, r *http.Request) {
	if a.ListUsage == nil {
		adminError(w, http.StatusNotImplemented, "usage listing is not configured")
		return
	}
	out, err := a.ListUsage(r.Context(), a.payer(r))
	if err != nil {
		adminDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *Admin) joinAccount(w http.ResponseWriter, r *http.Request) {
	var req struct{ Payer, ID, Name, Email string }
	if !decodeAdmin(w, r, &req) {
		return
	}
	if req.Payer == "" {
		req.Payer = a.DefaultPayer
	}
	acct := conductor.Account{ID: req.ID, Name: req.Name, Email: req.Email}
	if err := a.Service.JoinAccount(r.Context(), req.Payer, acct); err != nil {
		adminDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"payer": req.Payer, "id": req.ID})
}

func (a *Admin) leaveAccount(w http.ResponseWriter, r *http.Request) {
	if err := a.Service.LeaveAccount(r.Context(), a.payer(r), r.PathValue("id")); err != nil {
		adminDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"payer": a.payer(r), "id": r.PathValue("id")})
}

func (a *Admin) reset(w http.ResponseWriter, r *http.Request) {
	if err := a.Service.Reset(r.Context(), a.Organization); err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes)).Decode(v); err != nil {
		adminError(w, http.StatusBadRequest, fmt.Sprintf("invalid JSON body: %v", err))
		return false
	}
	return true
}

func adminDomainError(w http.ResponseWriter, err error) {
	if e, ok := conductor.AsError(err); ok {
		adminError(w, statusOf(e.Code), e.Message)
		return
	}
	adminError(w, http.StatusInternalServerError, err.Error())
}

func adminError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}
