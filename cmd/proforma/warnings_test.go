package main

import (
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

func TestStartWarnings(t *testing.T) {
	demo := conductor.DemoOrganization()
	own := conductor.Organization{Payers: []conductor.PayerSeed{{Payer: conductor.Payer{ID: "123456789012",
		Credentials: []conductor.Credential{{AccessKeyID: "AKIAOPS", SecretAccessKey: "ops-secret", Admin: true}}}}}}
	copied := conductor.Organization{Payers: []conductor.PayerSeed{{Payer: conductor.Payer{ID: "123456789012",
		Credentials: []conductor.Credential{{AccessKeyID: "AKIACOPY", SecretAccessKey: "proforma-demo-secret"}}}}}}
	const demoWarning, openWarning = "public demo secret", "anyone who can reach it can read and change every payer's data"
	tests := []struct {
		name, auth, addr string
		org              conductor.Organization
		want             []string // substrings, one per warning, in order
	}{
		{"permissive on loopback", "permissive", "127.0.0.1:4599", demo, nil},
		{"permissive on 127.0.0.2", "permissive", "127.0.0.2:4599", demo, nil},
		{"permissive on ::1", "permissive", "[::1]:4599", demo, nil},
		{"permissive on localhost", "permissive", "localhost:4599", demo, nil},
		{"permissive on all interfaces", "permissive", ":4599", demo, []string{"move its clock. Use --auth strict"}},
		{"permissive on 0.0.0.0", "permissive", "0.0.0.0:4599", demo, []string{"permissive mode on 0.0.0.0:4599"}},
		{"permissive on a host name", "permissive", "proforma.internal:4599", demo, []string{openWarning}},
		{"permissive on a LAN address", "permissive", "10.0.0.5:4599", demo, []string{openWarning}},
		{"strict with the demo organization", "strict", "127.0.0.1:4599", demo,
			[]string{"access keys 123456789012 (admin), 210987654321 use the " + demoWarning}},
		{"strict with a copied demo secret", "strict", "0.0.0.0:4599", copied, []string{"access keys AKIACOPY use the " + demoWarning}},
		{"strict with own secrets", "strict", "0.0.0.0:4599", own, nil},
		{"permissive with own secrets on loopback", "permissive", "127.0.0.1:0", own, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := startWarnings(tt.auth, tt.addr, tt.org)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q does not say %q", got[i], w)
				}
			}
		})
	}
}
