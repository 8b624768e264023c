package usage

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
)

// t0 is the pinned clock of the lease tests.
var t0 = time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)

// pausedImport is an import held in the middle: it has staged its file and
// waits, before its commit, until resumed.
type pausedImport struct {
	id     string
	resume func()
	result chan error
}

// startPaused starts importing a file with the clock now and returns once
// the import has staged the file's chunk.
func (e *env) startPaused(path string, now func() time.Time) *pausedImport {
	e.t.Helper()
	release := make(chan struct{})
	var once sync.Once
	im := &Importer{Service: e.svc, Store: e.store, Now: now, Progress: func(read, total int64) {
		if read >= total && total > 0 {
			once.Do(func() { <-release }) // the parse is done; the commit waits
		}
	}}
	p := &pausedImport{resume: sync.OnceFunc(func() { close(release) }), result: make(chan error, 1)}
	e.t.Cleanup(p.resume)
	go func() {
		_, err := im.Import(context.Background(), path)
		p.result <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st := e.stagings(); len(st) == 1 && len(st[0].s.Chunks) > 0 {
			p.id = st[0].id
			return p
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the import staged nothing in 10s: %+v", e.stagings())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type stagingRecord struct {
	id string
	s  staging
}

// stagings returns the staging records in the store.
func (e *env) stagings() []stagingRecord {
	e.t.Helper()
	var out []stagingRecord
	err := e.store.View(context.Background(), func(tx conductor.Tx) error {
		recs, err := tx.List(blobNS, kindStaging, conductor.Timeless)
		for _, r := range recs {
			var s staging
			if err := json.Unmarshal(r.Data, &s); err != nil {
				return err
			}
			out = append(out, stagingRecord{r.ID, s})
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// chunks lists the stored file chunks, staged or committed.
func (e *env) chunks() []string {
	e.t.Helper()
	var ids []string
	err := e.store.View(context.Background(), func(tx conductor.Tx) error {
		var err error
		ids, err = storedChunks(tx)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

func (e *env) reclaim(now time.Time) int {
	e.t.Helper()
	n, err := Reclaim(context.Background(), e.store, now)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A reclaim leaves the staged data of an import whose lease is fresh; once
// the lease has expired it removes it, and the import, resumed, fails
// without committing anything.
func TestReclaimLeavesARunningImport(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", header, octoberLines)); err != nil {
		t.Fatal(err)
	}
	report, committed := e.report(), e.blobs()
	p := e.startPaused(e.write("oct2.csv", header, octoberLines[:2]), func() time.Time { return t0 })
	staged := e.chunks()
	if n := e.reclaim(t0.Add(leaseExpiry - time.Second)); n != 0 || len(e.stagings()) != 1 {
		t.Fatalf("a reclaim %v after the last heartbeat removed %d imports; want the running one kept", leaseExpiry-time.Second, n)
	}
	if diff := cmp.Diff(staged, e.chunks()); diff != "" {
		t.Errorf("chunks after reclaiming nothing (-before +after):\n%s", diff)
	}
	if n := e.reclaim(t0.Add(leaseExpiry + time.Second)); n != 1 || len(e.stagings()) != 0 {
		t.Fatalf("a reclaim %v after the last heartbeat removed %d imports; want the expired one", leaseExpiry+time.Second, n)
	}
	p.resume()
	if err := <-p.result; !errors.Is(err, errLeaseLost) {
		t.Errorf("the import that lost its lease: %v, want errLeaseLost", err)
	}
	if diff := cmp.Diff(report, e.report()); diff != "" {
		t.Errorf("report changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(committed, e.blobs()); diff != "" {
		t.Errorf("stored files (-before +after):\n%s", diff)
	}
}

// A running import renews its heartbeat, so that a reclaim long after it
// started leaves it alone, and it commits.
func TestLeaseIsRenewed(t *testing.T) {
	defer func(d time.Duration) { leaseRenewal = d }(leaseRenewal)
	leaseRenewal = 5 * time.Millisecond
	e := newEnv(t)
	var now atomic.Pointer[time.Time]
	now.Store(&t0)
	p := e.startPaused(e.write("oct.csv", header, octoberLines), func() time.Time { return *now.Load() })
	later := t0.Add(time.Hour)
	now.Store(&later)
	deadline := time.Now().Add(10 * time.Second)
	for st := e.stagings(); len(st) != 1 || !st[0].s.Heartbeat.Equal(later); st = e.stagings() {
		if time.Now().After(deadline) {
			t.Fatalf("heartbeat not renewed in 10s: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := e.reclaim(later.Add(leaseExpiry / 2)); n != 0 {
		t.Errorf("a reclaim removed %d imports; want the running one kept", n)
	}
	p.resume()
	if err := <-p.result; err != nil {
		t.Fatal(err)
	}
	if got := e.report()["total"]; got != [2]string{"1.456", "2.2572"} {
		t.Errorf("after the import: total = %v", got)
	}
	e.blobs() // no staging record left
}

// Dead imports are those whose heartbeat expired, those whose process is
// gone (on this machine), and legacy ones (no heartbeat) a day old.
func TestReclaimFindsDeadImports(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	me := self()
	tests := []struct {
		name       string
		s          staging
		kept, dead time.Time // a reclaim at kept (unless zero) leaves the import, at dead removes it
	}{
		{"heartbeat expired", staging{Started: t0, Heartbeat: t0, Owner: owner{"another machine", 1}},
			t0.Add(leaseExpiry - time.Second), t0.Add(leaseExpiry + time.Second)},
		{"process of this machine running", staging{Started: t0, Heartbeat: t0, Owner: me},
			t0.Add(leaseExpiry - time.Second), t0.Add(leaseExpiry + time.Second)},
		{"process of this machine gone", staging{Started: t0, Heartbeat: t0, Owner: owner{me.Machine, gone.Process.Pid}},
			time.Time{}, t0.Add(time.Second)},
		{"legacy record without heartbeat", staging{Started: t0},
			t0.Add(legacyExpiry - time.Hour), t0.Add(legacyExpiry + time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if me.Machine == "" && tt.kept.IsZero() {
				t.Skip("no machine ID here: the heartbeat alone decides")
			}
			e := newEnv(t)
			e.stageDead(tt.s)
			if !tt.kept.IsZero() {
				if n := e.reclaim(tt.kept); n != 0 || len(e.chunks()) != 2 {
					t.Errorf("reclaim at %v: %d removed, chunks %v; want the import kept", tt.kept, n, e.chunks())
				}
			}
			if n := e.reclaim(tt.dead); n != 1 || len(e.chunks()) != 0 || len(e.stagings()) != 0 {
				t.Errorf("reclaim at %v: %d removed, chunks %v; want the import removed", tt.dead, n, e.chunks())
			}
		})
	}
}

// deadID is the import ID of stageDead.
const deadID = "20261020T120000Z-0000000000000000"

// stageDead writes what an import killed after staging two chunks leaves.
func (e *env) stageDead(s staging) {
	e.t.Helper()
	id := deadID
	s.Chunks = []string{chunkID(blobID(id, 0), 0), chunkID(blobID(id, 0), 1)}
	err := e.store.Update(context.Background(), func(tx conductor.Tx) error {
		for _, c := range s.Chunks {
			if err := tx.PutBlob(c, []byte("staged bytes")); err != nil {
				return err
			}
		}
		return putJSON(tx, blobNS, kindStaging, id, s)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// The next import reclaims what a dead one staged.
func TestImportReclaimsDeadImports(t *testing.T) {
	e := newEnv(t)
	e.stageDead(staging{Started: t0, Heartbeat: t0, Owner: owner{"another machine", 1}})
	if _, err := e.importFiles(e.write("oct.csv", header, octoberLines)); err != nil {
		t.Fatal(err)
	}
	got := e.blobs() // fails on a staging record left
	if len(got) != 1 || strings.HasPrefix(got[0], deadID) {
		t.Errorf("stored files after the import: %v; want the import's only", got)
	}
}
