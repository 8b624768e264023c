package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

var ctx = context.Background()

// opens are the two ways to open a store, by name.
var opens = map[string]func(string) (*sqlite.Store, error){"Open": sqlite.Open, "OpenReadOnly": sqlite.OpenReadOnly}

// closedStore makes a store of n records of 100 bytes in a new data
// directory, closes it and returns the directory.
func closedStore(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, n, 100)
	s.Close()
	return dir
}

// fill writes n records of size bytes each in one transaction.
func fill(t *testing.T, s *sqlite.Store, n, size int) {
	t.Helper()
	err := s.Update(ctx, func(tx conductor.Tx) error {
		for i := range n {
			data := bytes.Repeat([]byte{byte('a' + i%26)}, size)
			if err := tx.Put("p", "k", fmt.Sprintf("r%05d", i), conductor.Timeless, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storeSize is the size of the database and its -wal and -shm files.
func storeSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if info, err := os.Stat(filepath.Join(dir, sqlite.FileName+suffix)); err == nil {
			n += info.Size()
		}
	}
	return n
}

// rawDB opens the database file directly, read-only, for inspection.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Removing data and compacting gives the space back to the file system.
func TestCompactShrinksTheFile(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, s, 8, 1<<20)
	full := storeSize(t, dir)
	err = s.Update(ctx, func(tx conductor.Tx) error {
		for i := range 8 {
			if err := tx.Truncate("p", "k", fmt.Sprintf("r%05d", i), conductor.Timeless); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storeSize(t, dir); full < 8<<20 || got > 256<<10 {
		t.Errorf("store: %d bytes with 8 MiB of records, %d after removing them and compacting; want < 256 KiB", full, got)
	}
}

// A database created before incremental auto-vacuum is converted once, at
// open, and keeps its records.
func TestOlderDatabaseGetsIncrementalVacuum(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE records (ns TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, period TEXT NOT NULL,
			deleted INTEGER NOT NULL DEFAULT 0, data BLOB, PRIMARY KEY (ns, kind, id, period)) WITHOUT ROWID`,
		`INSERT INTO records (ns, kind, id, period, data) VALUES ('p', 'k', 'a', '0000-00', 'kept')`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "a"); got != "kept" {
		t.Errorf("record after conversion: %q, want kept", got)
	}
	s.Close()
	var mode int
	if err := rawDB(t, dir).QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Errorf("auto_vacuum = %d (%v), want 2 (incremental)", mode, err)
	}
}

func get(t *testing.T, s *sqlite.Store, id string) string {
	t.Helper()
	var out string
	err := s.View(ctx, func(tx conductor.Tx) error {
		data, _, err := tx.Get("p", "k", id, conductor.Timeless)
		out = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A damaged database is refused by Open and OpenReadOnly, with a message
// that says what to do.
func TestDamagedStoreIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		detail string
	}{
		{"a page of the records overwritten", func(t *testing.T, dir string) { damageRecordsPage(t, dir, 0, 1<<16) }, "quick_check: database disk image is malformed"},
		{"cell pointers of a page overwritten", func(t *testing.T, dir string) { damageRecordsPage(t, dir, 8, 16) }, "quick_check: Tree "},
		{"not a database", func(t *testing.T, dir string) {
			text := strings.Repeat("this is no database, only text that took its name\n", 200)
			if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "quick_check: file is not a database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := closedStore(t, 3000)
			tt.damage(t, dir)
			for name, open := range opens {
				s, err := open(dir)
				if err == nil {
					s.Close()
				}
				var de *sqlite.DamagedError
				want := fmt.Sprintf("the store in %s is damaged (%s", dir, tt.detail)
				if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), want) ||
					!strings.Contains(err.Error(), "restore it from a backup, or move "+dir+" away to start empty") ||
					!strings.Contains(err.Error(), "`sqlite3 "+filepath.Join(dir, sqlite.FileName)+" .recover`") {
					t.Errorf("%s: error %v; want a *DamagedError starting %q", name, err, want)
				}
			}
		})
	}
}

// damageRecordsPage overwrites n bytes (at most a page) from offset off of
// a leaf page in the middle of the records b-tree, in the closed database
// of dir, and checks that quick_check sees it (else the test would prove
// nothing).
func damageRecordsPage(t *testing.T, dir string, off, n int64) {
	t.Helper()
	db := rawDB(t, dir)
	var pages []int64
	rows, err := db.Query(`SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf' ORDER BY pageno`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p int64
		rows.Scan(&p)
		pages = append(pages, p)
	}
	var pageSize int64
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil || len(pages) < 10 {
		t.Fatalf("page size %d (%v), %d leaf pages of records: too few to pick one in the middle", pageSize, err, len(pages))
	}
	db.Close()
	f, err := os.OpenFile(filepath.Join(dir, sqlite.FileName), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	page := pages[len(pages)/2]
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, int(min(n, pageSize-off))), (page-1)*pageSize+off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var result string
	if err := rawDB(t, dir).QueryRow(`PRAGMA quick_check`).Scan(&result); err == nil && result == "ok" {
		t.Fatalf("quick_check finds page %d damaged fine: the test's damage proves nothing", page)
	}
}

// snapshot records each file of a directory: its bytes and modification time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%d bytes, %x…, modified %s", len(data), data[:min(len(data), 32)], info.ModTime().Format(time.RFC3339Nano))
		out[e.Name()+" content"] = string(data)
	}
	return out
}

// A read-only store reads, refuses writes (SQLite itself refuses: the
// connection is read-only), and leaves the database file as it was. In a
// directory nobody may write to it leaves every file as it was.
func TestReadOnlyStore(t *testing.T) {
	for _, readOnlyDir := range []bool{false, true} {
		t.Run(fmt.Sprintf("read-only directory %v", readOnlyDir), func(t *testing.T) {
			dir := t.TempDir()
			s, err := sqlite.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			fill(t, s, 10, 100)
			s.Close()
			if readOnlyDir {
				makeReadOnly(t, dir)
			}
			before := snapshot(t, dir)
			time.Sleep(10 * time.Millisecond) // a write would show in the modification times
			ro, err := sqlite.OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := get(t, ro, "r00003"); got != strings.Repeat("d", 100) {
				t.Errorf("read %q", got)
			}
			err = ro.Update(ctx, func(tx conductor.Tx) error { return tx.Put("p", "k", "new", conductor.Timeless, []byte("x")) })
			if !errors.Is(err, sqlite.ErrReadOnly) {
				t.Errorf("write through the read-only store: %v, want ErrReadOnly", err)
			}
			if err := ro.Compact(ctx); err != nil {
				t.Errorf("Compact on a read-only store: %v", err)
			}
			ro.Close()
			after := snapshot(t, dir)
			for name, was := range before {
				if after[name] != was {
					t.Errorf("%s changed", name)
				}
			}
			if readOnlyDir && len(after) != len(before) {
				t.Errorf("files in the read-only directory: %d, were %d", len(after)/2, len(before)/2)
			}
		})
	}
}

// makeReadOnly removes the write permission bits of dir and its files
// (root ignores them; the store honours them all the same), restoring them
// at the end of the test so that it can be removed.
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.Chmod(filepath.Join(dir, e.Name()), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
}

func TestOpenReadOnlyWithoutStore(t *testing.T) {
	dir := t.TempDir()
	_, err := sqlite.OpenReadOnly(dir)
	if !errors.Is(err, sqlite.ErrNoStore) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly of an empty directory: %v, want ErrNoStore", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("OpenReadOnly created %s", entries[0].Name())
	}
}

// TestNewerSchemaIsRefused: a store a newer proforma wrote (a schema
// version this one does not know) is refused by Open and OpenReadOnly,
// with what to do, and its file is left as it was.
func TestNewerSchemaIsRefused(t *testing.T) {
	dir := closedStore(t, 10)
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 1000`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range opens {
		s, err := open(dir)
		if err == nil {
			s.Close()
			t.Fatalf("%s opened a store of schema 1000", name)
		}
		var damaged *sqlite.DamagedError
		if !strings.Contains(err.Error(), "schema version 1000, newer than this proforma's") ||
			!strings.Contains(err.Error(), "use a newer proforma") || errors.As(err, &damaged) {
			t.Errorf("%s: %v", name, err)
		}
	}
	after, err := os.ReadFile(filepath.Join(dir, sqlite.FileName))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the refused store's file changed (%v)", err)
	}
}
