// Package proformatest runs a Proforma server inside a Go test: the AWS
// Billing Conductor API, with Cloud Control and STS on the same port, over
// an in-memory store, on a free loopback port, stopped when the test ends.
// Billing automation is tested with `go test` alone:
//
//	srv := proformatest.NewServer(t)
//	client := billingconductor.NewFromConfig(srv.Config)
//	out, err := client.CreateBillingGroup(ctx, &billingconductor.CreateBillingGroupInput{…})
//
// Each server is independent: tests that call NewServer may run in
// parallel. The organization is the demo one unless WithOrganization gives
// another: payer 123456789012 with member accounts 100000000001 to
// 100000000040, and payer 210987654321 with 200000000001 to 200000000010.
package proformatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/orgfile"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/server"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// Server is a Proforma server running for one test.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
	// Config is an AWS SDK configuration that calls the server as the
	// organization's first payer: pass it to billingconductor.NewFromConfig,
	// cloudcontrol.NewFromConfig or sts.NewFromConfig.
	Config aws.Config
	// Payer is the account ID of the organization's first payer, the one
	// Config calls as.
	Payer string

	clock  *conductor.PinnableClock
	org    conductor.Organization
	strict bool
}

// Organization is an organization as a server's --org file describes it:
// its payers, each with member accounts, credentials (used in strict mode)
// and inbound billing transfers. Account IDs are 12 digits; dates are
// YYYY-MM-DD or RFC 3339.
type (
	Organization = orgfile.File
	Payer        = orgfile.Payer
	Account      = orgfile.Account
	Credential   = orgfile.Credential
	Transfer     = orgfile.Transfer
)

// Change is one call a server is seeded with, in the format of a what-if
// scenario's change list (`proforma serve --seed`).
type Change struct {
	// Operation is a mutating Billing Conductor operation, such as
	// "CreateBillingGroup".
	Operation string
	// Input is the operation's input: an AWS SDK input struct (such as
	// *billingconductor.CreatePricingRuleInput), a map, or JSON text
	// (json.RawMessage).
	Input any
	// Ref, on a Create operation, is a placeholder, such as
	// "ref:standard-plan", that later changes use wherever they need the
	// created resource's ARN. Any string of a later input equal to it is
	// replaced, so it must not be a value they use otherwise.
	Ref string
}

// Option configures NewServer.
type Option func(*config)

type config struct {
	org     *Organization
	now     *time.Time
	changes []Change
	strict  bool
	log     *slog.Logger
}

// WithOrganization starts the server with org instead of the demo
// organization.
func WithOrganization(org Organization) Option { return func(c *config) { c.org = &org } }

// WithClock pins the server's clock at now: the current billing period,
// and every timestamp the API returns, follow it. SetClock moves it.
func WithClock(now time.Time) Option { return func(c *config) { c.now = &now } }

// WithSeed applies changes, in order, before NewServer returns, as the
// organization's first payer; a failing change fails the test.
func WithSeed(changes ...Change) Option {
	return func(c *config) { c.changes = append(c.changes, changes...) }
}

// WithStrictAuth verifies every request's SigV4 signature against the
// organization's credentials, as `proforma serve --auth strict` does.
// Config and ConfigFor then sign with the payer's first credential.
func WithStrictAuth() Option { return func(c *config) { c.strict = true } }

// WithLogger sends the server's log — one line per request, imports,
// errors — to log. By default only warnings and errors are logged, with
// t.Log.
func WithLogger(log *slog.Logger) Option { return func(c *config) { c.log = log } }

// NewServer starts a server for t and stops it when t ends. A
// configuration or seed that fails fails t.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	org := conductor.DemoOrganization()
	if cfg.org != nil {
		var err error
		if org, err = cfg.org.Organization(); err != nil {
			t.Fatalf("proformatest: organization: %v", err)
		}
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	clock := &conductor.PinnableClock{}
	if cfg.now != nil {
		clock.Pin(*cfg.now)
	}
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatalf("proformatest: store: %v", err)
	}
	ctx := context.Background()
	srv, err := server.New(ctx, server.Options{Store: store, Clock: clock, Organization: org, Strict: cfg.strict,
		Log: cfg.log, Upload: restjson.Upload{MaxBytes: 1 << 30, SpoolDir: t.TempDir()}})
	if err == nil && len(cfg.changes) > 0 {
		_, err = srv.Seed(ctx, "proformatest.WithSeed", func() ([]scenario.Change, error) { return scenarioChanges(cfg.changes) })
	}
	if err != nil {
		store.Close()
		t.Fatalf("proformatest: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler)
	hs.Config.ConnState = srv.Metrics.ConnState
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		store.Close()
	})
	s := &Server{URL: hs.URL, Payer: org.DefaultPayer(), clock: clock, org: org, strict: cfg.strict}
	s.Config = s.ConfigFor(t, s.Payer)
	return s
}

// ConfigFor is an AWS SDK configuration that calls the server as payer
// account: with an access key of that account's in permissive mode, with
// its first credential under WithStrictAuth (a payer without one fails t).
func (s *Server) ConfigFor(t testing.TB, account string) aws.Config {
	t.Helper()
	key, secret := account, "proformatest"
	if s.strict {
		cred, ok := s.credential(account)
		if !ok {
			t.Fatalf("proformatest: payer %s has no credential to sign with", account)
		}
		key, secret = cred.AccessKeyID, cred.SecretAccessKey
	}
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		HTTPClient:   &http.Client{Timeout: time.Minute},
	}
}

func (s *Server) credential(account string) (conductor.Credential, bool) {
	for _, p := range s.org.Payers {
		if p.Payer.ID == account && len(p.Payer.Credentials) > 0 {
			return p.Payer.Credentials[0], true
		}
	}
	return conductor.Credential{}, false
}

// SetClock pins the server's clock at now.
func (s *Server) SetClock(now time.Time) { s.clock.Pin(now) }

// ImportUsage imports a Cost and Usage Report (CSV, gzip CSV, Parquet or
// zip, as AWS delivers it) for the organization's first payer; the cost
// report operations then price it. name is the file's name, which tells
// its format. The file is streamed, except under WithStrictAuth: the
// upload is then signed with the payer's credential, over the SHA-256 of
// the whole file, which is read into memory first.
func (s *Server) ImportUsage(ctx context.Context, name string, cur io.Reader) error {
	q := url.Values{"name": {name}, "payer": {s.Payer}}
	req, err := s.uploadRequest(ctx, s.URL+restjson.AdminPrefix+"usage?"+q.Encode(), cur)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(msg, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(msg))
		}
		return fmt.Errorf("proformatest: import %s: %s: %s", name, resp.Status, e.Error)
	}
	return nil
}

// uploadRequest is the POST of body to target: as it streams in
// permissive mode, signed as strict mode wants an upload (over the body's
// SHA-256, declared in X-Amz-Content-Sha256) otherwise.
func (s *Server) uploadRequest(ctx context.Context, target string, body io.Reader) (*http.Request, error) {
	if !s.strict {
		return http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := s.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	return req, v4.NewSigner().SignHTTP(ctx, creds, req, hash, "billingconductor", s.Config.Region, time.Now())
}

// scenarioChanges turns the changes of WithSeed into a change list.
func scenarioChanges(changes []Change) ([]scenario.Change, error) {
	out := make([]scenario.Change, len(changes))
	for i, ch := range changes {
		input, err := inputJSON(ch.Input)
		if err != nil {
			return nil, fmt.Errorf("change %d (%s): input: %w", i, ch.Operation, err)
		}
		out[i] = scenario.Change{Operation: ch.Operation, Input: input}
		if ch.Ref != "" {
			out[i].Output, _ = json.Marshal(map[string]string{"Arn": ch.Ref})
		}
	}
	return out, nil
}

// inputJSON is an input as JSON: json.RawMessage as it is, anything else
// marshaled.
func inputJSON(in any) (json.RawMessage, error) {
	if raw, ok := in.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(in)
}

// testWriter writes a log line with t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
