// Package scenario is Proforma's what-if: a scenario is a branch of one
// payer's configuration (billing groups, memberships, plans, rules, custom
// line items, tags) that the whole Billing Conductor API can change
// without touching live state, priced over the payer's imported usage.
//
// # How a branch is stored
//
// A scenario's records live in a namespace of their own, a copy of the
// payer's made in one statement when the scenario is created
// (conductor.Tx.CopyNamespace): every version, so the branch reads like
// live for every period up to its own. The imported usage is not copied:
// its kinds (Manager's shared kinds) are read from the payer's namespace,
// so a re-import reaches every scenario and no scenario can change it.
// A scenario's Service sees the branch through a store that redirects the
// payer's namespace (see branch), with the payer's ARNs and IDs unchanged,
// and a clock that stops at the end of the scenario's billing period: a
// past month is edited as at its last second, never live. Deleting a
// scenario removes its namespace.
package scenario

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Scenario is a branch of one payer's configuration as of one billing
// period.
type Scenario struct {
	ID            string
	Name          string
	Payer         string
	BillingPeriod conductor.Period
	CreatedAt     time.Time
}

// namespace is where the scenario's records live: never a payer's
// namespace (those are 12-digit account IDs).
func (s Scenario) namespace() string { return "scenario/" + s.Payer + "/" + s.ID }

// kindScenario is a scenario's own record: ns "", id payer/scenario ID.
const kindScenario = "scenario"

func recordID(payer, id string) string { return payer + "/" + id }

// Manager creates, finds and deletes the scenarios of a store, and gives
// each its Service.
type Manager struct {
	store  conductor.Store
	clock  conductor.Clock
	usage  conductor.UsageEngine
	shared map[string]bool
}

// NewManager returns the Manager of store's scenarios. clock is the live
// clock, usage the engine that prices the cost reports, shared the kinds
// of the payer's namespace every scenario reads from live, never copies
// (the imported usage: usage.SharedKinds).
func NewManager(store conductor.Store, clock conductor.Clock, usage conductor.UsageEngine, shared []string) *Manager {
	if clock == nil {
		clock = conductor.SystemClock{}
	}
	m := &Manager{store: store, clock: clock, usage: usage, shared: map[string]bool{}}
	for _, k := range shared {
		m.shared[k] = true
	}
	return m
}

// MaxNameLength bounds a scenario's name.
const MaxNameLength = 128

// QuotaScenarios bounds a payer's scenarios: each is a copy of the payer's
// configuration, so their number bounds what one payer can make the store
// hold.
var QuotaScenarios = conductor.Quota{Code: "L-PROFORMA-SCENARIOS", Description: "what-if scenarios per payer account", Limit: 100}

// Create branches the caller's configuration as of period ("" = the
// current one; a future period is refused) into a new scenario.
func (m *Manager) Create(ctx context.Context, c conductor.Caller, name, period string) (Scenario, error) {
	if name == "" || utf8.RuneCountInString(name) > MaxNameLength || !utf8.ValidString(name) {
		return Scenario{}, conductor.InvalidField("Name", fmt.Sprintf("A scenario's name is 1 to %d characters.", MaxNameLength))
	}
	p, err := m.period(period)
	if err != nil {
		return Scenario{}, err
	}
	sc := Scenario{ID: newID(), Name: name, Payer: c.Account, BillingPeriod: p, CreatedAt: m.clock.Now().UTC().Truncate(time.Second)}
	data, err := json.Marshal(sc)
	if err != nil {
		return Scenario{}, err
	}
	err = m.store.Update(ctx, func(tx conductor.Tx) error {
		held, err := tx.ListRange("", kindScenario, conductor.Timeless,
			conductor.Range{Prefix: sc.Payer + "/", Limit: QuotaScenarios.Limit})
		if err != nil {
			return err
		}
		if len(held) >= QuotaScenarios.Limit {
			return conductor.LimitExceeded(QuotaScenarios, "scenario", sc.ID)
		}
		if err := tx.CopyNamespace(sc.Payer, sc.namespace(), m.sharedKinds()); err != nil {
			return err
		}
		return tx.Put("", kindScenario, recordID(sc.Payer, sc.ID), conductor.Timeless, data)
	})
	return sc, err
}

// period resolves a scenario's billing period: "" is the live clock's;
// a future one is ILLEGAL_BILLING_PERIOD.
func (m *Manager) period(s string) (conductor.Period, error) {
	current := conductor.PeriodOf(m.clock.Now())
	if s == "" {
		return current, nil
	}
	p, ok := conductor.ParsePeriod(s)
	if !ok {
		return "", conductor.InvalidField("BillingPeriod", "Billing period must be of the form YYYY-MM.")
	}
	if p > current {
		return "", conductor.Invalid("ILLEGAL_BILLING_PERIOD",
			"Billing period %s is in the future; the current billing period is %s.", p, current)
	}
	return p, nil
}

func (m *Manager) sharedKinds() []string {
	kinds := make([]string, 0, len(m.shared))
	for k := range m.shared {
		kinds = append(kinds, k)
	}
	return kinds
}

// Get returns the caller's scenario id; another payer's is not found, as
// if it did not exist.
func (m *Manager) Get(ctx context.Context, c conductor.Caller, id string) (Scenario, error) {
	var sc Scenario
	var ok bool
	err := m.store.View(ctx, func(tx conductor.Tx) error {
		var err error
		sc, ok, err = get(tx, c.Account, id)
		return err
	})
	if err == nil && !ok {
		err = conductor.NotFound("scenario", id)
	}
	return sc, err
}

func get(tx conductor.Tx, payer, id string) (Scenario, bool, error) {
	if id == "" || strings.Contains(id, "/") {
		return Scenario{}, false, nil
	}
	data, ok, err := tx.Get("", kindScenario, recordID(payer, id), conductor.Timeless)
	if err != nil || !ok {
		return Scenario{}, false, err
	}
	var sc Scenario
	return sc, true, json.Unmarshal(data, &sc)
}

// List returns the caller's scenarios, oldest first (by ID within a
// second).
func (m *Manager) List(ctx context.Context, c conductor.Caller) ([]Scenario, error) {
	out := []Scenario{}
	err := m.store.View(ctx, func(tx conductor.Tx) error {
		recs, err := tx.ListRange("", kindScenario, conductor.Timeless, conductor.Range{Prefix: c.Account + "/"})
		for _, r := range recs {
			var sc Scenario
			if err := json.Unmarshal(r.Data, &sc); err != nil {
				return err
			}
			out = append(out, sc)
		}
		return err
	})
	slices.SortFunc(out, func(a, b Scenario) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// Delete removes the caller's scenario id and every record of its branch.
func (m *Manager) Delete(ctx context.Context, c conductor.Caller, id string) error {
	return m.store.Update(ctx, func(tx conductor.Tx) error {
		sc, ok, err := get(tx, c.Account, id)
		if err != nil {
			return err
		}
		if !ok {
			return conductor.NotFound("scenario", id)
		}
		if err := tx.DeleteNamespace(sc.namespace()); err != nil {
			return err
		}
		return tx.Truncate("", kindScenario, recordID(sc.Payer, sc.ID), conductor.Timeless)
	})
}

// Service is the Billing Conductor service of a scenario: the API over its
// branch, with the scenario's clock.
func (m *Manager) Service(sc Scenario) *conductor.Service {
	b := &branch{base: m.store, payer: sc.Payer, ns: sc.namespace(), shared: m.shared}
	svc := conductor.NewService(b, periodClock{live: m.clock, period: sc.BillingPeriod}, nil)
	if m.usage != nil {
		svc.SetUsageEngine(m.usage)
	}
	return svc
}

// newID returns a scenario ID: "scn-" and 16 lower-case base-32 characters.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return "scn-" + string(b)
}

// periodClock is a scenario's clock: the live one while it is in the
// scenario's period; after it, the period's last second; before it (a
// live clock pinned back), the period's first.
type periodClock struct {
	live   conductor.Clock
	period conductor.Period
}

func (c periodClock) Now() time.Time {
	now, start, end := c.live.Now(), c.period.Start(), c.period.Next().Start()
	switch {
	case now.Before(start):
		return start
	case now.Before(end):
		return now
	}
	return end.Add(-time.Second)
}
