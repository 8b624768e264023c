package conductor_test

import (
	"context"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// countingStore counts the write transactions and the writes they make.
type countingStore struct {
	conductor.Store
	updates, writes int
}

func (s *countingStore) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	s.updates++
	return s.Store.Update(ctx, func(tx conductor.Tx) error { return fn(&countingTx{Tx: tx, writes: &s.writes}) })
}

// reset forgets the counts so far.
func (s *countingStore) reset() { s.updates, s.writes = 0, 0 }

type countingTx struct {
	conductor.Tx
	writes *int
}

func (t *countingTx) Put(ns, kind, id string, from conductor.Period, data []byte) error {
	*t.writes++
	return t.Tx.Put(ns, kind, id, from, data)
}

func (t *countingTx) Delete(ns, kind, id string, from conductor.Period) error {
	*t.writes++
	return t.Tx.Delete(ns, kind, id, from)
}

func (t *countingTx) DeleteAll() error {
	*t.writes++
	return t.Tx.DeleteAll()
}

// seedEnv is one store and a way to "restart" over it: every start is a
// new Service seeding the organization, as `proforma serve` does.
type seedEnv struct {
	t     *testing.T
	ctx   context.Context
	store *countingStore
	clock *conductor.PinnableClock
}

func newSeedEnv(t *testing.T) *seedEnv {
	t.Helper()
	store := memoryStore(t)
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	return &seedEnv{t: t, ctx: context.Background(), store: &countingStore{Store: store}, clock: clock}
}

// start seeds org as a server start does and returns the service and the
// number of writes the seeding made.
func (e *seedEnv) start(org conductor.Organization) (*conductor.Service, int) {
	e.t.Helper()
	e.store.reset()
	svc := conductor.NewService(e.store, e.clock, nil)
	if err := svc.SeedOrganization(e.ctx, org); err != nil {
		e.t.Fatal(err)
	}
	return svc, e.store.writes
}

// account returns the stored account of the payer's family.
func (e *seedEnv) account(svc *conductor.Service, payer, id string) (conductor.Account, bool) {
	e.t.Helper()
	accounts, err := svc.OrganizationAccounts(e.ctx, payer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range accounts {
		if a.ID == id {
			return a, true
		}
	}
	return conductor.Account{}, false
}

const (
	seedPayer   = "123456789012"
	seedAccount = "100000000001" // a linked account of the demo organization
)

func TestSeedOrganizationSkipsUnchangedOrganization(t *testing.T) {
	e := newSeedEnv(t)
	if _, n := e.start(conductor.DemoOrganization()); n == 0 {
		t.Fatal("first seeding wrote nothing")
	}
	if _, n := e.start(conductor.DemoOrganization()); n != 0 || e.store.updates != 0 {
		t.Errorf("seeding the same organization again: %d writes in %d write transactions, want none", n, e.store.updates)
	}

	rekeyed := conductor.DemoOrganization() // credentials are never stored: not a change
	rekeyed.Payers[0].Payer.Credentials[0].SecretAccessKey = "another-secret"
	if _, n := e.start(rekeyed); n != 0 {
		t.Errorf("seeding with other credentials only: %d writes, want none", n)
	}

	renamed := conductor.DemoOrganization()
	renamed.Payers[0].Accounts[0].Name = "Renamed"
	svc, n := e.start(renamed)
	if n == 0 {
		t.Fatal("a changed organization was not seeded")
	}
	if a, _ := e.account(svc, seedPayer, seedAccount); a.Name != "Renamed" {
		t.Errorf("account name after seeding a changed organization = %q, want Renamed", a.Name)
	}
	if _, n := e.start(renamed); n != 0 {
		t.Errorf("seeding the changed organization again: %d writes, want none", n)
	}
}

// A store written before the digest existed is seeded at the next start.
func TestSeedOrganizationWithoutDigest(t *testing.T) {
	e := newSeedEnv(t)
	e.start(conductor.DemoOrganization())
	err := e.store.Store.Update(e.ctx, func(tx conductor.Tx) error {
		return tx.Truncate("", "orgseed", "organization", conductor.Timeless)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, n := e.start(conductor.DemoOrganization()); n == 0 {
		t.Error("a store without the seeding digest was not seeded")
	}
}

// Run-time changes to accounts the file names are undone by the next start,
// as they were before seeding could be skipped; additions are kept and do
// not cost the next start a seeding.
func TestSeedOrganizationAfterRuntimeChanges(t *testing.T) {
	e := newSeedEnv(t)
	org := conductor.DemoOrganization()
	svc, _ := e.start(org)

	if err := svc.LeaveAccount(e.ctx, seedPayer, seedAccount); err != nil {
		t.Fatal(err)
	}
	svc, n := e.start(org)
	if n == 0 {
		t.Fatal("the start after LeaveAccount of a file account skipped seeding")
	}
	if a, _ := e.account(svc, seedPayer, seedAccount); a.Left != nil {
		t.Errorf("file account after a restart: Left = %v, want the file's (none)", a.Left)
	}

	const joined, imported = "300000000001", "300000000002"
	if err := svc.JoinAccount(e.ctx, seedPayer, conductor.Account{ID: joined}); err != nil {
		t.Fatal(err)
	}
	noop := func(conductor.Tx) error { return nil }
	if _, err := svc.ImportUsage(e.ctx, seedPayer, []string{imported}, noop); err != nil {
		t.Fatal(err)
	}
	svc, n = e.start(org)
	if n != 0 {
		t.Errorf("the start after new accounts joined wrote %d records, want none", n)
	}
	for _, id := range []string{joined, imported} {
		if _, ok := e.account(svc, seedPayer, id); !ok {
			t.Errorf("account %s added at run time is gone after a restart", id)
		}
	}

	if err := svc.JoinAccount(e.ctx, seedPayer, conductor.Account{ID: seedAccount, Name: "Rejoined"}); err != nil {
		t.Fatal(err)
	}
	svc, n = e.start(org)
	if a, _ := e.account(svc, seedPayer, seedAccount); n == 0 || a.Name != "Linked "+seedAccount {
		t.Errorf("the start after a file account was replaced: %d writes, name %q; want a seeding and the file's name", n, a.Name)
	}
}

// Reset seeds whatever the digest says and leaves it consistent: the next
// start with the same organization is skipped.
func TestResetSeedsAgain(t *testing.T) {
	e := newSeedEnv(t)
	org := conductor.DemoOrganization()
	svc, _ := e.start(org)
	c := conductor.Caller{Account: seedPayer}
	if _, err := svc.CreatePricingPlan(e.ctx, c, conductor.CreatePricingPlanInput{Name: "plan"}); err != nil {
		t.Fatal(err)
	}
	e.store.reset()
	if err := svc.Reset(e.ctx, org); err != nil {
		t.Fatal(err)
	}
	if e.store.writes < 2 {
		t.Errorf("Reset over an unchanged organization made %d writes, want the erase and a seeding", e.store.writes)
	}
	if _, ok := e.account(svc, seedPayer, seedAccount); !ok {
		t.Errorf("account %s missing after Reset", seedAccount)
	}
	if _, n := e.start(org); n != 0 {
		t.Errorf("the start after Reset wrote %d records, want none", n)
	}
}
