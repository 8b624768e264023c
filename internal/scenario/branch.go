package scenario

import (
	"context"
	"errors"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// branch is the store a scenario's Service runs on: the base store with
// the payer's namespace redirected to the scenario's, except the shared
// kinds (the imported usage), which stay the payer's. Other namespaces
// (the organization's payers, ns "") and blobs are the base store's.
type branch struct {
	base   conductor.Store
	payer  string
	ns     string
	shared map[string]bool
}

func (b *branch) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	return b.base.Update(ctx, func(tx conductor.Tx) error { return fn(branchTx{tx, b}) })
}

func (b *branch) View(ctx context.Context, fn func(conductor.Tx) error) error {
	return b.base.View(ctx, func(tx conductor.Tx) error { return fn(branchTx{tx, b}) })
}

// Close does nothing: the base store is the server's.
func (b *branch) Close() error { return nil }

// at is the namespace a record of ns and kind is read and written in.
func (b *branch) at(ns, kind string) string {
	if ns == b.payer && !b.shared[kind] {
		return b.ns
	}
	return ns
}

// branchTx is a transaction of the base store seen through a branch.
type branchTx struct {
	conductor.Tx
	b *branch
}

// errBranch refuses what a scenario must never do to the store.
var errBranch = errors.New("scenario: not allowed in a scenario")

func (t branchTx) Get(ns, kind, id string, at conductor.Period) ([]byte, bool, error) {
	return t.Tx.Get(t.b.at(ns, kind), kind, id, at)
}

func (t branchTx) List(ns, kind string, at conductor.Period) ([]conductor.Record, error) {
	return t.Tx.List(t.b.at(ns, kind), kind, at)
}

func (t branchTx) ListRange(ns, kind string, at conductor.Period, r conductor.Range) ([]conductor.Record, error) {
	return t.Tx.ListRange(t.b.at(ns, kind), kind, at, r)
}

func (t branchTx) Count(ns, kind string, at conductor.Period) (int, error) {
	return t.Tx.Count(t.b.at(ns, kind), kind, at)
}

// CountEach counts kind by kind: each may live in another namespace.
func (t branchTx) CountEach(ns string, kinds []string, at conductor.Period) ([]int, error) {
	counts := make([]int, len(kinds))
	for i, kind := range kinds {
		var err error
		if counts[i], err = t.Count(ns, kind, at); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

func (t branchTx) Put(ns, kind, id string, from conductor.Period, data []byte) error {
	if t.b.shared[kind] && ns == t.b.payer {
		return errBranch
	}
	return t.Tx.Put(t.b.at(ns, kind), kind, id, from, data)
}

func (t branchTx) Delete(ns, kind, id string, from conductor.Period) error {
	if t.b.shared[kind] && ns == t.b.payer {
		return errBranch
	}
	return t.Tx.Delete(t.b.at(ns, kind), kind, id, from)
}

func (t branchTx) Versions(ns, kind, id string) ([]conductor.Version, error) {
	return t.Tx.Versions(t.b.at(ns, kind), kind, id)
}

func (t branchTx) Truncate(ns, kind, id string, from conductor.Period) error {
	if t.b.shared[kind] && ns == t.b.payer {
		return errBranch
	}
	return t.Tx.Truncate(t.b.at(ns, kind), kind, id, from)
}

// The store-wide and blob writes are refused: a scenario changes its own
// records only.
func (t branchTx) DeleteAll() error                             { return errBranch }
func (t branchTx) CopyNamespace(string, string, []string) error { return errBranch }
func (t branchTx) DeleteNamespace(string) error                 { return errBranch }
func (t branchTx) PutBlob(string, []byte) error                 { return errBranch }
func (t branchTx) DeleteBlob(string) error                      { return errBranch }
