package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/postgres"
	"github.com/proforma-dev/proforma/internal/storetest"
)

// A store of schema version 1 (records only) is migrated on open: its
// stored file chunks move to the blobs table; a read-only open refuses it
// until then.
func TestMigrateChunksToBlobs(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	ctx := context.Background()
	writeVersion1(t, dsn)
	if s, err := postgres.OpenReadOnly(ctx, dsn); err == nil {
		s.Close()
		t.Fatal("OpenReadOnly opened a store of an older schema")
	}
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigrated(t, s)
	ro, err := postgres.OpenReadOnly(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	storetest.CheckMigrated(t, ro)
}

// writeVersion1 writes the tables as version 1 of the schema left them,
// holding storetest.LegacyRecords.
func writeVersion1(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	stmts := []string{`CREATE TABLE proforma_schema (version integer NOT NULL)`,
		`INSERT INTO proforma_schema (version) VALUES (1)`,
		`CREATE TABLE records (ns text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL,
			id text COLLATE "C" NOT NULL, period text COLLATE "C" NOT NULL,
			deleted boolean NOT NULL DEFAULT false, data bytea, PRIMARY KEY (ns, kind, id, period))`}
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range storetest.LegacyRecords {
		_, err := conn.Exec(ctx, `INSERT INTO records (ns, kind, id, period, data) VALUES ($1, $2, $3, $4, $5)`,
			r.NS, r.Kind, r.ID, string(r.Period), []byte(r.Data))
		if err != nil {
			t.Fatal(err)
		}
	}
}
