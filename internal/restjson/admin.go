package restjson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// AdminPrefix is the path prefix of the admin endpoints; no AWS operation
// path starts with it.
const AdminPrefix = "/_proforma/"

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
//
// payer defaults to the default payer, except for usage imports, where it
// defaults to the file's payer column.
type Admin struct {
	Service      *conductor.Service
	Clock        *conductor.PinnableClock
	Organization conductor.Organization
	DefaultPayer string
	// ImportUsage imports the CUR file at path for payer ("" = the file's
	// payer column) and returns a JSON-able summary; cmd/proforma wires it
	// to internal/usage. Errors wrapped in BadUpload are the client's (400).
	ImportUsage func(ctx context.Context, payer, path string) (any, error)
}

// BadUpload marks an import error caused by the uploaded file.
type BadUpload struct{ Err error }

func (e BadUpload) Error() string { return e.Err.Error() }
func (e BadUpload) Unwrap() error { return e.Err }

// MaxUploadBytes bounds a usage upload; larger files are better imported
// with `proforma import` on the store's host.
const MaxUploadBytes = 64 << 30

// Handler returns the admin endpoints' handler.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_proforma/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /_proforma/clock", a.getClock)
	mux.HandleFunc("POST /_proforma/clock", a.setClock)
	mux.HandleFunc("GET /_proforma/accounts", a.listAccounts)
	mux.HandleFunc("POST /_proforma/accounts", a.joinAccount)
	mux.HandleFunc("DELETE /_proforma/accounts/{id}", a.leaveAccount)
	mux.HandleFunc("POST /_proforma/reset", a.reset)
	mux.HandleFunc("POST /_proforma/usage", a.importUsage)
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

// importUsage spools the uploaded file to a temporary directory under its
// name (so errors name it) and imports it.
func (a *Admin) importUsage(w http.ResponseWriter, r *http.Request) {
	if a.ImportUsage == nil {
		adminError(w, http.StatusNotImplemented, "usage import is not configured")
		return
	}
	dir, err := os.MkdirTemp("", "proforma-upload-*")
	if err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer os.RemoveAll(dir)
	name := filepath.Base(r.URL.Query().Get("name"))
	if name == "." || name == "/" {
		name = "upload"
	}
	path := filepath.Join(dir, name)
	if err := spool(path, http.MaxBytesReader(w, r.Body, MaxUploadBytes)); err != nil {
		adminError(w, http.StatusBadRequest, fmt.Sprintf("reading the upload: %v", err))
		return
	}
	summary, err := a.ImportUsage(r.Context(), r.URL.Query().Get("payer"), path)
	var bad BadUpload
	switch {
	case errors.As(err, &bad):
		adminError(w, http.StatusBadRequest, strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	case err != nil:
		adminDomainError(w, err)
	default:
		writeJSON(w, http.StatusOK, summary)
	}
}

func spool(path string, body io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
