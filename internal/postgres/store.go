// Package postgres is the conductor.Store for several proforma replicas
// sharing one PostgreSQL database: pgx, SERIALIZABLE write transactions
// (a serialization failure is conductor.ErrWriteConflict, which the
// Service retries), REPEATABLE READ read-only snapshots for reads. Commits
// are durable under PostgreSQL's default synchronous_commit.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/groupcommit"
)

// Store implements conductor.Store on a pgx connection pool.
type Store struct {
	pool *pgxpool.Pool
	// commits are this replica's write transactions, one group at a time:
	// conflicts come only from other replicas.
	commits *groupcommit.Queue
}

var _ conductor.Store = (*Store)(nil)

// schema is applied once, in order, under an advisory lock so that
// replicas starting together do not race; proforma_schema counts the
// steps done. Text columns use the "C" collation: ids order by bytes, as
// in the SQLite store.
//
// Blobs have their own table, stored out of line (TOAST) without
// compression: they are compressed files already. The steps after its
// creation move the blobs written as records before the table existed:
// stored CUR file chunks (internal/usage's kind "usagefile" in the global
// namespace, timeless, the record id becoming the blob id). They are the
// one place the store names a kind of its users, frozen history like
// every step.
//
// The last steps make the records' unique index order each id's periods
// newest first: the order of "the version in force" (Get, ListRange,
// Count). A keyset page then walks the index and stops at its LIMIT, with
// no sort whatever the planner's statistics say (with the ascending
// primary key it sorted the kind's range, or started parallel workers:
// milliseconds for ten records).
var schema = []string{
	`CREATE TABLE records (
		ns      text COLLATE "C" NOT NULL,
		kind    text COLLATE "C" NOT NULL,
		id      text COLLATE "C" NOT NULL,
		period  text COLLATE "C" NOT NULL,
		deleted boolean NOT NULL DEFAULT false,
		data    bytea,
		PRIMARY KEY (ns, kind, id, period)
	)`,
	`CREATE TABLE blobs (
		id   text COLLATE "C" PRIMARY KEY,
		data bytea
	)`,
	`ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL`,
	`INSERT INTO blobs (id, data) SELECT id, data FROM records
		WHERE ns = '' AND kind = 'usagefile' AND period = '0000-00' AND NOT deleted`,
	`DELETE FROM records WHERE ns = '' AND kind = 'usagefile'`,
	`CREATE UNIQUE INDEX records_latest ON records (ns, kind, id, period DESC)`,
	`ALTER TABLE records DROP CONSTRAINT records_pkey`,
}

// migrationLock is the advisory lock key of schema changes.
const migrationLock = 0x70726f666f726d61 // "proforma"

// Open connects to the database at dsn (see IsDSN: the PG* environment
// variables fill what it leaves out) and applies the schema.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString(dsn))
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{pool: pool, commits: groupcommit.New()}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate store: %w", err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS proforma_schema (version integer NOT NULL)`); err != nil {
			return err
		}
		var version int
		err := tx.QueryRow(ctx, `SELECT version FROM proforma_schema`).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			_, err = tx.Exec(ctx, `INSERT INTO proforma_schema (version) VALUES (0)`)
		}
		if err != nil {
			return err
		}
		if version > len(schema) { // written by a newer proforma: its data may mean what this one cannot read
			return fmt.Errorf("the store has schema version %d, newer than this proforma's %d: use a newer proforma", version, len(schema))
		}
		for ; version < len(schema); version++ {
			if _, err := tx.Exec(ctx, schema[version]); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE proforma_schema SET version = $1`, version)
		return err
	})
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Size is the bytes the database takes on disk (pg_database_size): every
// table and index of it, Proforma's and any other's.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
	return n, mapError(err)
}

// Update implements conductor.Store. Concurrent updates of this replica
// share one serializable transaction and one commit (groupcommit), each in
// a savepoint of its own; a serialization failure fails the whole batch
// with conductor.ErrWriteConflict, which the Service retries.
func (s *Store) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	return s.commits.Update(ctx, s.begin, fn)
}

// CommitStats are the durable commits this process made and the updates
// they held (groupcommit.Queue.Stats).
func (s *Store) CommitStats() (commits, updates int64) { return s.commits.Stats() }

// begin opens the transaction of a group commit, bound to no caller's
// context: one caller going away must not undo the others.
func (s *Store) begin() (groupcommit.Batch, error) {
	t, err := s.pool.BeginTx(context.Background(), pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return nil, mapError(err)
	}
	return &batch{tx: t}, nil
}

// batch is the transaction of a group commit.
type batch struct{ tx pgx.Tx }

func (b *batch) Apply(fn func(conductor.Tx) error) error {
	return mapError(fn(&tx{ctx: context.Background(), tx: b.tx}))
}

func (b *batch) Exec(stmt string) error {
	_, err := b.tx.Exec(context.Background(), stmt)
	return mapError(err)
}

func (b *batch) Commit() error   { return mapError(b.tx.Commit(context.Background())) }
func (b *batch) Rollback() error { return b.tx.Rollback(context.Background()) }

// View implements conductor.Store.
func (s *Store) View(ctx context.Context, fn func(conductor.Tx) error) error {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapError(err)
	}
	defer t.Rollback(context.WithoutCancel(ctx))
	return mapError(fn(&tx{ctx: ctx, tx: t}))
}

// mapError turns serialization failures and deadlocks (SQLSTATE 40001,
// 40P01) into conductor.ErrWriteConflict.
func mapError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
		return fmt.Errorf("%w: %v", conductor.ErrWriteConflict, err)
	}
	return err
}

// tx implements conductor.Tx on a pgx transaction.
type tx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t *tx) Get(ns, kind, id string, at conductor.Period) ([]byte, bool, error) {
	var deleted bool
	var data []byte
	err := t.tx.QueryRow(t.ctx, `SELECT deleted, data FROM records
		WHERE ns = $1 AND kind = $2 AND id = $3 AND period <= $4 ORDER BY period DESC LIMIT 1`,
		ns, kind, id, string(at)).Scan(&deleted, &data)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && deleted) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// latest selects, per id of a kind, the version in force at a period.
const latest = `SELECT DISTINCT ON (id) id, deleted, data FROM records
	WHERE ns = $1 AND kind = $2 AND period <= $3 ORDER BY id, period DESC`

// listRange is latest from a lower bound on, live versions only, limited;
// %s is the bound's operator (Range.From). Under the "C" collation the
// bound and the order are those of the records_latest index, which the
// query walks only as far as LIMIT needs.
const listRange = `SELECT id, data FROM (SELECT DISTINCT ON (id) id, deleted, data FROM records
	WHERE ns = $1 AND kind = $2 AND id %s $3 AND period <= $4 ORDER BY id, period DESC) v
	WHERE NOT deleted LIMIT $5`

var (
	listFrom  = fmt.Sprintf(listRange, ">=")
	listAfter = fmt.Sprintf(listRange, ">")
)

func (t *tx) List(ns, kind string, at conductor.Period) ([]conductor.Record, error) {
	return t.ListRange(ns, kind, at, conductor.Range{})
}

func (t *tx) ListRange(ns, kind string, at conductor.Period, r conductor.Range) ([]conductor.Record, error) {
	from, inclusive := r.From()
	query := listAfter
	if inclusive {
		query = listFrom
	}
	var limit *int // NULL: no limit
	if r.Limit > 0 {
		limit = &r.Limit
	}
	rows, err := t.tx.Query(t.ctx, query, ns, kind, from, string(at), limit)
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
	err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM (`+latest+`) v WHERE NOT deleted`, ns, kind, string(at)).Scan(&n)
	return n, err
}

func (t *tx) CountEach(ns string, kinds []string, at conductor.Period) ([]int, error) {
	counts := make([]int, 0, len(kinds))
	err := t.tx.QueryRow(t.ctx, `SELECT coalesce(array_agg((SELECT count(*) FROM (SELECT DISTINCT ON (id) deleted FROM records
		WHERE ns = $1 AND kind = k.kind AND period <= $2 ORDER BY id, period DESC) v WHERE NOT deleted) ORDER BY k.i), '{}')
		FROM unnest($3::text[]) WITH ORDINALITY AS k(kind, i)`, ns, string(at), kinds).Scan(&counts)
	return counts, err
}

func (t *tx) Put(ns, kind, id string, from conductor.Period, data []byte) error {
	return t.write(ns, kind, id, from, false, data)
}

func (t *tx) Delete(ns, kind, id string, from conductor.Period) error {
	return t.write(ns, kind, id, from, true, nil)
}

func (t *tx) write(ns, kind, id string, from conductor.Period, deleted bool, data []byte) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO records (ns, kind, id, period, deleted, data) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (ns, kind, id, period) DO UPDATE SET deleted = excluded.deleted, data = excluded.data`,
		ns, kind, id, string(from), deleted, data)
	return err
}

func (t *tx) Versions(ns, kind, id string) ([]conductor.Version, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT period, deleted, data FROM records
		WHERE ns = $1 AND kind = $2 AND id = $3 ORDER BY period`, ns, kind, id)
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
	_, err := t.tx.Exec(t.ctx, `DELETE FROM records WHERE ns = $1 AND kind = $2 AND id = $3 AND period >= $4`,
		ns, kind, id, string(from))
	return err
}

func (t *tx) CopyNamespace(from, to string, skip []string) error {
	if skip == nil {
		skip = []string{}
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO records (ns, kind, id, period, deleted, data)
		SELECT $1, kind, id, period, deleted, data FROM records WHERE ns = $2 AND kind <> ALL($3)
		ON CONFLICT (ns, kind, id, period) DO UPDATE SET deleted = EXCLUDED.deleted, data = EXCLUDED.data`,
		to, from, skip)
	return err
}

func (t *tx) DeleteNamespace(ns string) error {
	_, err := t.tx.Exec(t.ctx, `DELETE FROM records WHERE ns = $1`, ns)
	return err
}

func (t *tx) DeleteAll() error {
	_, err := t.tx.Exec(t.ctx, `DELETE FROM records`)
	if err == nil {
		_, err = t.tx.Exec(t.ctx, `DELETE FROM blobs`)
	}
	return err
}

func (t *tx) PutBlob(id string, data []byte) error {
	if data == nil {
		data = []byte{} // stored empty, not NULL, as in the SQLite store
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO blobs (id, data) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data`, id, data)
	return err
}

func (t *tx) GetBlob(id string) ([]byte, bool, error) {
	var data []byte
	err := t.tx.QueryRow(t.ctx, `SELECT data FROM blobs WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if data == nil && err == nil {
		data = []byte{}
	}
	return data, err == nil, err
}

func (t *tx) DeleteBlob(id string) error {
	_, err := t.tx.Exec(t.ctx, `DELETE FROM blobs WHERE id = $1`, id)
	return err
}

// BlobIDs matches the prefix with LIKE, its wildcards escaped: under the
// "C" collation PostgreSQL turns a LIKE prefix into a range of the
// primary key index.
func (t *tx) BlobIDs(prefix string) ([]string, error) {
	pattern := likeEscaper.Replace(prefix) + "%"
	rows, err := t.tx.Query(t.ctx, `SELECT id FROM blobs WHERE id LIKE $1 ORDER BY id`, pattern)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// likeEscaper escapes LIKE's wildcards and its escape character (\).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
