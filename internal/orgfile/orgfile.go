// Package orgfile reads an organization file: the payers, their member
// accounts, credentials and inbound transfers a server starts with
// (`proforma serve --org`, documented in README.md), in YAML or JSON.
package orgfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// File is an organization file.
type File struct {
	Payers []Payer `yaml:"payers" json:"payers"`
}

// Payer is a management account with its family. ID is a 12-digit
// account ID.
type Payer struct {
	ID          string       `yaml:"id" json:"id"`
	Name        string       `yaml:"name" json:"name"`
	Email       string       `yaml:"email" json:"email"`
	Credentials []Credential `yaml:"credentials" json:"credentials"`
	Accounts    []Account    `yaml:"accounts" json:"accounts"`
	Transfers   []Transfer   `yaml:"transfers" json:"transfers"`
}

// Credential is an access key a payer signs with in strict mode.
type Credential struct {
	AccessKeyID     string `yaml:"accessKeyId" json:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey" json:"secretAccessKey"`
	// Admin lets the key call every admin endpoint for every payer in
	// strict mode (conductor.Credential.Admin).
	Admin bool `yaml:"admin" json:"admin"`
}

// Account is a member account. Joined and Left, when set, bound its
// membership: a date (YYYY-MM-DD) or an RFC 3339 time.
type Account struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Email  string `yaml:"email" json:"email"`
	Joined string `yaml:"joined" json:"joined"`
	Left   string `yaml:"left" json:"left"`
}

// Transfer is an inbound billing transfer from the organization of Source
// (its management account) with its SourceAccounts, from Start (a date or
// an RFC 3339 time; "" = always).
type Transfer struct {
	ARN            string   `yaml:"arn" json:"arn"`
	Source         string   `yaml:"source" json:"source"`
	SourceAccounts []string `yaml:"sourceAccounts" json:"sourceAccounts"`
	Start          string   `yaml:"start" json:"start"`
}

// Load reads and checks an organization file.
func Load(path string) (conductor.Organization, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return conductor.Organization{}, err
	}
	f, err := Decode(data)
	if err != nil {
		return conductor.Organization{}, fmt.Errorf("%s: %w", path, err)
	}
	org, err := f.Organization()
	if err != nil {
		return org, fmt.Errorf("%s: %w", path, err)
	}
	return org, nil
}

// Decode decodes an organization file; unknown keys are errors. A file
// that starts with "{" is JSON (which is YAML too) and is decoded as JSON:
// several times faster than the YAML decoder, which is most of a start
// with a 10,000-account organization (docs/performance.md).
func Decode(data []byte) (File, error) {
	var f File
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return f, err
		}
		if dec.More() {
			return f, fmt.Errorf("unexpected data after the organization object")
		}
		return f, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&f)
	return f, err
}

// Organization checks the file (at least one payer, 12-digit account IDs
// that appear once, credentials with both parts, dates) and returns the
// organization it describes.
func (f File) Organization() (conductor.Organization, error) {
	var org conductor.Organization
	if len(f.Payers) == 0 {
		return org, fmt.Errorf("no payers")
	}
	seen := map[string]place{}
	for i, p := range f.Payers {
		where := fmt.Sprintf("payers[%d]", i)
		if err := claim(seen, p.ID, place{i, -1}); err != nil {
			return org, err
		}
		seed := conductor.PayerSeed{Payer: conductor.Payer{ID: p.ID, Name: p.Name, Email: p.Email}}
		for _, c := range p.Credentials {
			if c.AccessKeyID == "" || c.SecretAccessKey == "" {
				return org, fmt.Errorf("%s.credentials: accessKeyId and secretAccessKey are required", where)
			}
			seed.Payer.Credentials = append(seed.Payer.Credentials, conductor.Credential(c))
		}
		for j, a := range p.Accounts {
			acct, err := account(a)
			if err == nil {
				err = claim(seen, a.ID, place{i, j})
			}
			if err != nil {
				return org, fmt.Errorf("%s.accounts[%d]: %w", where, j, err)
			}
			seed.Accounts = append(seed.Accounts, acct)
		}
		for j, t := range p.Transfers {
			tr, err := transfer(t)
			if err != nil {
				return org, fmt.Errorf("%s.transfers[%d]: %w", where, j, err)
			}
			seed.Transfers = append(seed.Transfers, tr)
		}
		org.Payers = append(org.Payers, seed)
	}
	return org, nil
}

// place is where an account ID appears in the file: payers[Payer], or
// payers[Payer].accounts[Account] when Account >= 0. Its text is only
// formatted for an error, so a 10,000-account file costs no strings.
type place struct{ Payer, Account int }

func (p place) String() string {
	if p.Account < 0 {
		return fmt.Sprintf("payers[%d]", p.Payer)
	}
	return fmt.Sprintf("payers[%d].accounts[%d]", p.Payer, p.Account)
}

// claim records that an account ID appears once in the file.
func claim(seen map[string]place, id string, where place) error {
	if !conductor.IsAccountID(id) {
		return fmt.Errorf("%s: id %q is not a 12-digit account ID", where, id)
	}
	if first, ok := seen[id]; ok {
		return fmt.Errorf("%s: account %s already appears at %s", where, id, first)
	}
	seen[id] = where
	return nil
}

func account(f Account) (conductor.Account, error) {
	a := conductor.Account{ID: f.ID, Name: f.Name, Email: f.Email}
	var err error
	if a.Joined, err = optionalTime("joined", f.Joined); err != nil {
		return a, err
	}
	a.Left, err = optionalTime("left", f.Left)
	return a, err
}

func transfer(f Transfer) (conductor.Transfer, error) {
	t := conductor.Transfer{ARN: f.ARN, SourceAccount: f.Source, SourceMembers: f.SourceAccounts}
	if f.ARN == "" || !conductor.IsAccountID(f.Source) {
		return t, fmt.Errorf("arn and a 12-digit source account are required")
	}
	for _, m := range f.SourceAccounts {
		if !conductor.IsAccountID(m) {
			return t, fmt.Errorf("source account %q is not a 12-digit account ID", m)
		}
	}
	var err error
	t.Start, err = optionalTime("start", f.Start)
	return t, err
}

func optionalTime(name, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a date (YYYY-MM-DD) or RFC 3339 time", name, s)
	}
	return &t, nil
}
