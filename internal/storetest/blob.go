package storetest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// blobTests are the contract of the blob primitives.
var blobTests = map[string]func(*testing.T, conductor.Store){
	"blobs: put, get, overwrite, delete":      testBlobs,
	"blobs: ids by prefix":                    testBlobIDs,
	"blobs: failed update changes nothing":    testBlobRollback,
	"blobs: readers see committed blobs only": testBlobIsolation,
	"blobs: delete all removes them":          testBlobDeleteAll,
	"blobs: large values":                     testLargeBlobs,
	"blobs: apart from records":               testBlobsApartFromRecords,
}

func putBlob(t *testing.T, s conductor.Store, id string, data []byte) {
	t.Helper()
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.PutBlob(id, data) }); err != nil {
		t.Fatal(err)
	}
}

// getBlob returns a blob's data as a string, "<none>" when it is absent.
func getBlob(t *testing.T, s conductor.Store, id string) string {
	t.Helper()
	out := "<none>"
	err := s.View(ctx, func(tx conductor.Tx) error {
		data, ok, err := tx.GetBlob(id)
		if ok {
			out = string(data)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// blobIDs returns the ids with prefix, joined by ";".
func blobIDs(t *testing.T, s conductor.Store, prefix string) string {
	t.Helper()
	var ids []string
	err := s.View(ctx, func(tx conductor.Tx) (err error) {
		ids, err = tx.BlobIDs(prefix)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ";")
}

func testBlobs(t *testing.T, s conductor.Store) {
	if got := getBlob(t, s, "a"); got != "<none>" {
		t.Errorf("a blob never written: %q", got)
	}
	putBlob(t, s, "a", []byte("first"))
	putBlob(t, s, "b", []byte{})
	if got := getBlob(t, s, "a"); got != "first" {
		t.Errorf("Get = %q, want first", got)
	}
	if got := getBlob(t, s, "b"); got != "" {
		t.Errorf("an empty blob: %q, want it present and empty", got)
	}
	putBlob(t, s, "a", []byte("second"))
	if got := getBlob(t, s, "a"); got != "second" {
		t.Errorf("after overwriting: %q, want second", got)
	}
	err := s.Update(ctx, func(tx conductor.Tx) error {
		if err := tx.DeleteBlob("a"); err != nil {
			return err
		}
		return tx.DeleteBlob("never written")
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := getBlob(t, s, "a") + "," + getBlob(t, s, "b"); got != "<none>," {
		t.Errorf("after deleting a: a,b = %q, want <none>,", got)
	}
}

func testBlobIDs(t *testing.T, s conductor.Store) {
	for _, id := range []string{"imp2/0001/000000", "imp1/0000/000001", "imp1/0000/000000", "imp1/0001/000000",
		"imp1_x", "imp1%y", "imp10/0000/000000", "imp"} {
		putBlob(t, s, id, []byte(id))
	}
	tests := map[string]string{
		"":           "imp;imp1%y;imp1/0000/000000;imp1/0000/000001;imp1/0001/000000;imp10/0000/000000;imp1_x;imp2/0001/000000",
		"imp1/":      "imp1/0000/000000;imp1/0000/000001;imp1/0001/000000",
		"imp1/0000/": "imp1/0000/000000;imp1/0000/000001",
		"imp1_":      "imp1_x", // LIKE and GLOB wildcards are plain characters
		"imp1%":      "imp1%y",
		"imp3":       "",
	}
	for prefix, want := range tests {
		if got := blobIDs(t, s, prefix); got != want {
			t.Errorf("BlobIDs(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func testBlobRollback(t *testing.T, s conductor.Store) {
	putBlob(t, s, "kept", []byte("before"))
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx conductor.Tx) error {
		for _, op := range []func() error{
			func() error { return tx.PutBlob("new", []byte("half")) },
			func() error { return tx.PutBlob("kept", []byte("overwritten")) },
			func() error { return tx.PutBlob("deleted", []byte("x")) },
			func() error { return tx.DeleteBlob("deleted") },
		} {
			if err := op(); err != nil {
				return err
			}
		}
		if data, ok, err := tx.GetBlob("kept"); err != nil || !ok || string(data) != "overwritten" {
			t.Errorf("the transaction reads its own write: %q %v %v", data, ok, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if got := getBlob(t, s, "kept") + "," + getBlob(t, s, "new"); got != "before,<none>" {
		t.Errorf("a failed update left kept,new = %q, want before,<none>", got)
	}
}

// testBlobIsolation checks that a reader sees neither a write not yet
// committed nor one committed after its snapshot began. A store that runs
// one transaction at a time (SQLite in memory) has no concurrent readers:
// the test skips when a second transaction cannot start.
func testBlobIsolation(t *testing.T, s conductor.Store) {
	putBlob(t, s, "a", []byte("old"))
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx conductor.Tx) error {
			if err := tx.PutBlob("a", []byte("new")); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	seen, err := viewWithin(s, func(tx conductor.Tx) ([]byte, error) {
		data, _, err := tx.GetBlob("a")
		return data, err
	})
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Skip("the store runs one transaction at a time")
	}
	if err != nil || string(seen) != "old" {
		t.Errorf("a reader during an uncommitted write: %q %v, want old", seen, err)
	}
	testSnapshot(t, s)
}

// testSnapshot checks that a View keeps reading the blob as it was when
// its snapshot began, while an Update commits a new one.
func testSnapshot(t *testing.T, s conductor.Store) {
	var during string
	err := s.View(ctx, func(tx conductor.Tx) error {
		if _, _, err := tx.GetBlob("a"); err != nil { // the snapshot starts
			return err
		}
		if err := s.Update(ctx, func(w conductor.Tx) error { return w.PutBlob("a", []byte("newer")) }); err != nil {
			return err
		}
		data, _, err := tx.GetBlob("a")
		during = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if during != "new" {
		t.Errorf("a reader whose snapshot began before a commit: %q, want new", during)
	}
	if got := getBlob(t, s, "a"); got != "newer" {
		t.Errorf("a reader after the commit: %q, want newer", got)
	}
}

// viewWithin runs fn in a View that must start within a few seconds:
// context.DeadlineExceeded when it cannot.
func viewWithin(s conductor.Store, fn func(conductor.Tx) ([]byte, error)) ([]byte, error) {
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var out []byte
	err := s.View(c, func(tx conductor.Tx) (err error) {
		out, err = fn(tx)
		return err
	})
	if c.Err() != nil {
		return nil, context.DeadlineExceeded
	}
	return out, err
}

func testBlobDeleteAll(t *testing.T, s conductor.Store) {
	putBlob(t, s, "a", []byte("x"))
	putBlob(t, s, "b/c", []byte("y"))
	put(t, s, "p", "k", "a", conductor.Timeless, "record")
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.DeleteAll() }); err != nil {
		t.Fatal(err)
	}
	if got := blobIDs(t, s, "") + getBlob(t, s, "a"); got != "<none>" {
		t.Errorf("after DeleteAll: ids and a = %q, want none", got)
	}
	putBlob(t, s, "a", []byte("again"))
	if got := getBlob(t, s, "a"); got != "again" {
		t.Errorf("a blob written after DeleteAll: %q", got)
	}
}

// testLargeBlobs stores blobs of several MiB (incompressible, as stored
// files are) in one transaction, reads them back whole, and replaces one
// with a smaller one.
func testLargeBlobs(t *testing.T, s conductor.Store) {
	rnd := rand.New(rand.NewPCG(1, 2))
	blobs := map[string][]byte{}
	for i, size := range []int{5 << 20, 8<<20 + 17, 3 << 20} {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rnd.Uint32())
		}
		blobs[string(rune('a'+i))] = data
	}
	err := s.Update(ctx, func(tx conductor.Tx) error {
		for id, data := range blobs {
			if err := tx.PutBlob(id, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range blobs {
		if got := getBlob(t, s, id); !bytes.Equal([]byte(got), want) {
			t.Errorf("blob %s: %d bytes read back, want its %d bytes", id, len(got), len(want))
		}
	}
	putBlob(t, s, "b", blobs["c"][:1<<20])
	if got := getBlob(t, s, "b"); !bytes.Equal([]byte(got), blobs["c"][:1<<20]) {
		t.Errorf("blob b replaced by 1 MiB: %d bytes read back", len(got))
	}
}

// testBlobsApartFromRecords checks that blobs and records do not see each
// other, whatever their ids.
func testBlobsApartFromRecords(t *testing.T, s conductor.Store) {
	putBlob(t, s, "a", []byte("blob"))
	put(t, s, "", "usagefile", "a", conductor.Timeless, "record")
	if got := getBlob(t, s, "a") + "," + get(t, s, "", "usagefile", "a", conductor.Timeless); got != "blob,record" {
		t.Errorf("blob,record = %q", got)
	}
	err := s.Update(ctx, func(tx conductor.Tx) error { return tx.DeleteBlob("a") })
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "", "usagefile", "a", conductor.Timeless); got != "record" {
		t.Errorf("the record after its namesake blob was deleted: %q", got)
	}
}

// LegacyRecord is a record as a store of schema version 1 (records only)
// held it, for the tests of the migration to blobs.
type LegacyRecord struct {
	NS, Kind, ID string
	Period       conductor.Period
	Data         string
}

// LegacyRecords are what a version 1 store may hold: stored CUR file
// chunks (ns "", kind "usagefile", timeless), which the migration moves
// to blobs, and records it leaves alone (a staging record, a record of
// that kind in a payer's namespace, a domain record).
var LegacyRecords = []LegacyRecord{
	{"", "usagefile", "imp/0000/000000", conductor.Timeless, "chunk 0"},
	{"", "usagefile", "imp/0000/000001", conductor.Timeless, strings.Repeat("chunk 1 ", 1<<17)},
	{"", "usagestage", "imp", conductor.Timeless, `{"Chunks":["imp/0000/000000"]}`},
	{"123456789012", "usagefile", "x", conductor.Timeless, "not a stored file"},
	{"123456789012", "billinggroup", "g", "2026-01", "group"},
}

// CheckMigrated checks a store opened on a version 1 store that held
// LegacyRecords: the chunks are blobs, no longer records; the other
// records are unchanged.
func CheckMigrated(t *testing.T, s conductor.Store) {
	t.Helper()
	if got, want := blobIDs(t, s, ""), "imp/0000/000000;imp/0000/000001"; got != want {
		t.Errorf("blobs after the migration: %q, want %q", got, want)
	}
	for _, r := range LegacyRecords {
		moved := r.NS == "" && r.Kind == "usagefile"
		want := r.Data
		if moved {
			want = "<none>"
			if got := getBlob(t, s, r.ID); got != r.Data {
				t.Errorf("blob %s: %d bytes, want the record's %d", r.ID, len(got), len(r.Data))
			}
		}
		if got := get(t, s, r.NS, r.Kind, r.ID, r.Period); got != want {
			t.Errorf("record %s/%s/%s after the migration: %.20q, want %.20q", r.NS, r.Kind, r.ID, got, want)
		}
	}
}
