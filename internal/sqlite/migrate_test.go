package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/storetest"
)

// A store of schema version 1 (records only) is migrated on open: its
// stored file chunks move to the blobs table; a read-only open refuses it
// until then.
func TestMigrateChunksToBlobs(t *testing.T) {
	dir := t.TempDir()
	writeVersion1(t, filepath.Join(dir, sqlite.FileName))
	if s, err := sqlite.OpenReadOnly(dir); err == nil {
		s.Close()
		t.Fatal("OpenReadOnly opened a store of an older schema")
	}
	s, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckMigrated(t, s)
	s.Close()
	ro, err := sqlite.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	storetest.CheckMigrated(t, ro)
}

// writeVersion1 writes a database as version 1 of the schema left it,
// holding storetest.LegacyRecords.
func writeVersion1(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{`PRAGMA auto_vacuum = INCREMENTAL`, `CREATE TABLE records (
		ns TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, period TEXT NOT NULL,
		deleted INTEGER NOT NULL DEFAULT 0, data BLOB, PRIMARY KEY (ns, kind, id, period)) WITHOUT ROWID`,
		`PRAGMA user_version = 1`}
	for _, stmt := range stmts {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range storetest.LegacyRecords {
		_, err := db.Exec(`INSERT INTO records (ns, kind, id, period, data) VALUES (?, ?, ?, ?, ?)`,
			r.NS, r.Kind, r.ID, string(r.Period), []byte(r.Data))
		if err != nil {
			t.Fatal(err)
		}
	}
}
