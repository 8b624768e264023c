package restjson_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// The signers of the strict admin tests: an admin credential of payer A,
// payer A's and payer B's own (non-admin) credentials, and failures.
var (
	asAdmin     = signer{"AKIAADMIN", "admin-secret"}
	asPayerA    = signer{"AKIAPAYERA", "secret-a"}
	asPayerB    = signer{"AKIAPAYERB", "secret-b"}
	wrongSecret = signer{"AKIAADMIN", "not-the-secret"}
	unknownKey  = signer{"AKIAUNKNOWN", "admin-secret"}
	staleAdmin  = signer{"AKIASTALE", "stale-secret"}
	unsigned    = signer{}
)

// signer is an access key; the zero signer sends unsigned requests.
type signer struct{ key, secret string }

func (s signer) String() string {
	if s.key == "" {
		return "unsigned"
	}
	return s.key + "/" + s.secret
}

// adminOrg is the demo organization with the credentials above.
func adminOrg() conductor.Organization {
	org := conductor.DemoOrganization()
	org.Payers[0].Payer.Credentials = []conductor.Credential{
		{AccessKeyID: asAdmin.key, SecretAccessKey: asAdmin.secret, Admin: true},
		{AccessKeyID: asPayerA.key, SecretAccessKey: asPayerA.secret},
	}
	org.Payers[1].Payer.Credentials = []conductor.Credential{{AccessKeyID: asPayerB.key, SecretAccessKey: asPayerB.secret}}
	return org
}

// adminEnv serves the API and the admin endpoints of adminOrg. Its store
// also holds staleAdmin, an admin credential of an earlier organization
// that the running server's organization no longer names.
type adminEnv struct {
	url     string
	svc     *conductor.Service
	clock   *conductor.PinnableClock
	imports *importLog
}

func newAdminEnv(t *testing.T, strict bool) *adminEnv {
	t.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &adminEnv{clock: &conductor.PinnableClock{}, imports: &importLog{}}
	e.clock.Pin(startTime)
	e.svc = conductor.NewService(store, e.clock, nil)
	e.svc.SetUsageEngine(usage.NewEngine())
	org, earlier := adminOrg(), adminOrg()
	earlier.Payers[0].Payer.Credentials = append(earlier.Payers[0].Payer.Credentials,
		conductor.Credential{AccessKeyID: staleAdmin.key, SecretAccessKey: staleAdmin.secret, Admin: true})
	if err := e.svc.SeedOrganization(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	identity := restjson.Identity{Strict: strict, DefaultPayer: org.DefaultPayer(), Keys: restjson.NewKeys(org)}
	admin := &restjson.Admin{Service: e.svc, Clock: e.clock, Organization: org, DefaultPayer: org.DefaultPayer(),
		Identity: identity, ImportUsage: e.imports.record, ImportSource: e.imports.recordSource,
		ListUsage: func(_ context.Context, payer string) (any, error) { return map[string]any{"payer": payer}, nil },
		Metrics:   http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "# metrics\n") })}
	mux := http.NewServeMux()
	mux.Handle(restjson.AdminPrefix, admin.Handler())
	mux.Handle("/", restjson.New(e.svc, identity, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// importLog is the ImportUsage hook of the tests: it records, per payer
// argument, the content of the last file imported.
type importLog struct {
	mu    sync.Mutex
	files map[string]string
}

func (l *importLog) record(_ context.Context, payer, path string) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.files == nil {
		l.files = map[string]string{}
	}
	l.files[payer] = string(b)
	return map[string]string{"payer": payer}, nil
}

// recordSource is the ImportSource hook: it records the source asked for.
func (l *importLog) recordSource(_ context.Context, payer, source string) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.files == nil {
		l.files = map[string]string{}
	}
	l.files[payer] = "source " + source
	return map[string]string{"payer": payer}, nil
}

func (l *importLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, _ := json.Marshal(l.files)
	return string(b)
}

// adminCall is one request to an admin endpoint. An upload declares the
// SHA-256 of signedBody in X-Amz-Content-Sha256 and sends body.
type adminCall struct {
	method, path, body string
	upload             bool
	signedBody         string // "" = body
}

type adminReply struct {
	status    int
	errorType string // X-Amzn-ErrorType
	body      []byte
}

func (e *adminEnv) do(t *testing.T, as signer, c adminCall) adminReply {
	t.Helper()
	req, err := harness.AdminCall{Method: c.method, URL: e.url + c.path, Body: c.body, Key: as.key, Secret: as.secret,
		Declare: c.upload, SignedBody: c.signedBody}.Request(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return adminReply{resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b}
}

// state is everything an admin endpoint can change: the clock, both
// payers' organizations, payer A's billing groups and the imports.
func (e *adminEnv) state(t *testing.T) string {
	t.Helper()
	accounts := map[string][]conductor.Account{}
	for _, p := range []string{payerA, payerB} {
		list, err := e.svc.OrganizationAccounts(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		accounts[p] = list
	}
	groups := listGroups(t, e.client(asAdmin), &bc.ListBillingGroupsInput{})
	b, err := json.MarshalIndent(map[string]any{"clock": e.clock.Now(), "pinned": e.clock.Pinned(),
		"accounts": accounts, "groups": groups, "imports": e.imports.String()}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *adminEnv) client(as signer) *bc.Client {
	return (&env{url: e.url}).signedClient(as.key, as.secret)
}

const adminCUR = "bill/PayerAccountId,lineItem/UsageAccountId\n123456789012,100000000001\n"

// adminEndpoints lists every admin endpoint but health with a request,
// the signers refused beyond every failing signature, and those allowed.
var adminEndpoints = []struct {
	name    string
	call    adminCall
	refused []signer
	allowed []signer
}{
	{"GET clock", adminCall{method: "GET", path: "/_proforma/clock"}, nil, []signer{asPayerA, asPayerB, asAdmin}},
	{"POST clock", adminCall{method: "POST", path: "/_proforma/clock", body: `{"now":"2027-03-01T00:00:00Z"}`},
		[]signer{asPayerA, asPayerB}, []signer{asAdmin}},
	{"GET accounts", adminCall{method: "GET", path: "/_proforma/accounts?payer=" + payerB},
		[]signer{asPayerA}, []signer{asPayerB, asAdmin}},
	{"POST accounts", adminCall{method: "POST", path: "/_proforma/accounts", body: `{"payer":"` + payerA + `","id":"300000000001"}`},
		[]signer{asPayerA, asPayerB}, []signer{asAdmin}},
	{"DELETE accounts", adminCall{method: "DELETE", path: "/_proforma/accounts/" + linked3 + "?payer=" + payerA},
		[]signer{asPayerA, asPayerB}, []signer{asAdmin}},
	{"POST reset", adminCall{method: "POST", path: "/_proforma/reset"}, []signer{asPayerA, asPayerB}, []signer{asAdmin}},
	{"POST usage", adminCall{method: "POST", path: "/_proforma/usage?name=cur.csv&payer=" + payerA, body: adminCUR, upload: true},
		[]signer{asPayerB}, []signer{asPayerA, asAdmin}},
	// The server reads a source with its own AWS credentials: admins only, even for a payer's own import.
	{"POST usage from a source", adminCall{method: "POST", path: "/_proforma/usage?source=s3%3A%2F%2Fbucket%2Fcur&payer=" + payerA, upload: true},
		[]signer{asPayerA, asPayerB}, []signer{asAdmin}},
	{"GET usage", adminCall{method: "GET", path: "/_proforma/usage?payer=" + payerB}, []signer{asPayerA}, []signer{asPayerB, asAdmin}},
	{"GET payers", adminCall{method: "GET", path: "/_proforma/payers"}, []signer{asPayerA, asPayerB}, []signer{asAdmin}},
	{"GET metrics", adminCall{method: "GET", path: restjson.MetricsPath}, []signer{asPayerA, asPayerB}, []signer{asAdmin}},
}

// TestStrictAdminRefusals calls every admin endpoint in strict mode with
// every signer that must be refused: 403 with the AWS error, nothing changed.
func TestStrictAdminRefusals(t *testing.T) {
	failing := map[signer]string{
		unsigned:    "MissingAuthenticationTokenException",
		wrongSecret: "InvalidSignatureException",
		unknownKey:  "UnrecognizedClientException",
		staleAdmin:  "UnrecognizedClientException",
	}
	for _, ep := range adminEndpoints {
		t.Run(ep.name, func(t *testing.T) {
			e := newAdminEnv(t, true)
			createGroup(t, e.client(asPayerA), "kept", linked1)
			before := e.state(t)
			refusals := map[signer]string{}
			for s, code := range failing {
				refusals[s] = code
			}
			for _, s := range ep.refused {
				refusals[s] = "AccessDeniedException"
			}
			for s, code := range refusals {
				wantAdminError(t, e.do(t, s, ep.call), code, s)
				if diff := cmp.Diff(before, e.state(t)); diff != "" {
					t.Fatalf("%s changed the state (-before +after):\n%s", s, diff)
				}
			}
		})
	}
}

// TestStrictAdminAllowed calls every admin endpoint with each allowed
// signer, and proves that the calls that change state did.
func TestStrictAdminAllowed(t *testing.T) {
	for _, ep := range adminEndpoints {
		for _, s := range ep.allowed {
			t.Run(ep.name+" by "+s.key, func(t *testing.T) {
				e := newAdminEnv(t, true)
				createGroup(t, e.client(asPayerA), "kept", linked1)
				before := e.state(t)
				if r := e.do(t, s, ep.call); r.status != http.StatusOK {
					t.Fatalf("%d %s", r.status, r.body)
				}
				if changed := e.state(t) != before; changed != (ep.call.method != "GET") {
					t.Errorf("state changed: %v, want %v", changed, ep.call.method != "GET")
				}
			})
		}
	}
}

func TestStrictAdminHealthIsOpen(t *testing.T) {
	e := newAdminEnv(t, true)
	if r := e.do(t, unsigned, adminCall{method: "GET", path: "/_proforma/health"}); r.status != http.StatusOK {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
}

// TestStrictAdminOwnPayer covers the routes a payer may call for itself:
// an empty payer is the caller's, and an upload is the caller's even when
// the file's payer column names another payer.
func TestStrictAdminOwnPayer(t *testing.T) {
	e := newAdminEnv(t, true)
	r := e.do(t, asPayerB, adminCall{method: "GET", path: "/_proforma/accounts"})
	var list struct{ Payer string }
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusOK || list.Payer != payerB {
		t.Fatalf("payer B lists accounts: %d %s", r.status, r.body)
	}
	r = e.do(t, asPayerB, adminCall{method: "POST", path: "/_proforma/usage?name=cur.csv", body: adminCUR, upload: true})
	if r.status != http.StatusOK {
		t.Fatalf("payer B imports its usage: %d %s", r.status, r.body)
	}
	if got, want := e.imports.String(), fmt.Sprintf(`{%q:%q}`, payerB, adminCUR); got != want {
		t.Errorf("imports %s, want %s (payer A's file column ignored)", got, want)
	}
	r = e.do(t, asAdmin, adminCall{method: "POST", path: "/_proforma/usage?name=cur.csv&payer=" + payerB, body: "admin", upload: true})
	if r.status != http.StatusOK || !strings.Contains(e.imports.String(), `"admin"`) {
		t.Errorf("admin imports payer B's usage: %d %s; imports %s", r.status, r.body, e.imports)
	}
}

// TestStrictAdminUploadNeedsItsHash covers the streamed upload: the body's
// hash must be declared and signed, and a body other than the signed one
// (here of the same length) is refused when read to its end.
func TestStrictAdminUploadNeedsItsHash(t *testing.T) {
	e := newAdminEnv(t, true)
	upload := adminCall{method: "POST", path: "/_proforma/usage?name=cur.csv", body: adminCUR, upload: true}
	noHash := upload
	noHash.upload = false
	wantAdminError(t, e.do(t, asPayerA, noHash), "InvalidSignatureException", asPayerA)
	tampered := upload
	tampered.signedBody = strings.Replace(adminCUR, "100000000001", "100000000002", 1)
	r := e.do(t, asPayerA, tampered)
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "x-amz-content-sha256") {
		t.Errorf("tampered upload: %d %s; want 403 naming x-amz-content-sha256", r.status, r.body)
	}
	if got := e.imports.String(); got != "null" {
		t.Errorf("imports %s after refused uploads", got)
	}
}

// TestPermissiveAdminIsOpen: without strict mode, unsigned calls work.
func TestPermissiveAdminIsOpen(t *testing.T) {
	for _, ep := range adminEndpoints {
		t.Run(ep.name, func(t *testing.T) {
			e := newAdminEnv(t, false)
			call := ep.call
			call.upload = false
			if r := e.do(t, unsigned, call); r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}

func wantAdminError(t *testing.T, r adminReply, code string, as signer) {
	t.Helper()
	var body struct {
		Type    string `json:"__type"`
		Message string
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("%s: body %s: %v", as, r.body, err)
	}
	if r.status != http.StatusForbidden || r.errorType != code || body.Type != code || body.Message == "" {
		t.Errorf("%s: %d %s %s, want 403 %s", as, r.status, r.errorType, r.body, code)
	}
}

// TestStrictAPIKeysComeFromTheOrganization: a key the store still holds from
// an earlier organization file, but the current one does not, is refused by
// the API as well as by the admin endpoints.
func TestStrictAPIKeysComeFromTheOrganization(t *testing.T) {
	e := newAdminEnv(t, true)
	list := adminCall{method: "POST", path: "/list-billing-groups", body: "{}"}
	if got := e.do(t, staleAdmin, list); got.status != http.StatusForbidden || got.errorType != "UnrecognizedClientException" {
		t.Errorf("stale key: %d %s %s; want 403 UnrecognizedClientException", got.status, got.errorType, got.body)
	}
	if got := e.do(t, asPayerA, list); got.status != http.StatusOK {
		t.Errorf("payer A's key: %d %s %s; want 200", got.status, got.errorType, got.body)
	}
}
