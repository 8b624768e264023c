package usage

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// How a crash leaves nothing behind.
//
// An import holds a lease on its staging record from its start to its
// commit: the record names the process running the import (see owner) and
// carries a heartbeat, renewed every leaseRenewal in a transaction of its
// own and by every chunk the import stages. Reclaim removes the staged
// chunks and the staging record of every dead import: one whose heartbeat
// is older than leaseExpiry, or that ran on this machine in a process that
// is gone. An import whose staging record was reclaimed has lost its
// lease: its next chunk, renewal or commit fails with errLeaseLost, so it
// never commits manifests that point at removed chunks.
const (
	// leaseExpiry is how old a heartbeat must be for its import to count
	// as dead: six renewals, so that a store busy for a while (another
	// process's long transaction) does not kill a running import. Replicas
	// compare heartbeats written by each other's clocks: their skew must
	// stay well below it.
	leaseExpiry = 30 * time.Second
	// legacyExpiry is that age for staging records written before leases
	// (no heartbeat): as long as such an import may have been running.
	legacyExpiry = 24 * time.Hour
)

// leaseRenewal is the period of an import's heartbeat (a variable so that
// tests can watch renewals).
var leaseRenewal = 5 * time.Second

// errLeaseLost fails an import whose staged data was reclaimed.
var errLeaseLost = errors.New("import abandoned: its staged data was reclaimed by another process, " +
	"which found it dead (no heartbeat for 30s); run the import again")

// dead reports whether the import of a staging record stopped without
// committing or discarding its data.
func (s staging) dead(now time.Time) bool {
	if s.Heartbeat.IsZero() {
		return now.Sub(s.Started) > legacyExpiry
	}
	return now.Sub(s.Heartbeat) > leaseExpiry || s.Owner.gone()
}

// Reclaim removes what dead imports staged (their chunks and staging
// records; see staging.dead, at now) and compacts the store when it
// removed anything. Running imports — of this process, of another process
// on the same store, of another replica on a shared database — are left
// alone. It returns the number of imports reclaimed. Every import calls it
// as it starts, and `proforma serve` as it starts. now is wall-clock time,
// never a pinned billing clock: leases are compared across processes.
func Reclaim(ctx context.Context, store conductor.Store, now time.Time) (int, error) {
	ids, err := deadImports(ctx, store, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		var removed bool
		err := update(ctx, store, func(tx conductor.Tx) (err error) {
			removed, err = dropStaging(tx, id, func(s staging) bool { return s.dead(now) })
			return err
		})
		if err != nil {
			return n, err
		}
		if removed {
			n++
		}
	}
	if n > 0 {
		compact(ctx, store)
	}
	return n, nil
}

// deadImports lists the import IDs of the dead staging records.
func deadImports(ctx context.Context, store conductor.Store, now time.Time) ([]string, error) {
	var ids []string
	err := store.View(ctx, func(tx conductor.Tx) error {
		recs, err := tx.List(blobNS, kindStaging, conductor.Timeless)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var s staging
			if err := json.Unmarshal(r.Data, &s); err != nil {
				return err
			}
			if s.dead(now) {
				ids = append(ids, r.ID)
			}
		}
		return nil
	})
	return ids, err
}

// dropStaging removes an import's staged chunks and staging record when
// the record exists and drop approves; removed reports whether it did.
func dropStaging(tx conductor.Tx, id string, drop func(staging) bool) (removed bool, err error) {
	var s staging
	ok, err := getJSON(tx, blobNS, kindStaging, id, &s)
	if err != nil || !ok || !drop(s) {
		return false, err
	}
	if err := removeBlobs(tx, s.Chunks); err != nil {
		return false, err
	}
	return true, tx.Truncate(blobNS, kindStaging, id, conductor.Timeless)
}

// touch renews the heartbeat of an import's staging record, adding a chunk
// when one is given; errLeaseLost when the record was reclaimed.
func touch(tx conductor.Tx, id string, now time.Time, chunk string) error {
	var s staging
	ok, err := getJSON(tx, blobNS, kindStaging, id, &s)
	if err != nil {
		return err
	}
	if !ok {
		return errLeaseLost
	}
	if chunk != "" && !slices.Contains(s.Chunks, chunk) { // a retried transaction stages again
		s.Chunks = append(s.Chunks, chunk)
	}
	s.Heartbeat = now
	return putJSON(tx, blobNS, kindStaging, id, s)
}

// holdsLease fails with errLeaseLost when an import's staging record was
// reclaimed: the commit checks it in its transaction.
func holdsLease(tx conductor.Tx, id string) error {
	_, ok, err := tx.Get(blobNS, kindStaging, id, conductor.Timeless)
	if err == nil && !ok {
		err = errLeaseLost
	}
	return err
}

// lease is a running import's hold on its staging record.
type lease struct {
	ctx    context.Context // the import's context, cancelled with errLeaseLost when the lease is lost
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the renewals stop
}

// acquireLease writes an import's staging record and starts renewing its
// heartbeat, with the clock now.
func acquireLease(ctx context.Context, store conductor.Store, id string, started time.Time, now func() time.Time) (*lease, error) {
	s := staging{Started: started, Heartbeat: now(), Owner: self()}
	if err := update(ctx, store, func(tx conductor.Tx) error { return putJSON(tx, blobNS, kindStaging, id, s) }); err != nil {
		return nil, err
	}
	l := &lease{done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancelCause(ctx)
	go l.renew(store, id, now)
	return l, nil
}

// renew refreshes the heartbeat every leaseRenewal until the import ends
// or the lease is found lost. A renewal that fails (a busy store) is
// retried at the next tick: the expiry allows several.
func (l *lease) renew(store conductor.Store, id string, now func() time.Time) {
	defer close(l.done)
	tick := time.NewTicker(leaseRenewal)
	defer tick.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-tick.C:
		}
		err := store.Update(l.ctx, func(tx conductor.Tx) error { return touch(tx, id, now(), "") })
		if errors.Is(err, errLeaseLost) {
			l.cancel(errLeaseLost)
			return
		}
	}
}

// release stops the renewals.
func (l *lease) release() {
	l.cancel(context.Canceled)
	<-l.done
}

// failure is the error of an import that failed with err: errLeaseLost
// when the lease was lost meanwhile (whatever failed first), else err.
func (l *lease) failure(err error) error {
	if errors.Is(context.Cause(l.ctx), errLeaseLost) {
		return errLeaseLost
	}
	return err
}

// maxAttempts bounds the retries of a transaction that hit a write conflict.
const maxAttempts = 8

// update runs fn in a write transaction, retrying write conflicts (with
// other replicas' transactions, over a shared database) after a random
// pause that doubles with each attempt.
func update(ctx context.Context, store conductor.Store, fn func(conductor.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := store.Update(ctx, fn)
		if !errors.Is(err, conductor.ErrWriteConflict) || attempt == maxAttempts-1 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(rand.N(time.Millisecond << attempt)):
		}
	}
}

// compacter is a store that returns freed space to the file system on
// request (the SQLite store); PostgreSQL's autovacuum does it on its own.
type compacter interface {
	Compact(ctx context.Context) error
}

// compact asks the store to compact, when it can. It is best effort: a
// failure (a store busy with another process) leaves the space to a later
// compaction and never fails what already succeeded.
func compact(ctx context.Context, store conductor.Store) {
	if c, ok := store.(compacter); ok {
		_ = c.Compact(ctx)
	}
}
