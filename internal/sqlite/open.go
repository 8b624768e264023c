package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/proforma-dev/proforma/internal/groupcommit"
)

// ErrReadOnly is returned (wrapped) by Update on a store opened with
// OpenReadOnly: SQLite itself refuses the write.
var ErrReadOnly = errors.New("the store is open read-only")

// ErrNoStore is returned (wrapped) by OpenReadOnly for a directory that
// holds no store.
var ErrNoStore = errors.New("no store here: import usage into it first, with `proforma import`")

// writePragmas are the settings of every read-write connection: WAL with
// synchronous=FULL (a commit survives a crash), a wait for other
// processes' writes.
const writePragmas = "_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
	"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)"

// Open opens (creating if needed) the store in the data directory dir, or
// an in-memory store for Memory. It checks the database first (see check):
// a damaged one is refused with a *DamagedError. A database created
// without incremental auto-vacuum (before Compact existed) is converted
// once, by a VACUUM that rewrites the file.
func Open(dir string) (*Store, error) {
	if dir == Memory {
		db, err := sql.Open("sqlite", "file::memory:?_txlock=immediate")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1) // every connection would be a separate database
		return newStore(dir, db, db)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	dsn := "file:" + filepath.Join(dir, FileName) + "?" + writePragmas
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(on)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	return newStore(dir, write, read)
}

func newStore(dir string, write, read *sql.DB) (*Store, error) {
	s := &Store{write: write, read: read, commits: groupcommit.New()}
	if err := s.setUp(dir); err != nil {
		s.Close()
		return nil, err
	}
	var err error
	if s.writeStmts, err = prepare(write, true); err == nil {
		s.readStmts, err = prepare(read, false)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("prepare statements: %w", err)
	}
	return s, nil
}

// setUp checks the database, gives it incremental auto-vacuum and applies
// the schema. After schema steps (which may have moved data between
// tables) it compacts the database, best effort: a failure leaves the
// space to a later Compact.
func (s *Store) setUp(dir string) error {
	if err := check(s.write, dir); err != nil {
		return err
	}
	var version int
	if err := s.write.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return damaged(dir, err)
	}
	if version > len(schema) { // refused before anything writes to it
		return newerSchema(version)
	}
	if err := incrementalVacuum(s.write); err != nil {
		return damaged(dir, fmt.Errorf("enable incremental vacuum: %w", err))
	}
	applied, err := s.migrate()
	if err != nil {
		return damaged(dir, fmt.Errorf("migrate store: %w", err))
	}
	if applied && dir != Memory {
		_ = s.Compact(context.Background())
	}
	return nil
}

// autoVacuumIncremental is PRAGMA auto_vacuum's value of INCREMENTAL.
const autoVacuumIncremental = 2

// incrementalVacuum gives the database incremental auto-vacuum, which
// Compact needs to return free pages to the file system. SQLite takes the
// setting before the first table is created; an existing database needs
// a VACUUM, which rewrites the whole file (seconds for a large store, once).
func incrementalVacuum(db *sql.DB) error {
	var mode int
	if err := db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode == autoVacuumIncremental {
		return err
	}
	for _, stmt := range []string{`PRAGMA auto_vacuum = INCREMENTAL`, `VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := db.Exec(stmt); err != nil {
			return err
		}
	}
	return nil
}

// OpenReadOnly opens the existing store in dir for reading only, in
// SQLite's read-only mode: nothing in dir is written, and Update fails
// with ErrReadOnly. The database is checked as by Open, and its schema
// must be the current one.
//
// In a directory nobody may write to (see readOnlyDir) without a pending
// write-ahead log, the database is opened immutable: SQLite then takes no
// locks and creates no -wal or -shm file, which is safe because no process
// can be writing there. Elsewhere it reads with the usual locking, so that
// it sees consistent snapshots while a server or an import writes; SQLite
// may then create the -wal and -shm files all connections share (empty,
// and left for the next writer), and a pending log is read through them.
func OpenReadOnly(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w (%w)", ErrNoStore, err)
	}
	dsn := "file:" + path + "?mode=ro&_pragma=busy_timeout(10000)"
	if readOnlyDir(dir) && !walPending(path) {
		dsn += "&immutable=1"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{write: db, read: db, readOnly: true, commits: groupcommit.New()}
	if err := s.setUpReadOnly(dir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// setUpReadOnly checks the database and its schema version, and prepares
// the statements (the write ones fail when run).
func (s *Store) setUpReadOnly(dir string) error {
	if err := check(s.write, dir); err != nil {
		return err
	}
	var version int
	if err := s.write.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return damaged(dir, err)
	}
	switch {
	case version < len(schema):
		return fmt.Errorf("the store in %s has schema version %d, this proforma reads %d: open it once with `proforma serve` or `proforma import` to upgrade it", dir, version, len(schema))
	case version > len(schema):
		return newerSchema(version)
	}
	var err error
	if s.writeStmts, err = prepare(s.write, true); err != nil {
		return fmt.Errorf("prepare statements: %w", damaged(dir, err))
	}
	return nil
}

// readOnlyDir reports whether nobody may write in dir: it has no write
// permission bits (which root ignores, but means the owner made it
// read-only), or this process may not write to it.
func readOnlyDir(dir string) bool {
	info, err := os.Stat(dir)
	if err != nil {
		return false
	}
	return info.Mode().Perm()&0o222 == 0 || !writable(dir)
}

// walPending reports whether the database's write-ahead log holds frames:
// commits not yet copied into the database file, or a writer at work.
func walPending(path string) bool {
	info, err := os.Stat(path + "-wal")
	return err == nil && info.Size() > 0
}
