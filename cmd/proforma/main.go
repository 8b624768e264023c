// Command proforma is an open implementation of the AWS Billing Conductor
// service. `proforma serve` runs the API server on an embedded store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/orgfile"
	"github.com/proforma-dev/proforma/internal/postgres"
	"github.com/proforma-dev/proforma/internal/server"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

const helpText = `Proforma — an open implementation of the AWS Billing Conductor API.

Usage:
  proforma serve [flags]     run the API server (see 'proforma serve -h')
  proforma import PATH...    load a payer's Cost and Usage Report (files, folders, s3://bucket/prefix)
  proforma report            print each billing group's pro forma margin
  proforma export            write a billing group's pro forma (CSV, Parquet or FOCUS)
  proforma whatif            apply a change list to a throwaway scenario and compare it with live
  proforma backup --out DIR  copy the store, even while a server runs on it
  proforma version           the version, commit and Go toolchain (also --version)
  proforma help              show this help
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }() // after the first signal, a second one stops at once (the default action)
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "proforma:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 { // a command is needed: the help, as a usage error
		fmt.Fprint(stderr, helpText)
		return flag.ErrHelp
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, helpText)
		return nil
	}
	switch args[0] {
	case "version", "--version", "-version":
		return printVersion(stdout)
	case "serve":
		m := NewMain(stderr)
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		defer m.Close()
		return m.Run(ctx)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "report":
		return runReport(ctx, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], stdout, stderr)
	case "whatif":
		return runWhatif(ctx, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, helpText)
	return fmt.Errorf("unknown command %q", args[0])
}

// Config is the configuration of `proforma serve`.
type Config struct {
	Addr    string      // listen address
	DataDir string      // embedded store directory, or ":memory:"
	OrgFile string      // organization seed (YAML); "" = the demo organization
	Auth    string      // "permissive" or "strict"
	Now     string      // pin the clock at this time; "" = real time
	Limits  Limits      // timeouts, connection cap, upload policy (server.go)
	Input   inputLimits // CSV limits of uploaded CURs
	// ReportCache is the memory budget of the cost reports' decoded usage
	// (usage.Engine's cache); 0 = no cache.
	ReportCache byteSize
	// SeedFile is a change list applied when the store was never seeded.
	SeedFile string
	// ShutdownTimeout is how long a stop (SIGTERM, SIGINT) waits for the
	// requests in flight before giving up on them.
	ShutdownTimeout time.Duration
}

// Main is the `proforma serve` program: its configuration, store and server.
type Main struct {
	Config Config
	Store  conductor.Store
	Server *http.Server
	Clock  *conductor.PinnableClock

	log      *slog.Logger
	stderr   io.Writer
	listener net.Listener
}

// NewMain returns a Main with the default configuration.
func NewMain(stderr io.Writer) *Main {
	return &Main{
		Config: Config{Addr: "127.0.0.1:4599", DataDir: defaultDataDir(), Auth: "permissive", Limits: defaultLimits(),
			Input: defaultInputLimits(), ReportCache: usage.DefaultCacheBytes, ShutdownTimeout: 30 * time.Second},
		Clock:  &conductor.PinnableClock{},
		log:    slog.New(slog.NewTextHandler(stderr, nil)),
		stderr: stderr,
	}
}

// ParseFlags reads the serve flags.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("proforma serve", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "listen address (host:port; port 0 picks a free port)")
	dataFlag(fs, &m.Config.DataDir, "`DIR` of the embedded store, :memory: for a throwaway store, or a postgres:// URL shared by several replicas"+dataFlagHelp)
	fs.StringVar(&m.Config.OrgFile, "org", m.Config.OrgFile, "organization `FILE` (YAML or JSON); default: the demo organization")
	fs.StringVar(&m.Config.Auth, "auth", m.Config.Auth, "permissive (access key = account) or strict (verify SigV4)")
	fs.StringVar(&m.Config.Now, "now", m.Config.Now, "pin the clock at this time (RFC 3339 or YYYY-MM-DD)")
	fs.StringVar(&m.Config.SeedFile, "seed", "", "a change list (JSON or YAML: [{Operation, Input}], as a scenario's changes) applied for the "+
		"default payer the first time the store starts; later starts skip it")
	fs.DurationVar(&m.Config.ShutdownTimeout, "shutdown-timeout", m.Config.ShutdownTimeout,
		"on SIGTERM or SIGINT, how long to wait for the requests in flight (uploads included) before stopping anyway; a second signal stops at once")
	logFormat := fs.String("log-format", "text", "log lines as text or json (one line per request, and the server's events)")
	m.Config.Limits.addFlags(fs)
	m.Config.Input.addFlags(fs)
	fs.Var(&m.Config.ReportCache, "report-cache", "memory `size` the cost reports may keep decoded usage in, e.g. 2GiB "+
		"(0 = none): a payer's aggregates that fit are priced without reading the store")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *logFormat {
	case "text":
	case "json":
		m.log = slog.New(slog.NewJSONHandler(m.stderr, nil))
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", *logFormat)
	}
	if m.Config.Auth != "permissive" && m.Config.Auth != "strict" {
		return fmt.Errorf("--auth must be permissive or strict, not %q", m.Config.Auth)
	}
	if err := m.Config.Limits.check(); err != nil {
		return err
	}
	if m.Config.Now != "" {
		t, err := parseTime(m.Config.Now)
		if err != nil {
			return fmt.Errorf("--now: %w", err)
		}
		m.Clock.Pin(t)
	}
	return nil
}

// Run opens the store, seeds the organization and serves until ctx ends.
func (m *Main) Run(ctx context.Context) error {
	org, err := m.open(ctx)
	if err != nil {
		return err
	}
	m.warnUnsafe(org)
	srv, err := server.New(ctx, server.Options{Store: m.Store, Clock: m.Clock, Organization: org,
		Strict: m.Config.Auth == "strict", Log: m.log, ReportCacheBytes: int64(m.Config.ReportCache),
		CURLimits: m.Config.Input.curLimits(), Upload: m.uploadPolicy()})
	if err != nil {
		return err
	}
	if err := m.seed(ctx, srv); err != nil {
		return err
	}
	m.Server = m.newServer(srv)
	if m.listener, err = m.listen(srv.Metrics); err != nil {
		return err
	}
	m.log.Info("proforma listening", "url", "http://"+m.listener.Addr().String(), "data", redactDSN(m.Config.DataDir),
		"auth", m.Config.Auth, "billingPeriod", srv.Service.CurrentPeriod())
	return m.serve(ctx)
}

// open opens the store (m.Store) and reclaims interrupted imports while
// the organization is decoded, which at reseller scale (10,000 accounts) is
// most of a start whose seeding is skipped. An error of the organization
// file is reported first, though the store may have been created by then.
func (m *Main) open(ctx context.Context) (conductor.Organization, error) {
	type loaded struct {
		org conductor.Organization
		err error
	}
	orgc := make(chan loaded, 1)
	go func() {
		org, err := m.organization()
		orgc <- loaded{org, err}
	}()
	store, err := openStore(ctx, m.Config.DataDir, false)
	if err == nil {
		m.Store = store
		err = m.reclaim(ctx)
	}
	l := <-orgc
	if l.err != nil {
		return l.org, l.err
	}
	return l.org, err
}

// organization returns the organization of --org, or the demo organization.
func (m *Main) organization() (conductor.Organization, error) {
	if m.Config.OrgFile == "" {
		return conductor.DemoOrganization(), nil
	}
	return orgfile.Load(m.Config.OrgFile)
}

func (m *Main) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.Server.Serve(m.listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	grace := m.Config.ShutdownTimeout
	m.log.Info("stopping: no new connections; finishing the requests in flight", "grace", grace.String())
	shutdown, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := m.Server.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stopping: requests still running after %s: %w", grace, err)
	}
	m.log.Info("stopped: every request answered")
	return nil
}

// Close releases the store.
func (m *Main) Close() error {
	if m.Store != nil {
		return m.Store.Close()
	}
	return nil
}

// openStore opens the store of --data: a PostgreSQL database for a
// postgres:// URL (several replicas may share it), else the embedded
// SQLite store in a directory, or in memory for :memory:. A readOnly store
// writes nothing, so a copy nobody may write works (sqlite.OpenReadOnly),
// and so does a PostgreSQL role that may only read. A readOnly open of a
// directory without a store fails, naming it, and creates nothing.
func openStore(ctx context.Context, data string, readOnly bool) (conductor.Store, error) {
	var store conductor.Store
	var err error
	switch pg := postgres.IsDSN(data); {
	case pg && readOnly:
		store, err = postgres.OpenReadOnly(ctx, data)
	case pg:
		store, err = postgres.Open(ctx, data)
	case readOnly:
		store, err = sqlite.OpenReadOnly(data)
	default:
		store, err = sqlite.Open(data)
	}
	if errors.Is(err, sqlite.ErrNoStore) { // read-only: nothing was created
		return nil, fmt.Errorf("no Proforma store at %s (start with proforma import --data %[1]s or proforma serve --data %[1]s)", data)
	}
	if err != nil {
		return nil, storeError(data, err)
	}
	return store, nil
}

// redactDSN hides a PostgreSQL URL's passwords for logs and errors.
func redactDSN(data string) string {
	if postgres.IsDSN(data) {
		return postgres.Redact(data)
	}
	return data
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}
