package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/proforma-dev/proforma/internal/sqlite"
)

// runBackup is `proforma backup --data DIR --out DIR`: a consistent copy
// of the embedded store, taken while a server runs on it.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proforma backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := defaultDataDir()
	dataFlag(fs, &data, "the `DIR` of the embedded store to back up (a PostgreSQL store is backed up with its own tools); "+
		"default $"+dataEnv+", else ./proforma-data")
	out := fs.String("out", "", "a new data `DIR` to write the copy to, which proforma serve --data opens (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return fmt.Errorf("backup: --out is required")
	case strings.HasPrefix(data, "postgres:"):
		return fmt.Errorf("backup: a PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, base backups)")
	case data == sqlite.Memory:
		return fmt.Errorf("backup: an in-memory store has nothing to back up")
	}
	if err := sqlite.Backup(ctx, data, *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s into %s\n", data, *out)
	return nil
}
