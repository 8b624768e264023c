// Package sqlite is the embedded conductor.Store: database/sql over
// modernc.org/sqlite (pure Go), in WAL mode with synchronous=FULL so that a
// committed transaction survives a process or machine crash.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Memory is the --data value of a throwaway in-memory store.
const Memory = ":memory:"

// FileName is the database file inside the data directory.
const FileName = "proforma.db"

// Store implements conductor.Store. Writes go through one connection, one
// transaction at a time; reads use a pool of read-only connections that see
// the last committed state (WAL snapshots).
type Store struct {
	write *sql.DB
	read  *sql.DB
	mu    sync.Mutex // serializes write transactions of this process
}

var _ conductor.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the data directory dir, or
// an in-memory store for Memory.
func Open(dir string) (*Store, error) {
	if dir == Memory {
		db, err := sql.Open("sqlite", "file::memory:?_txlock=immediate")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1) // every connection would be a separate database
		return newStore(db, db)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	dsn := "file:" + filepath.Join(dir, FileName) +
		"?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)"
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
	return newStore(write, read)
}

func newStore(write, read *sql.DB) (*Store, error) {
	s := &Store{write: write, read: read}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate store: %w", err)
	}
	return s, nil
}

// schema is applied once, in order; PRAGMA user_version counts the steps done.
var schema = []string{
	`CREATE TABLE records (
		ns      TEXT NOT NULL,
		kind    TEXT NOT NULL,
		id      TEXT NOT NULL,
		period  TEXT NOT NULL,
		deleted INTEGER NOT NULL DEFAULT 0,
		data    BLOB,
		PRIMARY KEY (ns, kind, id, period)
	) WITHOUT ROWID`,
}

func (s *Store) migrate() error {
	ctx := context.Background()
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if err := ensureSchema(ctx, t); err != nil {
		return err
	}
	return t.Commit()
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Update implements conductor.Store.
func (s *Store) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer sqlTx.Rollback()
	if err := fn(&tx{ctx: ctx, tx: sqlTx}); err != nil {
		return mapError(err)
	}
	return mapError(sqlTx.Commit())
}

// View implements conductor.Store.
func (s *Store) View(ctx context.Context, fn func(conductor.Tx) error) error {
	sqlTx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.read != s.write})
	if err != nil {
		return mapError(err)
	}
	defer sqlTx.Rollback()
	return mapError(fn(&tx{ctx: ctx, tx: sqlTx}))
}

// ensureSchema applies the schema steps not yet applied.
func ensureSchema(ctx context.Context, t *sql.Tx) error {
	var version int
	if err := t.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	for ; version < len(schema); version++ {
		if _, err := t.ExecContext(ctx, schema[version]); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version+1)); err != nil {
			return err
		}
	}
	return nil
}

// mapError turns SQLite's busy/locked codes into conductor.ErrWriteConflict.
func mapError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %v", conductor.ErrWriteConflict, err)
		}
	}
	return err
}

// tx implements conductor.Tx on a database/sql transaction.
type tx struct {
	ctx context.Context
	tx  *sql.Tx
}

func (t *tx) Get(ns, kind, id string, at conductor.Period) ([]byte, bool, error) {
	var deleted bool
	var data []byte
	err := t.tx.QueryRowContext(t.ctx, `SELECT deleted, data FROM records
		WHERE ns = ? AND kind = ? AND id = ? AND period <= ? ORDER BY period DESC LIMIT 1`,
		ns, kind, id, string(at)).Scan(&deleted, &data)
	if errors.Is(err, sql.ErrNoRows) || deleted {
		return nil, false, nil
	}
	return data, err == nil, err
}

// List relies on SQLite's documented bare-column rule: with MAX(), the other
// columns come from the row holding the maximum.
func (t *tx) List(ns, kind string, at conductor.Period) ([]conductor.Record, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, deleted, data, MAX(period) FROM records
		WHERE ns = ? AND kind = ? AND period <= ? GROUP BY id ORDER BY id`, ns, kind, string(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []conductor.Record
	for rows.Next() {
		var r conductor.Record
		var deleted bool
		var period string
		if err := rows.Scan(&r.ID, &deleted, &r.Data, &period); err != nil {
			return nil, err
		}
		if !deleted {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

func (t *tx) Put(ns, kind, id string, from conductor.Period, data []byte) error {
	return t.write(ns, kind, id, from, false, data)
}

func (t *tx) Delete(ns, kind, id string, from conductor.Period) error {
	return t.write(ns, kind, id, from, true, nil)
}

func (t *tx) write(ns, kind, id string, from conductor.Period, deleted bool, data []byte) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO records (ns, kind, id, period, deleted, data)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (ns, kind, id, period) DO UPDATE SET deleted = excluded.deleted, data = excluded.data`,
		ns, kind, id, string(from), deleted, data)
	return err
}

func (t *tx) DeleteAll() error {
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM records`)
	return err
}

func (t *tx) Versions(ns, kind, id string) ([]conductor.Version, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT period, deleted, data FROM records
		WHERE ns = ? AND kind = ? AND id = ? ORDER BY period`, ns, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []conductor.Version
	for rows.Next() {
		var v conductor.Version
		var period string
		if err := rows.Scan(&period, &v.Deleted, &v.Data); err != nil {
			return nil, err
		}
		v.Period = conductor.Period(period)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t *tx) Truncate(ns, kind, id string, from conductor.Period) error {
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM records WHERE ns = ? AND kind = ? AND id = ? AND period >= ?`,
		ns, kind, id, string(from))
	return err
}
