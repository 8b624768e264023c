package restjson_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/restjson"
)

// exportStub is an ExportUsage hook: group "missing" is not found; format
// "fail-early" fails before writing, "fail-late" after a first byte; any
// other writes "a,b\n". It records the last request.
type exportStub struct {
	mu   sync.Mutex
	last restjson.ExportRequest
}

func (s *exportStub) export(_ context.Context, req restjson.ExportRequest) (restjson.ExportFile, error) {
	s.mu.Lock()
	s.last = req
	s.mu.Unlock()
	if req.BillingGroup == "missing" {
		return restjson.ExportFile{}, conductor.NotFound(conductor.TypeBillingGroup, "missing")
	}
	write := func(w io.Writer) error {
		switch req.Format {
		case "fail-early":
			return errors.New("disk on fire")
		case "fail-late":
			w.Write([]byte("a,"))
			return errors.New("disk on fire")
		}
		_, err := w.Write([]byte("a,b\n"))
		return err
	}
	return restjson.ExportFile{Name: "g-2026-11.csv", ContentType: "text/csv", Write: write}, nil
}

func (s *exportStub) payer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last.Payer
}

// newExportServer serves the API and admin endpoints of adminOrg (see
// newEnvWith), strict or not, with the stub as the ExportUsage hook.
func newExportServer(t *testing.T, strict bool) (string, *exportStub) {
	t.Helper()
	org, stub := adminOrg(), &exportStub{}
	identity := restjson.Identity{Strict: strict, DefaultPayer: org.DefaultPayer(), Keys: restjson.NewKeys(org)}
	e := newEnvWith(t, org, identity, func(a *restjson.Admin) {
		a.Identity, a.ExportUsage = identity, stub.export
	})
	return e.url, stub
}

type exportReply struct {
	status                              int
	errorType, contentType, disposition string
	body                                []byte
	readErr                             error
}

func getExport(t *testing.T, base, query string, as signer) exportReply {
	t.Helper()
	req, err := harness.AdminCall{Method: "GET", URL: base + "/_proforma/export?" + query, Key: as.key, Secret: as.secret}.Request(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, readErr := io.ReadAll(resp.Body)
	return exportReply{resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), resp.Header.Get("Content-Type"),
		resp.Header.Get("Content-Disposition"), b, readErr}
}

// The endpoint streams the hook's file with its headers, and answers the
// errors found before the first byte AWS-style.
func TestExportEndpointErrors(t *testing.T) {
	base, _ := newExportServer(t, false)
	r := getExport(t, base, "billingGroup=g&period=2026-11&format=csv", unsigned)
	if r.status != 200 || string(r.body) != "a,b\n" || r.contentType != "text/csv" || r.disposition != "attachment; filename=g-2026-11.csv" {
		t.Errorf("export: %d %q %q %q", r.status, r.contentType, r.disposition, r.body)
	}
	for _, tt := range []struct {
		name, query string
		status      int
		code        string
	}{
		{"no group", "period=2026-11", 400, "ValidationException"},
		{"no period", "billingGroup=g", 400, "ValidationException"},
		{"bad period", "billingGroup=g&period=2026-13", 400, "ValidationException"},
		{"unknown group", "billingGroup=missing&period=2026-11", 404, "ResourceNotFoundException"},
		{"a linked account's", "billingGroup=g&period=2026-11&payer=" + linked1, 403, "AccessDeniedException"},
		{"write fails before a byte", "billingGroup=g&period=2026-11&format=fail-early", 500, "InternalServerException"},
	} {
		r := getExport(t, base, tt.query, unsigned)
		var body struct {
			Type           string `json:"__type"`
			Message, Error string
		}
		if err := json.Unmarshal(r.body, &body); err != nil || r.status != tt.status || r.errorType != tt.code ||
			body.Type != tt.code || body.Message == "" || body.Error != body.Message {
			t.Errorf("%s: %d %s %s, want %d %s", tt.name, r.status, r.errorType, r.body, tt.status, tt.code)
		}
	}
}

// A failure after the first byte cuts the response: the client sees a
// broken transfer (no response at all while the first bytes are still
// buffered, else a cut body), never a short file that looks whole.
func TestExportEndpointAbortsMidStream(t *testing.T) {
	base, _ := newExportServer(t, false)
	resp, err := http.Get(base + "/_proforma/export?billingGroup=g&period=2026-11&format=fail-late")
	if err == nil {
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
	}
	if err == nil {
		t.Errorf("fail-late: %d and a whole body, want a broken transfer", resp.StatusCode)
	}
}

// In strict mode the export needs a signature; a payer exports its own
// payer's groups, an admin any payer's.
func TestStrictExportEndpoint(t *testing.T) {
	base, stub := newExportServer(t, true)
	const q = "billingGroup=g&period=2026-11"
	for _, tt := range []struct {
		name    string
		as      signer
		query   string
		status  int
		code    string
		payerIs string
	}{
		{"unsigned", unsigned, q, 403, "MissingAuthenticationTokenException", ""},
		{"wrong secret", wrongSecret, q, 403, "InvalidSignatureException", ""},
		{"payer B for payer A", asPayerB, q + "&payer=" + payerA, 403, "AccessDeniedException", ""},
		{"payer B", asPayerB, q, 200, "", payerB},
		{"payer A", asPayerA, q, 200, "", payerA},
		{"admin for payer B", asAdmin, q + "&payer=" + payerB, 200, "", payerB},
		{"admin, its own payer", asAdmin, q, 200, "", payerA},
	} {
		r := getExport(t, base, tt.query, tt.as)
		if r.status != tt.status || r.errorType != tt.code {
			t.Errorf("%s: %d %s %s, want %d %s", tt.name, r.status, r.errorType, r.body, tt.status, tt.code)
			continue
		}
		if tt.payerIs != "" && stub.payer() != tt.payerIs {
			t.Errorf("%s: exported payer %s, want %s", tt.name, stub.payer(), tt.payerIs)
		}
	}
}
