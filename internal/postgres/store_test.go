package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/postgres"
	"github.com/proforma-dev/proforma/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) conductor.Store {
		s, err := postgres.Open(context.Background(), harness.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Two replicas (two Stores on one database) incrementing one counter at
// once: serialization failures come back as conductor.ErrWriteConflict,
// and with retries every increment counts exactly once.
func TestReplicasSerialize(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	ctx := context.Background()
	var replicas [2]*postgres.Store
	for i := range replicas {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		replicas[i] = s
	}
	const workers, increments = 4, 25
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	for w := range workers {
		s := replicas[w%2]
		wg.Go(func() {
			for range increments {
				for {
					err := s.Update(ctx, func(tx conductor.Tx) error {
						data, _, err := tx.Get("p", "counter", "c", conductor.Timeless)
						if err != nil {
							return err
						}
						n, _ := strconv.Atoi(string(data))
						return tx.Put("p", "counter", "c", conductor.Timeless, []byte(strconv.Itoa(n+1)))
					})
					if errors.Is(err, conductor.ErrWriteConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						t.Error(err)
					}
					break
				}
			}
		})
	}
	wg.Wait()
	var got string
	replicas[0].View(ctx, func(tx conductor.Tx) error {
		data, _, err := tx.Get("p", "counter", "c", conductor.Timeless)
		got = string(data)
		return err
	})
	if got != strconv.Itoa(workers*increments) {
		t.Errorf("counter = %s after %d increments (%d conflicts retried)", got, workers*increments, conflicts.Load())
	}
	t.Logf("%d serialization conflicts retried", conflicts.Load())
}

func TestContractReadOnly(t *testing.T) {
	storetest.RunReadOnly(t, func(t *testing.T) (conductor.Store, func() (conductor.Store, error)) {
		dsn := harness.PostgresSchema(t)
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, func() (conductor.Store, error) { return postgres.OpenReadOnly(context.Background(), dsn) }
	})
}

// OpenReadOnly of a database without a store says so, and creates nothing.
func TestOpenReadOnlyWithoutStore(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	_, err := postgres.OpenReadOnly(context.Background(), dsn)
	if err == nil || !strings.Contains(err.Error(), "no proforma store in this database") {
		t.Errorf("OpenReadOnly of an empty schema: %v", err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://app:s3cret@db.internal:5432/billing?sslmode=require", "postgres://app:xxxxx@db.internal:5432/billing?sslmode=require"},
		{"postgresql://app@db/billing?password=s3cret&sslpassword=s3cret", "postgresql://app@db/billing?password=xxxxx&sslpassword=xxxxx"},
		{"postgres://app:s3%zzcret@db/billing", "postgres://(unparsable URL hidden)"},
		{"postgres:", "postgres:"},
		{"postgres://", "postgres://"},
	}
	for _, tt := range tests {
		if got := postgres.Redact(tt.dsn); got != tt.want || strings.Contains(got, "s3") {
			t.Errorf("Redact(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

// "postgres:" and a URL without host details connect as the PG*
// environment variables say.
func TestDSNFromEnvironment(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	setPGEnv(t, dsn)
	for _, data := range []string{"postgres:", "postgres://", "postgresql:///"} {
		if !postgres.IsDSN(data) {
			t.Errorf("IsDSN(%q) = false", data)
		}
		s, err := postgres.Open(context.Background(), data)
		if err != nil {
			t.Fatalf("Open(%q): %v", data, err)
		}
		err = s.Update(context.Background(), func(tx conductor.Tx) error { return tx.Put("p", "k", data, conductor.Timeless, []byte("x")) })
		s.Close()
		if err != nil {
			t.Errorf("write through %q: %v", data, err)
		}
	}
	s, err := postgres.Open(context.Background(), dsn) // the URL, not the environment
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := list(t, s); got != "postgres:,postgres://,postgresql:///" {
		t.Errorf("records written through the environment: %q", got)
	}
}

func list(t *testing.T, s conductor.Store) string {
	t.Helper()
	var ids []string
	err := s.View(context.Background(), func(tx conductor.Tx) error {
		recs, err := tx.List("p", "k", conductor.Timeless)
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ",")
}

// setPGEnv sets, for the test, the PG* environment variables that say
// what a postgres:// URL says (its search_path as PGOPTIONS).
func setPGEnv(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	q := u.Query()
	options := ""
	if sp := q.Get("search_path"); sp != "" {
		options = "-c search_path=" + sp
	}
	for name, value := range map[string]string{"PGHOST": u.Hostname(), "PGPORT": u.Port(), "PGUSER": u.User.Username(),
		"PGPASSWORD": password, "PGDATABASE": strings.TrimPrefix(u.Path, "/"), "PGSSLMODE": q.Get("sslmode"), "PGOPTIONS": options} {
		t.Setenv(name, value)
	}
}

// TestNewerSchemaIsRefused: a database a newer proforma migrated is
// refused, and its schema version left as it was.
func TestNewerSchemaIsRefused(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE proforma_schema SET version = 1000`); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(context.Context, string) (*postgres.Store, error){
		"Open": postgres.Open, "OpenReadOnly": postgres.OpenReadOnly} {
		s, err := open(context.Background(), dsn)
		if err == nil {
			s.Close()
			t.Fatalf("%s opened a store of schema 1000", name)
		}
		if !strings.Contains(err.Error(), "schema version 1000, newer than this proforma's") {
			t.Errorf("%s: %v", name, err)
		}
	}
	var version int
	if err := conn.QueryRow(context.Background(), `SELECT version FROM proforma_schema`).Scan(&version); err != nil || version != 1000 {
		t.Errorf("schema version after the refusals: %d, %v", version, err)
	}
}
