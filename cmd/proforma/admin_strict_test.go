package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"

	"github.com/proforma-dev/proforma/internal/harness"
)

// strictOrg gives each payer a credential the harness clients sign with
// (key = account, secret "proforma-test-secret"), not admin, and payer A an
// admin credential.
const strictOrg = `
payers:
  - id: "123456789012"
    credentials:
      - {accessKeyId: "123456789012", secretAccessKey: proforma-test-secret}
      - {accessKeyId: AKIAOPS, secretAccessKey: ops-secret, admin: true}
    accounts: [{id: "100000000001"}, {id: "100000000002"}]
  - id: "210987654321"
    credentials:
      - {accessKeyId: "210987654321", secretAccessKey: proforma-test-secret}
    accounts: [{id: "200000000001"}]
`

// adminRequest is a signed (unless key is "") call of an admin endpoint.
// With declare, X-Amz-Content-Sha256 carries the SHA-256 of signedBody
// ("" = body), which the signature covers; body is what is sent.
type adminRequest struct {
	method, path, body string
	key, secret        string
	declare            bool
	signedBody         string
}

func (a adminRequest) send(t *testing.T, base string) (int, string, string) {
	t.Helper()
	req, err := harness.AdminCall{Method: a.method, URL: base + a.path, Body: a.body, Key: a.key, Secret: a.secret,
		Declare: a.declare, SignedBody: a.signedBody}.Request(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), string(b)
}

// TestStrictAdminBinary runs the binary in strict mode with an organization
// file holding an admin credential: usage uploads carry their body's hash,
// a payer uploads only its own usage, and only the admin resets.
func TestStrictAdminBinary(t *testing.T) {
	data := t.TempDir()
	p := startProforma(t, data, "--auth", "strict", "--org", writeOrg(t, strictOrg), "--now", "2026-10-15")
	groupARN := createMarkupGroup(t, p.URL)
	costs := func() string {
		t.Helper()
		ctx, cancel := callCtx()
		defer cancel()
		out, err := newClient(p.URL, "123456789012").GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &groupARN})
		if err != nil {
			t.Fatal(err)
		}
		r := out.BillingGroupCostReportResults[0]
		return aws.ToString(r.AWSCost) + " " + aws.ToString(r.ProformaCost)
	}
	const imported = "1.404 7.6444"
	upload := adminRequest{method: "POST", path: "/_proforma/usage?name=october.csv", body: engineCUR,
		key: "123456789012", secret: "proforma-test-secret", declare: true}
	if status, _, body := upload.send(t, p.URL); status != http.StatusOK || !strings.Contains(body, `"payer":"123456789012"`) {
		t.Fatalf("signed upload by the payer: %d %s", status, body)
	}
	if got := costs(); got != imported {
		t.Fatalf("costs after the upload %q, want %q", got, imported)
	}

	swapped := strings.Replace(engineCUR, ",2.3,2.3,", ",9.3,9.3,", 1) // same length, other costs
	tampered := upload
	tampered.body, tampered.signedBody = swapped, engineCUR
	noHash := upload
	noHash.declare = false
	otherPayer := upload
	otherPayer.path, otherPayer.key, otherPayer.body = "/_proforma/usage?name=october.csv&payer=123456789012", "210987654321", swapped
	unsignedReset := adminRequest{method: "POST", path: "/_proforma/reset"}
	payerReset := adminRequest{method: "POST", path: "/_proforma/reset", key: "123456789012", secret: "proforma-test-secret"}
	for _, tt := range []struct {
		name string
		req  adminRequest
		code string // X-Amzn-ErrorType; "" for the body check of a tampered upload
	}{
		{"tampered upload", tampered, ""},
		{"upload without its hash", noHash, "InvalidSignatureException"},
		{"upload of another payer's usage", otherPayer, "AccessDeniedException"},
		{"unsigned reset", unsignedReset, "MissingAuthenticationTokenException"},
		{"reset by a payer", payerReset, "AccessDeniedException"},
	} {
		status, code, body := tt.req.send(t, p.URL)
		if status != http.StatusForbidden || (tt.code != "" && code != tt.code) {
			t.Errorf("%s: %d %s %s, want 403 %s", tt.name, status, code, body, tt.code)
		}
		if got := costs(); got != imported {
			t.Errorf("%s: costs %q, want %q unchanged", tt.name, got, imported)
		}
	}

	reset := payerReset
	reset.key, reset.secret = "AKIAOPS", "ops-secret"
	if status, _, body := reset.send(t, p.URL); status != http.StatusOK {
		t.Fatalf("reset by the admin: %d %s", status, body)
	}
	ctx, cancel := callCtx()
	defer cancel()
	groups, err := newClient(p.URL, "123456789012").ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil || len(groups.BillingGroups) != 0 {
		t.Errorf("after the admin's reset: %d groups, %v", lenOrMinus(groups), err)
	}
	// The start's warnings come before "proforma listening"; the refused
	// uploads above are logged at WARN later, as they should be.
	if start, _, _ := strings.Cut(p.output.String(), `msg="proforma listening"`); strings.Contains(start, "level=WARN") {
		t.Errorf("warnings at start with own secrets on loopback:\n%s", start)
	}
	assertNoSecretStored(t, data, "ops-secret", "proforma-test-secret")
}

// assertNoSecretStored fails when a file of the data directory holds one of
// the secrets: credentials stay with the organization file.
func assertNoSecretStored(t *testing.T, data string, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(data, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a directory (the upload spool)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %q", filepath.Base(f), s)
			}
		}
	}
}

func lenOrMinus(out *bc.ListBillingGroupsOutput) int {
	if out == nil {
		return -1
	}
	return len(out.BillingGroups)
}

// TestStrictAdminBinaryWarnsOnDemoSecret: strict mode with the demo
// organization says its secret is public.
func TestStrictAdminBinaryWarnsOnDemoSecret(t *testing.T) {
	p := startProforma(t, ":memory:", "--auth", "strict")
	var clock struct{ BillingPeriod string }
	status, _, body := adminRequest{method: "GET", path: "/_proforma/clock", key: "210987654321", secret: "proforma-demo-secret"}.send(t, p.URL)
	if err := json.Unmarshal([]byte(body), &clock); err != nil || status != http.StatusOK || clock.BillingPeriod == "" {
		t.Errorf("GET clock by a demo payer: %d %s", status, body)
	}
	if out := p.output.String(); !strings.Contains(out, "public demo secret") {
		t.Errorf("no warning about the demo secret:\n%s", out)
	}
}
