// Package storetest is the contract every conductor.Store implementation
// must meet; each implementation's tests call Run.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Run checks a store; open returns a new, empty store.
func Run(t *testing.T, open func(t *testing.T) conductor.Store) {
	tests := map[string]func(*testing.T, conductor.Store){
		"versions by period":            testVersions,
		"list picks latest":             testList,
		"tombstones":                    testTombstones,
		"namespaces are separate":       testNamespaces,
		"failed update changes nothing": testRollback,
		"concurrent updates serialize":  testConcurrentUpdates,
		"failing updates among others":  testFailingAmongConcurrent,
		"delete all":                    testDeleteAll,
		"versions and truncate":         testVersionsAndTruncate,
		"compact keeps every record":    testCompact,
		"size grows with the data":      testSize,
		"count each kind":               testCountEach,
	}
	maps.Copy(tests, blobTests)
	maps.Copy(tests, rangeTests)
	maps.Copy(tests, namespaceTests)
	for name, test := range tests {
		t.Run(name, func(t *testing.T) { test(t, open(t)) })
	}
}

var ctx = context.Background()

func count(t *testing.T, s conductor.Store, ns, kind string, p conductor.Period) int {
	t.Helper()
	var n int
	if err := s.View(ctx, func(tx conductor.Tx) error {
		var err error
		n, err = tx.Count(ns, kind, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func put(t *testing.T, s conductor.Store, ns, kind, id string, p conductor.Period, data string) {
	t.Helper()
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.Put(ns, kind, id, p, []byte(data)) }); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s conductor.Store, ns, kind, id string, p conductor.Period) string {
	t.Helper()
	var out string
	err := s.View(ctx, func(tx conductor.Tx) error {
		data, ok, err := tx.Get(ns, kind, id, p)
		if ok {
			out = string(data)
		} else {
			out = "<none>"
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func list(t *testing.T, s conductor.Store, ns, kind string, p conductor.Period) string {
	t.Helper()
	var out string
	err := s.View(ctx, func(tx conductor.Tx) error {
		recs, err := tx.List(ns, kind, p)
		for _, r := range recs {
			out += fmt.Sprintf("%s=%s;", r.ID, r.Data)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testVersions(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-03", "march")
	put(t, s, "p", "k", "a", "2026-05", "may")
	put(t, s, "p", "k", "a", "2026-05", "may-2") // same period replaces
	for p, want := range map[conductor.Period]string{
		"2026-02": "<none>", "2026-03": "march", "2026-04": "march", "2026-05": "may-2", "2027-01": "may-2",
	} {
		if got := get(t, s, "p", "k", "a", p); got != want {
			t.Errorf("Get at %s = %q, want %q", p, got, want)
		}
	}
}

func testList(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "b", "2026-01", "b1")
	put(t, s, "p", "k", "a", "2026-02", "a2")
	put(t, s, "p", "k", "b", "2026-03", "b3")
	put(t, s, "p", "other", "c", "2026-01", "c1")
	for p, want := range map[conductor.Period]string{
		"2025-12": "", "2026-01": "b=b1;", "2026-02": "a=a2;b=b1;", "2026-03": "a=a2;b=b3;",
	} {
		if got := list(t, s, "p", "k", p); got != want {
			t.Errorf("List at %s = %q, want %q", p, got, want)
		}
		if got, want := count(t, s, "p", "k", p), strings.Count(want, ";"); got != want {
			t.Errorf("Count at %s = %d, want %d", p, got, want)
		}
	}
}

func testTombstones(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-01", "alive")
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.Delete("p", "k", "a", "2026-03") }); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "p", "k", "a", "2026-02"); got != "alive" {
		t.Errorf("before the tombstone: %q", got)
	}
	if got := get(t, s, "p", "k", "a", "2026-03"); got != "<none>" {
		t.Errorf("at the tombstone: %q", got)
	}
	if got := list(t, s, "p", "k", "2026-04"); got != "" {
		t.Errorf("List after the tombstone: %q", got)
	}
	if got := count(t, s, "p", "k", "2026-04"); got != 0 {
		t.Errorf("Count after the tombstone: %d", got)
	}
	put(t, s, "p", "k", "a", "2026-05", "again")
	if got := list(t, s, "p", "k", "2026-05"); got != "a=again;" {
		t.Errorf("List after a new version: %q", got)
	}
}

func testNamespaces(t *testing.T, s conductor.Store) {
	put(t, s, "p1", "k", "a", conductor.Timeless, "one")
	put(t, s, "p2", "k", "a", conductor.Timeless, "two")
	if got := get(t, s, "p1", "k", "a", "2026-01"); got != "one" {
		t.Errorf("p1: %q", got)
	}
	if got := list(t, s, "p2", "k", "2026-01"); got != "a=two;" {
		t.Errorf("p2: %q", got)
	}
}

func testRollback(t *testing.T, s conductor.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx conductor.Tx) error {
		if err := tx.Put("p", "k", "a", "2026-01", []byte("half")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if got := get(t, s, "p", "k", "a", "2026-01"); got != "<none>" {
		t.Errorf("a failed update left %q", got)
	}
}

// testConcurrentUpdates increments one counter from many goroutines; the
// result proves read-modify-write transactions do not interleave.
func testConcurrentUpdates(t *testing.T, s conductor.Store) {
	const workers, rounds = 8, 25
	put(t, s, "p", "k", "n", conductor.Timeless, "0")
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				if err := s.Update(ctx, increment); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got, want := get(t, s, "p", "k", "n", conductor.Timeless), fmt.Sprint(workers*rounds); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
}

// increment adds one to the counter record p/k/n.
func increment(tx conductor.Tx) error {
	data, _, err := tx.Get("p", "k", "n", conductor.Timeless)
	if err != nil {
		return err
	}
	var n int
	fmt.Sscan(string(data), &n)
	return tx.Put("p", "k", "n", conductor.Timeless, []byte(fmt.Sprint(n+1)))
}

// testFailingAmongConcurrent runs updates at once, every third failing
// after its writes (a record and a blob), while each of the others adds
// one to a shared counter: whatever transactions they shared, the failing
// ones changed nothing and every other one counted once.
func testFailingAmongConcurrent(t *testing.T, s conductor.Store) {
	const updates = 60
	put(t, s, "p", "k", "n", conductor.Timeless, "0")
	refused := errors.New("refused")
	var wg sync.WaitGroup
	for i := range updates {
		wg.Go(func() {
			id := fmt.Sprint("u", i)
			err := s.Update(ctx, func(tx conductor.Tx) error {
				if err := increment(tx); err != nil {
					return err
				}
				if err := tx.Put("p", "k", id, conductor.Timeless, []byte("x")); err != nil {
					return err
				}
				if err := tx.PutBlob(id, []byte("blob")); err != nil {
					return err
				}
				if i%3 == 0 {
					return refused
				}
				return nil
			})
			if (i%3 == 0) != errors.Is(err, refused) || (i%3 != 0 && err != nil) {
				t.Errorf("update %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got, want := get(t, s, "p", "k", "n", conductor.Timeless), fmt.Sprint(updates-updates/3); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
	for i := range updates {
		id := fmt.Sprint("u", i)
		rec, blob := get(t, s, "p", "k", id, conductor.Timeless), getBlob(t, s, id)
		if kept := i%3 != 0; kept != (rec == "x") || kept != (blob == "blob") {
			t.Errorf("update %d (failed: %v): record %q, blob %q", i, !kept, rec, blob)
		}
	}
}

// testCountEach counts several kinds at once, as Count counts each:
// versions in force at the period, tombstones left out, in the kinds'
// order, a kind without records 0.
func testCountEach(t *testing.T, s conductor.Store) {
	put(t, s, "p", "a", "1", "2026-01", "x")
	put(t, s, "p", "a", "2", "2026-01", "x")
	put(t, s, "p", "a", "3", "2026-03", "later")
	put(t, s, "p", "b", "1", "2026-01", "x")
	put(t, s, "q", "b", "2", "2026-01", "other namespace")
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.Delete("p", "a", "2", "2026-02") }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at    conductor.Period
		kinds []string
		want  []int
	}{
		{"2026-01", []string{"b", "none", "a"}, []int{1, 0, 2}},
		{"2026-02", []string{"a", "b"}, []int{1, 1}},
		{"2026-03", []string{"a", "a"}, []int{2, 2}},
		{"2026-03", []string{}, []int{}},
	} {
		var got []int
		err := s.View(ctx, func(tx conductor.Tx) (err error) {
			got, err = tx.CountEach("p", tc.kinds, tc.at)
			for i, kind := range tc.kinds {
				if n, err := tx.Count("p", kind, tc.at); err != nil || n != tc.want[i] {
					t.Errorf("Count(%s, %s) = %d, %v", kind, tc.at, n, err)
				}
			}
			return err
		})
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("CountEach(%v, %s) = %v, %v; want %v", tc.kinds, tc.at, got, err, tc.want)
		}
	}
}

func testDeleteAll(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-01", "x")
	put(t, s, "", "payer", "b", conductor.Timeless, "y")
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.DeleteAll() }); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s, "p", "k", "2026-01") + list(t, s, "", "payer", "2026-01"); got != "" {
		t.Errorf("after DeleteAll: %q", got)
	}
}

func testVersionsAndTruncate(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-05", "may")
	put(t, s, "p", "k", "a", "2026-03", "march")
	err := s.Update(ctx, func(tx conductor.Tx) error { return tx.Delete("p", "k", "a", "2026-07") })
	if err != nil {
		t.Fatal(err)
	}
	versions := func() string {
		var out string
		err := s.View(ctx, func(tx conductor.Tx) error {
			vs, err := tx.Versions("p", "k", "a")
			for _, v := range vs {
				out += fmt.Sprintf("%s:%v:%s;", v.Period, v.Deleted, v.Data)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got, want := versions(), "2026-03:false:march;2026-05:false:may;2026-07:true:;"; got != want {
		t.Errorf("Versions = %q, want %q", got, want)
	}
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.Truncate("p", "k", "a", "2026-05") }); err != nil {
		t.Fatal(err)
	}
	if got, want := versions(), "2026-03:false:march;"; got != want {
		t.Errorf("after Truncate: %q, want %q", got, want)
	}
}

// Compacter is the optional interface of a store that returns the space
// of removed data to the file system on request (the SQLite store);
// others (PostgreSQL, with autovacuum) do it on their own.
type Compacter interface {
	Compact(ctx context.Context) error
}

// testCompact removes large records and compacts, concurrently with
// reads: every other record and version is still there, and the store
// still writes.
func testCompact(t *testing.T, s conductor.Store) {
	c, ok := s.(Compacter)
	if !ok {
		t.Skip("the store does not compact on request")
	}
	big := strings.Repeat("x", 1<<20)
	for i := range 4 {
		put(t, s, "p", "big", fmt.Sprint(i), conductor.Timeless, big)
		putBlob(t, s, fmt.Sprint("big/", i), []byte(big))
	}
	putBlob(t, s, "kept", []byte(big))
	put(t, s, "p", "k", "a", "2026-01", "january")
	put(t, s, "p", "k", "a", "2026-03", "march")
	err := s.Update(ctx, func(tx conductor.Tx) error {
		for i := range 4 {
			if err := tx.Truncate("p", "big", fmt.Sprint(i), conductor.Timeless); err != nil {
				return err
			}
			if err := tx.DeleteBlob(fmt.Sprint("big/", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if got := get(t, s, "p", "k", "a", "2026-02"); got != "january" {
			t.Errorf("read during Compact: %q", got)
		}
	})
	if err := c.Compact(ctx); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	wg.Wait()
	if got := list(t, s, "p", "k", "2026-04") + list(t, s, "p", "big", conductor.Timeless); got != "a=march;" {
		t.Errorf("after Compact: %q, want a=march; only", got)
	}
	if got := blobIDs(t, s, ""); got != "kept" || getBlob(t, s, "kept") != big {
		t.Errorf("blobs after Compact: %q, want kept, whole", got)
	}
	put(t, s, "p", "k", "b", conductor.Timeless, "written after")
	if got := get(t, s, "p", "k", "b", conductor.Timeless); got != "written after" {
		t.Errorf("a write after Compact: %q", got)
	}
}

// RunReadOnly checks a store's read-only opening: open returns a new,
// empty read-write store and a function that opens the same data
// read-only. The read-only store reads what the other wrote, and refuses
// writes without changing anything.
func RunReadOnly(t *testing.T, open func(t *testing.T) (conductor.Store, func() (conductor.Store, error))) {
	rw, openReadOnly := open(t)
	put(t, rw, "p", "k", "a", "2026-01", "january")
	put(t, rw, "p", "k", "b", conductor.Timeless, "timeless")
	putBlob(t, rw, "f/1", []byte("blob"))
	ro, err := openReadOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := list(t, ro, "p", "k", "2026-02"); got != "a=january;b=timeless;" {
		t.Errorf("read-only List: %q", got)
	}
	if got := blobIDs(t, ro, "f/") + "=" + getBlob(t, ro, "f/1"); got != "f/1=blob" {
		t.Errorf("read-only blobs: %q, want f/1=blob", got)
	}
	if err := ro.Update(ctx, func(tx conductor.Tx) error { return tx.PutBlob("f/2", []byte("refused")) }); err == nil {
		t.Error("a blob write through the read-only store succeeded")
	}
	err = ro.Update(ctx, func(tx conductor.Tx) error { return tx.Put("p", "k", "c", conductor.Timeless, []byte("refused")) })
	if err == nil {
		t.Error("a write through the read-only store succeeded")
	}
	if got := list(t, rw, "p", "k", "2026-02") + blobIDs(t, rw, ""); got != "a=january;b=timeless;f/1" {
		t.Errorf("after the refused writes: %q", got)
	}
}
