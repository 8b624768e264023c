package orgfile_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/orgfile"
)

// writeOrg writes an organization file and returns its path.
func writeOrg(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadOrganization(t *testing.T) {
	org, err := orgfile.Load(writeOrg(t, `
payers:
  - id: "123456789012"
    name: Acme
    credentials:
      - accessKeyId: AKIAACME
        secretAccessKey: s3cret
    accounts:
      - id: "100000000001"
        name: dev
        joined: 2026-01-15
        left: 2026-06-30T12:00:00Z
    transfers:
      - arn: arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-abcd1234
        source: "111122223333"
        sourceAccounts: ["111122223334"]
        start: 2026-01-01
  - id: "210987654321"
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(org.Payers) != 2 || org.DefaultPayer() != "123456789012" {
		t.Fatalf("payers = %+v", org.Payers)
	}
	p := org.Payers[0]
	if p.Payer.Credentials[0].SecretAccessKey != "s3cret" || p.Accounts[0].Joined.Day() != 15 ||
		p.Accounts[0].Left.Hour() != 12 || p.Transfers[0].SourceAccount != "111122223333" || p.Transfers[0].Start == nil {
		t.Errorf("payer = %+v", p)
	}
}

// A JSON organization file (JSON is YAML too, but decodes faster as JSON)
// gives the organization its YAML spelling gives, and refuses what the
// YAML decoder refuses.
func TestLoadOrganizationJSON(t *testing.T) {
	const asYAML = `
payers:
  - id: "123456789012"
    credentials: [{accessKeyId: AKIAACME, secretAccessKey: s3cret, admin: true}]
    accounts:
      - {id: "100000000001", name: dev, email: dev@example.com, joined: 2026-01-15, left: "2026-06-30T12:00:00Z"}
    transfers:
      - {arn: "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-abcd1234", source: "111122223333", sourceAccounts: ["111122223334"], start: 2026-01-01}
`
	const asJSON = `
  {"payers": [{"id": "123456789012",
    "credentials": [{"accessKeyId": "AKIAACME", "secretAccessKey": "s3cret", "admin": true}],
    "accounts": [{"id": "100000000001", "name": "dev", "email": "dev@example.com", "joined": "2026-01-15", "left": "2026-06-30T12:00:00Z"}],
    "transfers": [{"arn": "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-abcd1234", "source": "111122223333", "sourceAccounts": ["111122223334"], "start": "2026-01-01"}]}]}`
	want, err := orgfile.Load(writeOrg(t, asYAML))
	if err != nil {
		t.Fatal(err)
	}
	got, err := orgfile.Load(writeOrg(t, asJSON))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON file: %+v\nYAML file: %+v", got, want)
	}
	for name, bad := range map[string]string{
		"unknown field": `{"payers": [{"id": "123456789012", "acounts": []}]}`,
		"trailing data": `{"payers": [{"id": "123456789012"}]} {}`,
		"invalid id":    `{"payers": [{"id": "123"}]}`,
		"truncated":     `{"payers": [{"id": "123456789012"`,
	} {
		if _, err := orgfile.Load(writeOrg(t, bad)); err == nil {
			t.Errorf("%s: loaded %s", name, bad)
		}
	}
}

func TestLoadOrganizationErrors(t *testing.T) {
	tests := map[string]struct{ yaml, want string }{
		"no payers":       {`payers: []`, "no payers"},
		"short id":        {`payers: [{id: "123"}]`, "not a 12-digit account ID"},
		"duplicate":       {"payers:\n  - id: \"123456789012\"\n    accounts: [{id: \"123456789012\"}]\n", "already appears"},
		"unknown field":   {"payers:\n  - id: \"123456789012\"\n    acounts: []\n", "acounts"},
		"bad date":        {"payers:\n  - id: \"123456789012\"\n    accounts: [{id: \"100000000001\", joined: soon}]\n", "joined"},
		"half credential": {"payers:\n  - id: \"123456789012\"\n    credentials: [{accessKeyId: A}]\n", "secretAccessKey"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := orgfile.Load(writeOrg(t, tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoadOrganizationAdminCredential(t *testing.T) {
	org, err := orgfile.Load(writeOrg(t, `
payers:
  - id: "123456789012"
    credentials:
      - {accessKeyId: AKIAOPS, secretAccessKey: ops-secret, admin: true}
      - {accessKeyId: AKIAACME, secretAccessKey: acme-secret}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := org.Payers[0].Payer.Credentials
	want := []conductor.Credential{
		{AccessKeyID: "AKIAOPS", SecretAccessKey: "ops-secret", Admin: true},
		{AccessKeyID: "AKIAACME", SecretAccessKey: "acme-secret"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("credentials = %+v, want %+v", got, want)
	}
	if _, err := orgfile.Load(writeOrg(t, "payers:\n  - id: \"123456789012\"\n    credentials: [{accessKeyId: A, secretAccessKey: s, admin: yes please}]\n")); err == nil {
		t.Error("a non-boolean admin was accepted")
	}
}
