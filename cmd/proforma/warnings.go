package main

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// warnUnsafe logs the startWarnings of the configuration.
func (m *Main) warnUnsafe(org conductor.Organization) {
	for _, w := range startWarnings(m.Config.Auth, m.Config.Addr, org) {
		m.log.Warn(w)
	}
}

// startWarnings returns what `proforma serve` warns about at start, for a
// server that is not safe to share: strict mode while a credential of the
// organization has a demo secret (published in the README, so anyone can
// sign as its key), and permissive mode on an address other than loopback
// (127.0.0.0/8, ::1, localhost), where no signature is checked.
func startWarnings(auth, addr string, org conductor.Organization) []string {
	var warnings []string
	if keys := demoSecretKeys(org); auth == "strict" && len(keys) > 0 {
		warnings = append(warnings, fmt.Sprintf("strict mode, but access keys %s use the public demo secret: "+
			"anyone can sign as them. Give each credential a secret of your own in the organization file (--org)",
			strings.Join(keys, ", ")))
	}
	if auth == "permissive" && !isLoopback(addr) {
		warnings = append(warnings, fmt.Sprintf("permissive mode on %s, which is not a loopback address: no signature "+
			"is checked, so anyone who can reach it can read and change every payer's data, reset the store and move "+
			"its clock. Use --auth strict with an organization file, or --addr 127.0.0.1:PORT", addr))
	}
	return warnings
}

// demoSecretKeys returns the access keys of the organization whose secret
// is one of the demo organization's, marking admin keys.
func demoSecretKeys(org conductor.Organization) []string {
	var demo []string
	for _, p := range conductor.DemoOrganization().Payers {
		for _, c := range p.Payer.Credentials {
			demo = append(demo, c.SecretAccessKey)
		}
	}
	var keys []string
	for _, p := range org.Payers {
		for _, c := range p.Payer.Credentials {
			if !slices.Contains(demo, c.SecretAccessKey) {
				continue
			}
			if c.Admin {
				keys = append(keys, c.AccessKeyID+" (admin)")
			} else {
				keys = append(keys, c.AccessKeyID)
			}
		}
	}
	return keys
}

// isLoopback reports whether the listen address only accepts local
// connections: a host of 127.0.0.0/8, ::1 or localhost. An empty host (all
// interfaces) is not loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
