package conductor_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// memoryStore opens an empty in-memory SQLite store, closed when the test ends.
func memoryStore(tb testing.TB) conductor.Store {
	tb.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return store
}

// seededService is a Service over store, its clock pinned at at, with org seeded.
func seededService(tb testing.TB, store conductor.Store, org conductor.Organization, at time.Time) (*conductor.Service, *conductor.PinnableClock) {
	tb.Helper()
	clock := &conductor.PinnableClock{}
	clock.Pin(at)
	svc := conductor.NewService(store, clock, nil)
	if err := svc.SeedOrganization(context.Background(), org); err != nil {
		tb.Fatal(err)
	}
	return svc, clock
}

// readCounter wraps a Store and counts the record versions its
// transactions return, so that a test can show an operation's reads do
// not grow with state the operation does not return.
type readCounter struct {
	conductor.Store
	n atomic.Int64
}

func (r *readCounter) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	return r.Store.Update(ctx, func(tx conductor.Tx) error { return fn(readCountingTx{tx, &r.n}) })
}

func (r *readCounter) View(ctx context.Context, fn func(conductor.Tx) error) error {
	return r.Store.View(ctx, func(tx conductor.Tx) error { return fn(readCountingTx{tx, &r.n}) })
}

// reads runs f and returns the number of record versions it read.
func (r *readCounter) reads(f func()) int64 {
	before := r.n.Load()
	f()
	return r.n.Load() - before
}

type readCountingTx struct {
	conductor.Tx
	n *atomic.Int64
}

func (t readCountingTx) Get(ns, kind, id string, at conductor.Period) ([]byte, bool, error) {
	data, ok, err := t.Tx.Get(ns, kind, id, at)
	if ok {
		t.n.Add(1)
	}
	return data, ok, err
}

func (t readCountingTx) List(ns, kind string, at conductor.Period) ([]conductor.Record, error) {
	recs, err := t.Tx.List(ns, kind, at)
	t.n.Add(int64(len(recs)))
	return recs, err
}

func (t readCountingTx) ListRange(ns, kind string, at conductor.Period, r conductor.Range) ([]conductor.Record, error) {
	recs, err := t.Tx.ListRange(ns, kind, at, r)
	t.n.Add(int64(len(recs)))
	return recs, err
}

func (t readCountingTx) Versions(ns, kind, id string) ([]conductor.Version, error) {
	vs, err := t.Tx.Versions(ns, kind, id)
	t.n.Add(int64(len(vs)))
	return vs, err
}
