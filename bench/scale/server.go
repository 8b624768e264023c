package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

const (
	payerID   = "123456789012"
	maxGroups = 5000 // conductor.QuotaBillingGroups
	spares    = 4    // linked accounts in no billing group, for AssociateAccounts
)

// now is the pinned clock: its month is the billing period of everything
// created and of the imported CUR.
var now = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

// period is the billing period of now, as the API writes it.
const period = "2026-10"

// server is the proforma handler in-process, on a loopback listener.
type server struct {
	srv    *httptest.Server
	store  *sqlite.Store
	svc    *conductor.Service
	client *bc.Client
	// scenarios is the what-if Manager over the same store, clock and
	// engine, as cmd/proforma builds it.
	scenarios *scenario.Manager
	// coldScenarios is a Manager over the same store with an engine of its
	// own, empty: what a compare costs when nothing is cached yet.
	coldScenarios func() *scenario.Manager
	dir           string // the store's temporary directory; "" in memory
}

// newServer assembles the handler as cmd/proforma does, over a fresh
// SQLite store (in memory or in a temporary directory) seeded with an
// organization of one payer and accounts linked accounts.
func newServer(ctx context.Context, storage string, accounts int, cacheBytes int64) (*server, error) {
	s := &server{}
	dsn := sqlite.Memory
	if storage == "disk" {
		dir, err := os.MkdirTemp("", "proforma-bench-scale-")
		if err != nil {
			return nil, err
		}
		s.dir, dsn = dir, dir
	}
	store, err := sqlite.Open(dsn)
	if err != nil {
		s.close()
		return nil, err
	}
	s.store = store
	org := organization(accounts)
	clock := &conductor.PinnableClock{}
	clock.Pin(now)
	s.svc = conductor.NewService(store, clock, nil)
	engine := usage.NewEngineWithCache(cacheBytes)
	s.svc.SetUsageEngine(engine)
	s.scenarios = scenario.NewManager(store, clock, engine, usage.SharedKinds)
	s.coldScenarios = func() *scenario.Manager {
		return scenario.NewManager(store, clock, usage.NewEngineWithCache(cacheBytes), usage.SharedKinds)
	}
	if err := s.svc.SeedOrganization(ctx, org); err != nil {
		s.close()
		return nil, fmt.Errorf("seed organization: %w", err)
	}
	s.srv = httptest.NewServer(handler(s.svc, clock, org))
	s.client = harness.NewClient(s.srv.URL, payerID)
	return s, nil
}

// handler is cmd/proforma's handler in permissive auth.
func handler(svc *conductor.Service, clock *conductor.PinnableClock, org conductor.Organization) http.Handler {
	identity := restjson.Identity{DefaultPayer: org.DefaultPayer()}
	admin := &restjson.Admin{Service: svc, Clock: clock, Organization: org, DefaultPayer: org.DefaultPayer(), Identity: identity}
	mux := http.NewServeMux()
	mux.Handle(restjson.AdminPrefix, admin.Handler())
	mux.Handle("/", restjson.New(svc, identity, nil))
	return mux
}

// close stops the server and removes the store.
func (s *server) close() {
	if s.srv != nil {
		s.srv.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// organization is one payer with n linked accounts, account(0)…account(n-1).
func organization(n int) conductor.Organization {
	seed := conductor.PayerSeed{Payer: conductor.Payer{ID: payerID, Name: "Scale payer"}}
	for i := range n {
		seed.Accounts = append(seed.Accounts, conductor.Account{ID: account(i), Name: "Linked " + account(i)})
	}
	return conductor.Organization{Payers: []conductor.PayerSeed{seed}}
}

// account is the ID of the i-th linked account.
func account(i int) string { return fmt.Sprintf("%012d", 300000000001+i) }
