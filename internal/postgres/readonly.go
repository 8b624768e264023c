package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/proforma-dev/proforma/internal/groupcommit"
)

// OpenReadOnly connects to the database at dsn for reading only: every
// session has default_transaction_read_only on, so PostgreSQL refuses
// writes (SQLSTATE 25006) and a role with SELECT rights alone suffices.
// The schema is not migrated: it must be the current one.
func OpenReadOnly(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString(dsn))
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, commits: groupcommit.New()}, nil
}

// checkSchema requires the schema version this code reads.
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	var version int
	err := pool.QueryRow(ctx, `SELECT version FROM proforma_schema`).Scan(&version)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "42P01": // undefined_table
		return errors.New("no proforma store in this database: run `proforma import` or `proforma serve` on it first")
	case err != nil:
		return err
	case version < len(schema):
		return fmt.Errorf("the store has schema version %d, this proforma reads %d: run `proforma serve` or `proforma import` on it once to upgrade it", version, len(schema))
	case version > len(schema):
		return fmt.Errorf("the store has schema version %d, newer than this proforma's %d: use a newer proforma", version, len(schema))
	}
	return nil
}
