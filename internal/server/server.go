// Package server assembles a Proforma server: the Billing Conductor API,
// Cloud Control, STS, the admin endpoints and the console on one handler,
// with a log line and metrics per request. `proforma serve` runs it behind
// its listener and limits; package proformatest runs it inside a test.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/proforma-dev/proforma/internal/cloudcontrol"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/console"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/sts"
	"github.com/proforma-dev/proforma/internal/usage"
)

// Options configure a Server. Store, Clock and Organization are required.
type Options struct {
	Store        conductor.Store
	Clock        *conductor.PinnableClock
	Organization conductor.Organization
	// Strict verifies every request's SigV4 signature against the
	// organization's credentials; otherwise the access key names the
	// calling account.
	Strict bool
	// Log receives one line per request and the server's events; nil
	// discards them.
	Log *slog.Logger
	// ReportCacheBytes is the memory the cost reports may keep decoded
	// usage in (usage.Engine's cache); 0 = none.
	ReportCacheBytes int64
	// CURLimits bound what one imported CUR may cost.
	CURLimits cur.Limits
	// Upload bounds and checks usage uploads; a nil Check is CheckUpload.
	Upload restjson.Upload
}

// Server is an assembled Proforma server.
type Server struct {
	// Handler serves every endpoint of the server.
	Handler http.Handler
	// Service is the Billing Conductor service behind the API.
	Service *conductor.Service
	// Metrics are the server's metrics, served at /_proforma/metrics.
	Metrics *Metrics

	store conductor.Store
	clock *conductor.PinnableClock
	org   conductor.Organization
	log   *slog.Logger
}

// New assembles a server over opts.Store and records the organization in
// it (conductor.Service.SeedOrganization).
func New(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	svc := conductor.NewService(opts.Store, opts.Clock, nil)
	engine := usage.NewEngineWithCache(opts.ReportCacheBytes)
	svc.SetUsageEngine(engine)
	if err := svc.SeedOrganization(ctx, opts.Organization); err != nil {
		return nil, fmt.Errorf("seed organization: %w", err)
	}
	s := &Server{Service: svc, Metrics: NewMetrics(opts.Store, svc), store: opts.Store, clock: opts.Clock,
		org: opts.Organization, log: log}
	s.Handler = observe(log, s.Metrics, s.routes(opts, engine))
	return s, nil
}

// routes is the server's handler: the admin endpoints, the console, and on
// every other path STS, Cloud Control or the Billing Conductor API.
func (s *Server) routes(opts Options, engine conductor.UsageEngine) http.Handler {
	org := opts.Organization
	identity := restjson.Identity{Strict: opts.Strict, DefaultPayer: org.DefaultPayer(), Keys: restjson.NewKeys(org)}
	upload := opts.Upload
	if upload.Check == nil {
		upload.Check = CheckUpload
	}
	imports := importer{svc: s.Service, store: s.store, limits: opts.CURLimits, log: s.log, metrics: s.Metrics}
	upload.Refused = imports.refused
	admin := &restjson.Admin{Service: s.Service, Clock: s.clock, Organization: org, DefaultPayer: org.DefaultPayer(),
		Identity: identity, Upload: upload, ImportUsage: imports.file, ImportSource: imports.source,
		ExportUsage: usageExporter(s.Service, s.store), ListUsage: usageLister(s.store),
		Scenarios: scenario.NewManager(s.store, s.clock, engine, usage.SharedKinds), Log: s.log, Metrics: s.Metrics.Handler()}
	api, query := restjson.New(s.Service, identity, s.log), &sts.Handler{Identity: identity}
	control := cloudcontrol.New(s.Service, identity, s.log)
	mux := http.NewServeMux()
	mux.Handle(restjson.AdminPrefix, admin.Handler())
	mux.Handle(console.Prefix, console.New())
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case console.IsBrowserHome(r):
			http.Redirect(w, r, console.Prefix, http.StatusFound)
		case sts.IsQuery(r): // STS GetCallerIdentity, on the same port
			query.ServeHTTP(w, r)
		case cloudcontrol.IsTarget(r): // Cloud Control API, on the same port
			control.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	}))
	return mux
}
