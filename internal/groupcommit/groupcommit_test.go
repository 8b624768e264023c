package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/parallel"
)

// db is a fake database of committed keys whose transactions (fakeBatch)
// support one level of savepoint, as the members' SQL uses them.
type db struct {
	mu        sync.Mutex
	committed map[string]bool
	commits   int
	batches   [][]string // the keys each commit made durable
	// commitGate, when set, holds each Commit until it is closed.
	commitGate  chan struct{}
	commitErr   error
	commitPanic bool
}

type fakeBatch struct {
	db    *db
	work  map[string]bool
	saved map[string]bool
}

// fakeTx is the conductor.Tx handed to fn: Put marks a key.
type fakeTx struct {
	conductor.Tx
	b *fakeBatch
}

func (t fakeTx) Put(_, _, id string, _ conductor.Period, _ []byte) error {
	t.b.work[id] = true
	return nil
}

func (d *db) begin() (Batch, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &fakeBatch{db: d, work: maps.Clone(d.committed)}, nil
}

func (b *fakeBatch) Apply(fn func(conductor.Tx) error) error { return fn(fakeTx{b: b}) }

func (b *fakeBatch) Exec(stmt string) error {
	switch stmt {
	case Savepoint:
		b.saved = maps.Clone(b.work)
	case RollbackTo:
		b.work = b.saved
	case Release:
	default:
		return fmt.Errorf("unexpected %q", stmt)
	}
	return nil
}

func (b *fakeBatch) Commit() error {
	if b.db.commitGate != nil {
		<-b.db.commitGate
	}
	if b.db.commitPanic {
		panic("driver bug")
	}
	b.db.mu.Lock()
	defer b.db.mu.Unlock()
	if b.db.commitErr != nil {
		return b.db.commitErr
	}
	var made []string
	for k := range b.work {
		if !b.db.committed[k] {
			made = append(made, k)
		}
	}
	b.db.committed, b.db.commits = b.work, b.db.commits+1
	b.db.batches = append(b.db.batches, made)
	return nil
}

func (b *fakeBatch) Rollback() error { return nil }

func put(key string) func(conductor.Tx) error {
	return func(tx conductor.Tx) error { return tx.Put("", "", key, "", nil) }
}

var errRefused = errors.New("refused")

// putThenFail writes key and then fails: its write must be undone.
func putThenFail(key string) func(conductor.Tx) error {
	return func(tx conductor.Tx) error {
		tx.Put("", "", key, "", nil)
		return errRefused
	}
}

// queued starts updates while a first commit is held, so that they wait
// and are committed together by the next leader; it returns their errors.
func queued(t *testing.T, d *db, q *Queue, fns ...func(conductor.Tx) error) []error {
	t.Helper()
	d.commitGate = make(chan struct{})
	first := make(chan error, 1)
	go func() { first <- q.Update(context.Background(), d.begin, put("first")) }()
	for len(q.token) == 0 { // the first update leads, held in its commit
		runtime.Gosched()
	}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = q.Update(context.Background(), d.begin, fn) })
	}
	for {
		q.mu.Lock()
		n := len(q.waiting)
		q.mu.Unlock()
		if n == len(fns) {
			break
		}
		runtime.Gosched()
	}
	close(d.commitGate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return errs
}

// TestWaitingUpdatesShareOneCommit: updates queued behind a commit are
// committed together, each answered with its own outcome; a failing one's
// writes alone are undone.
func TestWaitingUpdatesShareOneCommit(t *testing.T) {
	d := &db{committed: map[string]bool{}}
	q := New()
	errs := queued(t, d, q, put("a"), putThenFail("b"), put("c"))
	if errs[0] != nil || !errors.Is(errs[1], errRefused) || errs[2] != nil {
		t.Fatalf("answers %v", errs)
	}
	if d.commits != 2 || len(d.batches[1]) != 2 {
		t.Fatalf("%d commits %v, want the first alone, then a and c in one", d.commits, d.batches)
	}
	if !d.committed["a"] || d.committed["b"] || !d.committed["c"] {
		t.Fatalf("committed %v, want a and c, not b", d.committed)
	}
}

// TestABrokenBatchFailsEveryMember: a write conflict in one member fails
// the batch: nobody is told their change was kept.
func TestABrokenBatchFailsEveryMember(t *testing.T) {
	d := &db{committed: map[string]bool{}}
	q := New()
	conflict := func(conductor.Tx) error { return fmt.Errorf("%w: locked", conductor.ErrWriteConflict) }
	errs := queued(t, d, q, put("a"), conflict, put("c"))
	for i, err := range errs {
		if !errors.Is(err, conductor.ErrWriteConflict) {
			t.Errorf("member %d: %v, want the write conflict", i, err)
		}
	}
	if d.committed["a"] || d.committed["c"] {
		t.Fatalf("committed %v", d.committed)
	}
}

// TestAFailedCommitFailsEveryMember: members whose functions succeeded
// learn that their changes were not committed.
func TestAFailedCommitFailsEveryMember(t *testing.T) {
	d := &db{committed: map[string]bool{}, commitErr: errors.New("disk full")}
	q := New()
	err := q.Update(context.Background(), d.begin, put("a"))
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("%v, want the commit's error", err)
	}
}

// TestCancelledUpdateDoesNotRun: a caller gone before its turn has nothing
// applied; a lone failing update costs no commit.
func TestCancelledUpdateDoesNotRun(t *testing.T) {
	d := &db{committed: map[string]bool{}}
	q := New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Update(ctx, d.begin, put("a")); !errors.Is(err, context.Canceled) || d.committed["a"] || d.commits != 0 {
		t.Fatalf("%v; committed %v after %d commits", err, d.committed, d.commits)
	}
	if err := q.Update(context.Background(), d.begin, putThenFail("b")); !errors.Is(err, errRefused) || d.commits != 0 {
		t.Fatalf("%v after %d commits", err, d.commits)
	}
}

// TestManyConcurrentUpdates: every successful update is committed, none
// of the failing ones, with fewer commits than updates.
func TestManyConcurrentUpdates(t *testing.T) {
	d := &db{committed: map[string]bool{}}
	q := New()
	const n = 400
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		fn := put(fmt.Sprint(i))
		if i%7 == 0 {
			fn = putThenFail(fmt.Sprint(i))
		}
		wg.Go(func() { errs[i] = q.Update(context.Background(), d.begin, fn) })
	}
	wg.Wait()
	for i, err := range errs {
		if (i%7 == 0) != (err != nil) || (err == nil) != d.committed[fmt.Sprint(i)] {
			t.Fatalf("update %d: %v, committed %v", i, err, d.committed[fmt.Sprint(i)])
		}
	}
	commits, updates := q.Stats()
	if commits != int64(d.commits) || updates != n-(n+6)/7 {
		t.Errorf("Stats = %d commits of %d updates; the database saw %d commits", commits, updates, d.commits)
	}
	t.Logf("%d updates in %d commits", n, d.commits)
}

// TestAPanicFailsItsBatchAndFreesTheWriter: a function that panics fails
// every member of its batch with an error naming the panic, and the next
// update commits.
func TestAPanicFailsItsBatchAndFreesTheWriter(t *testing.T) {
	d := &db{committed: map[string]bool{}}
	q := New()
	boom := func(conductor.Tx) error { panic("boom") }
	errs := queued(t, d, q, put("a"), boom)
	for i, err := range errs {
		if p := (*parallel.PanicError)(nil); !errors.As(err, &p) || p.Value != "boom" {
			t.Errorf("member %d: %v", i, err)
		}
	}
	if err := q.Update(context.Background(), d.begin, put("c")); err != nil || !d.committed["c"] || d.committed["a"] {
		t.Fatalf("after the panic: %v, committed %v", err, d.committed)
	}
}

// TestAPanickingCommitAnswersEveryone: a panic of the store itself is
// every member's error, and the writer is free again.
func TestAPanickingCommitAnswersEveryone(t *testing.T) {
	d := &db{committed: map[string]bool{}, commitPanic: true}
	q := New()
	if err := q.Update(context.Background(), d.begin, put("a")); !errors.As(err, new(*parallel.PanicError)) || !strings.Contains(err.Error(), "driver bug") {
		t.Fatalf("%v, want the panic as an error", err)
	}
	d.commitPanic = false
	if err := q.Update(context.Background(), d.begin, put("b")); err != nil || !d.committed["b"] {
		t.Fatalf("after the panic: %v", err)
	}
}
