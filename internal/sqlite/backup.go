package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup copies the store of the data directory dir into out, a new data
// directory that Open (and `proforma serve --data out`) opens with all
// state: SQLite's VACUUM INTO, a consistent snapshot of one read
// transaction, taken beside a running server (WAL lets it read while the
// server writes; the server's writes are not held up). out must not hold
// a store already; it is created if missing.
func Backup(ctx context.Context, dir, out string) error {
	src := filepath.Join(dir, FileName)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no store to back up in %s: %w", dir, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	target := filepath.Join(out, FileName)
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s already holds a store: back up into a new directory", out)
	}
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", target); err != nil {
		os.Remove(target)
		return fmt.Errorf("back up %s: %w", src, err)
	}
	return nil
}
