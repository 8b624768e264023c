// Package groupcommit lets concurrent write transactions share one durable
// commit. A store's Update hands its function to a Queue; whichever caller
// finds the writer free becomes the leader: it takes every function queued
// so far (its own among them, unless an earlier leader took it), runs them
// one after the other in one database transaction, each inside a savepoint
// of its own, commits once, and then answers each caller. So a busy store
// pays one commit (one fsync) for many requests, and an idle one answers a
// lone request as before.
//
// The contract each caller sees is Update's: its function's changes are
// durable when Update returns nil; when its function fails, its changes
// alone are undone and the others' are kept. Functions run in the order
// they were queued, each seeing the changes of those before it, as if they
// had run one by one. A failure of the batch itself (the commit, a broken
// transaction, a write conflict) fails every function of the batch, so no
// caller is answered on the strength of changes that were not committed.
package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/parallel"
)

// MaxBatch bounds the functions of one commit, so that one batch's
// transaction stays short.
const MaxBatch = 128

// Batch is one database transaction of a leader.
type Batch interface {
	// Apply runs fn on the transaction and returns its error as the store
	// reports errors (a conflict is conductor.ErrWriteConflict). fn's
	// statements must not be cancelled midway, as an interrupted statement
	// may undo the whole transaction (SQLite): the Queue checks the
	// caller's context before fn runs, not during.
	Apply(fn func(conductor.Tx) error) error
	// Exec runs one of SavepointStatements on the transaction.
	Exec(stmt string) error
	Commit() error
	Rollback() error
}

// The statements Batch.Exec runs: every one of them, so that a store may
// prepare them once.
const (
	Savepoint  = "SAVEPOINT member"
	RollbackTo = "ROLLBACK TO SAVEPOINT member"
	Release    = "RELEASE SAVEPOINT member"
)

// SavepointStatements are the statements Batch.Exec runs.
var SavepointStatements = []string{Savepoint, RollbackTo, Release}

// Queue is the group-commit queue of one store. The zero value is not
// ready: use New.
type Queue struct {
	token chan struct{} // held by the leader, or by Lock's caller

	mu      sync.Mutex
	waiting []*member

	commits, committed atomic.Int64 // durable commits, and the updates they held
}

// member is one Update waiting for its answer.
type member struct {
	ctx  context.Context
	fn   func(conductor.Tx) error
	done chan error
}

// New returns an empty queue.
func New() *Queue { return &Queue{token: make(chan struct{}, 1)} }

// Update runs fn in a batch begun by begin and returns once its changes are
// committed (nil) or undone (fn's error, or the batch's).
func (q *Queue) Update(ctx context.Context, begin func() (Batch, error), fn func(conductor.Tx) error) error {
	m := &member{ctx: ctx, fn: fn, done: make(chan error, 1)}
	q.mu.Lock()
	q.waiting = append(q.waiting, m)
	q.mu.Unlock()
	for {
		select {
		case err := <-m.done:
			return err
		case q.token <- struct{}{}:
			func() {
				defer func() { <-q.token }()
				q.lead(begin)
			}()
		}
	}
}

// Lock waits until no batch runs and keeps the writer until Unlock: for
// work that must not overlap a write transaction (a checkpoint).
func (q *Queue) Lock() { q.token <- struct{}{} }

// Unlock releases what Lock took.
func (q *Queue) Unlock() { <-q.token }

// Stats are the durable commits made so far and the updates they held:
// their ratio is how many requests a commit serves.
func (q *Queue) Stats() (commits, updates int64) { return q.commits.Load(), q.committed.Load() }

// lead commits the functions waiting now, up to MaxBatch.
func (q *Queue) lead(begin func() (Batch, error)) {
	q.mu.Lock()
	n := min(len(q.waiting), MaxBatch)
	batch := q.waiting[:n:n]
	q.waiting = append([]*member(nil), q.waiting[n:]...)
	q.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	errs, kept := runSafely(batch, begin)
	if kept > 0 {
		q.commits.Add(1)
		q.committed.Add(int64(kept))
	}
	for i, m := range batch {
		m.done <- errs[i]
	}
}

// runSafely is run, with a panic of the store itself (beginning,
// committing) answered to every member as an error: none is left waiting.
func runSafely(batch []*member, begin func() (Batch, error)) (errs []error, kept int) {
	if err := parallel.Safe(func() error { errs, kept = run(batch, begin); return nil }); err != nil {
		errs, kept = make([]error, len(batch)), 0
		for i := range errs {
			errs[i] = err
		}
	}
	return errs, kept
}

// run runs a batch in one transaction and returns each member's answer
// and how many were committed.
func run(batch []*member, begin func() (Batch, error)) ([]error, int) {
	errs := make([]error, len(batch))
	fail := func(err error) ([]error, int) {
		for i := range errs {
			errs[i] = err
		}
		return errs, 0
	}
	b, err := begin()
	if err != nil {
		return fail(err)
	}
	kept := 0
	for i, m := range batch {
		if errs[i] = m.ctx.Err(); errs[i] != nil {
			continue
		}
		var broken error
		errs[i], broken = apply(b, m.fn, len(batch) > 1)
		if broken != nil {
			b.Rollback()
			return fail(broken)
		}
		if errs[i] == nil {
			kept++
		}
	}
	if kept == 0 {
		b.Rollback()
		return errs, 0
	}
	if err := b.Commit(); err != nil {
		return fail(err)
	}
	return errs, kept
}

// apply runs one member's fn. With savepoint (a batch of several), a
// failing fn's changes are undone alone and the transaction goes on;
// without, the caller rolls the transaction back when fn fails. broken
// reports a transaction that can neither go on nor commit: a write
// conflict (the database is locked by another process, or a serializable
// transaction lost), a panic of fn, or a savepoint that failed.
func apply(b Batch, fn func(conductor.Tx) error, savepoint bool) (err, broken error) {
	if savepoint {
		if err := b.Exec(Savepoint); err != nil {
			return nil, err
		}
	}
	// A panicking function is a bug: it fails its batch, whose other
	// callers are answered and whose writer is freed all the same.
	err = parallel.Safe(func() error { return b.Apply(fn) })
	switch {
	case errors.Is(err, conductor.ErrWriteConflict), errors.As(err, new(*parallel.PanicError)):
		return err, err
	case !savepoint:
		return err, nil
	case err != nil:
		if broken := b.Exec(RollbackTo); broken != nil {
			return err, broken
		}
	}
	return err, b.Exec(Release)
}
