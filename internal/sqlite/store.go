// Package sqlite is the embedded conductor.Store: database/sql over
// modernc.org/sqlite (pure Go), in WAL mode with synchronous=FULL so that a
// committed transaction survives a process or machine crash.
//
// A store checks its database as it opens and refuses a damaged one (see
// DamagedError); it can be opened read-only (OpenReadOnly) to read a copy
// nobody may write; and Compact gives the space of removed data back to
// the file system (the database uses incremental auto-vacuum).
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/groupcommit"
)

// Memory is the --data value of a throwaway in-memory store.
const Memory = ":memory:"

// FileName is the database file inside the data directory.
const FileName = "proforma.db"

// Store implements conductor.Store. Writes go through one connection, one
// transaction at a time; reads use a pool of read-only connections that see
// the last committed state (WAL snapshots).
type Store struct {
	write      *sql.DB
	read       *sql.DB
	writeStmts statements         // prepared once on write, reused by every transaction
	readStmts  statements         // the read statements prepared on read
	commits    *groupcommit.Queue // write transactions of this process, committed in groups
	readOnly   bool               // opened by OpenReadOnly: write and read are one read-only handle
}

// The SQL of conductor.Tx. ListRange relies on SQLite's documented
// bare-column rule: with MAX(), the other columns come from the row holding
// the maximum. Its grouped subquery runs as a coroutine along the primary
// key, so LIMIT stops the scan; one statement per kind of lower bound
// (Range.From) keeps it a range of the index.
const (
	sqlGet = `SELECT deleted, data FROM records
		WHERE ns = ? AND kind = ? AND id = ? AND period <= ? ORDER BY period DESC LIMIT 1`
	sqlListFrom = `SELECT id, data FROM (SELECT id, deleted, data, MAX(period) FROM records
		WHERE ns = ? AND kind = ? AND id >= ? AND period <= ? GROUP BY id ORDER BY id) WHERE NOT deleted LIMIT ?`
	sqlListAfter = `SELECT id, data FROM (SELECT id, deleted, data, MAX(period) FROM records
		WHERE ns = ? AND kind = ? AND id > ? AND period <= ? GROUP BY id ORDER BY id) WHERE NOT deleted LIMIT ?`
	sqlCount = `SELECT COUNT(*) FROM (SELECT deleted, MAX(period) FROM records
		WHERE ns = ? AND kind = ? AND period <= ? GROUP BY id) WHERE NOT deleted`
	// sqlCountEach is sqlCount of each kind of a JSON array, as a JSON
	// array in the same order.
	sqlCountEach = `SELECT json_group_array((SELECT COUNT(*) FROM (SELECT deleted, MAX(period) FROM records
		WHERE ns = ?1 AND kind = j.value AND period <= ?2 GROUP BY id) WHERE NOT deleted) ORDER BY j.key)
		FROM json_each(?3) AS j`
	sqlVersions = `SELECT period, deleted, data FROM records WHERE ns = ? AND kind = ? AND id = ? ORDER BY period`
	sqlWrite    = `INSERT INTO records (ns, kind, id, period, deleted, data) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (ns, kind, id, period) DO UPDATE SET deleted = excluded.deleted, data = excluded.data`
	sqlTruncate = `DELETE FROM records WHERE ns = ? AND kind = ? AND id = ? AND period >= ?`

	sqlBlobGet = `SELECT data FROM blobs WHERE id = ?`
	// sqlBlobIDs reads ids from the prefix on, in the id index; BlobIDs
	// stops at the first id past the prefix.
	sqlBlobIDs    = `SELECT id FROM blobs WHERE id >= ? ORDER BY id`
	sqlBlobPut    = `INSERT INTO blobs (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`
	sqlBlobDelete = `DELETE FROM blobs WHERE id = ?`
)

// statements are the prepared statements of one database handle; the
// write ones are nil on the read-only handle.
type statements struct {
	get, listFrom, listAfter, count, versions *sql.Stmt
	countEach                                 *sql.Stmt
	write, truncate                           *sql.Stmt
	blobGet, blobIDs, blobPut, blobDelete     *sql.Stmt
	// savepoints are the group commit's statements (groupcommit.Savepoint
	// and the others), by their text: prepared once, not parsed for each
	// request of a batch.
	savepoints map[string]*sql.Stmt
}

func prepare(db *sql.DB, writes bool) (statements, error) {
	var st statements
	type target struct {
		stmt **sql.Stmt
		sql  string
	}
	targets := []target{{&st.get, sqlGet}, {&st.listFrom, sqlListFrom}, {&st.listAfter, sqlListAfter}, {&st.count, sqlCount}, {&st.countEach, sqlCountEach}, {&st.versions, sqlVersions},
		{&st.blobGet, sqlBlobGet}, {&st.blobIDs, sqlBlobIDs}}
	if writes {
		targets = append(targets, target{&st.write, sqlWrite}, target{&st.truncate, sqlTruncate},
			target{&st.blobPut, sqlBlobPut}, target{&st.blobDelete, sqlBlobDelete})
	}
	for _, t := range targets {
		stmt, err := db.Prepare(t.sql)
		if err != nil {
			return st, err
		}
		*t.stmt = stmt
	}
	if writes {
		st.savepoints = map[string]*sql.Stmt{}
		for _, text := range groupcommit.SavepointStatements {
			stmt, err := db.Prepare(text)
			if err != nil {
				return st, err
			}
			st.savepoints[text] = stmt
		}
	}
	return st, nil
}

var _ conductor.Store = (*Store)(nil)

// schema is applied once, in order; PRAGMA user_version counts the steps done.
//
// Blobs live in a rowid table, as SQLite advises for large values: a
// record search then never steps over a blob's overflow pages, which a
// WITHOUT ROWID table stores in its b-tree. The steps after its creation
// move the blobs written as records before the table existed: stored CUR
// file chunks (internal/usage's kind "usagefile" in the global namespace,
// timeless, the record id becoming the blob id). They are the one place
// the store names a kind of its users, frozen history like every step.
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
	`CREATE TABLE blobs (
		id   TEXT NOT NULL PRIMARY KEY,
		data BLOB
	)`,
	`INSERT INTO blobs (id, data) SELECT id, data FROM records
		WHERE ns = '' AND kind = 'usagefile' AND period = '0000-00' AND NOT deleted`,
	`DELETE FROM records WHERE ns = '' AND kind = 'usagefile'`,
}

// migrate applies the schema steps not yet applied, in one transaction;
// applied reports whether there were any.
func (s *Store) migrate() (applied bool, err error) {
	ctx := context.Background()
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer t.Rollback()
	if applied, err = ensureSchema(ctx, t); err != nil {
		return false, err
	}
	return applied, t.Commit()
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Size is the bytes of the database's pages, as a reader sees it now
// (the write-ahead log's committed pages included).
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n)
	return n, mapError(err)
}

// Update implements conductor.Store. Concurrent updates share one
// transaction and one commit (groupcommit): each runs in a savepoint of
// its own and is answered once the commit is durable.
func (s *Store) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	return s.commits.Update(ctx, s.begin, fn)
}

// CommitStats are the durable commits this process made and the updates
// they held (groupcommit.Queue.Stats).
func (s *Store) CommitStats() (commits, updates int64) { return s.commits.Stats() }

// begin opens the write transaction of a group commit. It is not bound to
// any caller's context: one caller going away must not undo the others.
func (s *Store) begin() (groupcommit.Batch, error) {
	sqlTx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, mapError(err)
	}
	return &batch{tx: sqlTx, st: &s.writeStmts}, nil
}

// batch is the transaction of a group commit.
type batch struct {
	tx *sql.Tx
	st *statements
}

func (b *batch) Apply(fn func(conductor.Tx) error) error {
	return mapError(fn(&tx{ctx: context.Background(), tx: b.tx, st: b.st}))
}

func (b *batch) Exec(stmt string) error {
	_, err := b.tx.StmtContext(context.Background(), b.st.savepoints[stmt]).ExecContext(context.Background())
	return mapError(err)
}

func (b *batch) Commit() error   { return mapError(b.tx.Commit()) }
func (b *batch) Rollback() error { return b.tx.Rollback() }

// View implements conductor.Store.
func (s *Store) View(ctx context.Context, fn func(conductor.Tx) error) error {
	sqlTx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.read != s.write})
	if err != nil {
		return mapError(err)
	}
	defer sqlTx.Rollback()
	st := &s.readStmts
	if s.read == s.write {
		st = &s.writeStmts
	}
	return mapError(fn(&tx{ctx: ctx, tx: sqlTx, st: st}))
}

// newerSchema is the error of a store whose schema a newer proforma wrote.
func newerSchema(version int) error {
	return fmt.Errorf("the store has schema version %d, newer than this proforma's %d: use a newer proforma", version, len(schema))
}

// ensureSchema applies the schema steps not yet applied; applied reports
// whether there were any. A store of a newer schema is refused.
func ensureSchema(ctx context.Context, t *sql.Tx) (applied bool, err error) {
	var version int
	if err := t.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return false, err
	}
	if version > len(schema) { // written by a newer proforma: its data may mean what this one cannot read
		return false, newerSchema(version)
	}
	for ; version < len(schema); version++ {
		if _, err := t.ExecContext(ctx, schema[version]); err != nil {
			return false, err
		}
		if _, err := t.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version+1)); err != nil {
			return false, err
		}
		applied = true
	}
	return applied, nil
}

// mapError turns SQLite's busy/locked codes into conductor.ErrWriteConflict,
// and its read-only code into ErrReadOnly.
func mapError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %v", conductor.ErrWriteConflict, err)
		case sqlite3.SQLITE_READONLY:
			return fmt.Errorf("%w: %v", ErrReadOnly, err)
		}
	}
	return err
}

// tx implements conductor.Tx on a database/sql transaction.
type tx struct {
	ctx context.Context
	tx  *sql.Tx
	st  *statements
}

// stmt binds a prepared statement to the transaction; database/sql reuses
// the statement when it was prepared on the transaction's connection.
func (t *tx) stmt(s *sql.Stmt) *sql.Stmt { return t.tx.StmtContext(t.ctx, s) }

func (t *tx) Get(ns, kind, id string, at conductor.Period) ([]byte, bool, error) {
	var deleted bool
	var data []byte
	err := t.stmt(t.st.get).QueryRowContext(t.ctx, ns, kind, id, string(at)).Scan(&deleted, &data)
	if errors.Is(err, sql.ErrNoRows) || deleted {
		return nil, false, nil
	}
	return data, err == nil, err
}

func (t *tx) List(ns, kind string, at conductor.Period) ([]conductor.Record, error) {
	return t.ListRange(ns, kind, at, conductor.Range{})
}

func (t *tx) ListRange(ns, kind string, at conductor.Period, r conductor.Range) ([]conductor.Record, error) {
	from, inclusive := r.From()
	stmt := t.st.listAfter
	if inclusive {
		stmt = t.st.listFrom
	}
	limit := r.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := t.stmt(stmt).QueryContext(t.ctx, ns, kind, from, string(at), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []conductor.Record
	for rows.Next() {
		var rec conductor.Record
		if err := rows.Scan(&rec.ID, &rec.Data); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(rec.ID, r.Prefix) {
			break // past the prefix
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func (t *tx) Count(ns, kind string, at conductor.Period) (int, error) {
	var n int
	err := t.stmt(t.st.count).QueryRowContext(t.ctx, ns, kind, string(at)).Scan(&n)
	return n, err
}

func (t *tx) CountEach(ns string, kinds []string, at conductor.Period) ([]int, error) {
	list, err := json.Marshal(kinds)
	if err != nil {
		return nil, err
	}
	var counts []byte
	if err := t.stmt(t.st.countEach).QueryRowContext(t.ctx, ns, string(at), string(list)).Scan(&counts); err != nil {
		return nil, err
	}
	out := make([]int, 0, len(kinds))
	return out, json.Unmarshal(counts, &out)
}

func (t *tx) Put(ns, kind, id string, from conductor.Period, data []byte) error {
	return t.write(ns, kind, id, from, false, data)
}

func (t *tx) Delete(ns, kind, id string, from conductor.Period) error {
	return t.write(ns, kind, id, from, true, nil)
}

func (t *tx) write(ns, kind, id string, from conductor.Period, deleted bool, data []byte) error {
	_, err := t.stmt(t.st.write).ExecContext(t.ctx, ns, kind, id, string(from), deleted, data)
	return err
}

func (t *tx) DeleteAll() error {
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM records`)
	if err == nil {
		_, err = t.tx.ExecContext(t.ctx, `DELETE FROM blobs`)
	}
	return err
}

func (t *tx) CopyNamespace(from, to string, skip []string) error {
	q := `INSERT OR REPLACE INTO records (ns, kind, id, period, deleted, data)
		SELECT ?, kind, id, period, deleted, data FROM records WHERE ns = ?`
	args := []any{to, from}
	if len(skip) > 0 {
		q += ` AND kind NOT IN (?` + strings.Repeat(`, ?`, len(skip)-1) + `)`
		for _, k := range skip {
			args = append(args, k)
		}
	}
	_, err := t.tx.ExecContext(t.ctx, q, args...)
	return err
}

func (t *tx) DeleteNamespace(ns string) error {
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM records WHERE ns = ?`, ns)
	return err
}

func (t *tx) Versions(ns, kind, id string) ([]conductor.Version, error) {
	rows, err := t.stmt(t.st.versions).QueryContext(t.ctx, ns, kind, id)
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
	_, err := t.stmt(t.st.truncate).ExecContext(t.ctx, ns, kind, id, string(from))
	return err
}

func (t *tx) PutBlob(id string, data []byte) error {
	_, err := t.stmt(t.st.blobPut).ExecContext(t.ctx, id, data)
	return err
}

func (t *tx) GetBlob(id string) ([]byte, bool, error) {
	var data []byte
	err := t.stmt(t.st.blobGet).QueryRowContext(t.ctx, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if data == nil && err == nil {
		data = []byte{}
	}
	return data, err == nil, err
}

func (t *tx) DeleteBlob(id string) error {
	_, err := t.stmt(t.st.blobDelete).ExecContext(t.ctx, id)
	return err
}

func (t *tx) BlobIDs(prefix string) ([]string, error) {
	rows, err := t.stmt(t.st.blobIDs).QueryContext(t.ctx, prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(id, prefix) {
			break
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
