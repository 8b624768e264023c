package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadCommandsRefuseMissingStore runs report and export on a --data
// directory that does not exist, and on one without a store file: both fail
// naming the directory, and create neither it nor a store.
func TestReadCommandsRefuseMissingStore(t *testing.T) {
	base := t.TempDir()
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{filepath.Join(base, "missing"), empty} {
		for _, args := range [][]string{
			{"report", "--data", data},
			{"report", "--data", data, "--by-service", "--format", "csv"},
			{"export", "--data", data, "--billing-group", "resold"},
		} {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "no Proforma store at "+data) ||
				!strings.Contains(err.Error(), "proforma import") {
				t.Errorf("proforma %s: error %v; want no Proforma store at %s", strings.Join(args, " "), err, data)
			}
			if stdout.Len() > 0 {
				t.Errorf("proforma %s wrote %q", strings.Join(args, " "), stdout.String())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(base, "missing")); !os.IsNotExist(err) {
		t.Errorf("the missing --data directory was created (stat: %v)", err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) > 0 {
		t.Errorf("the empty --data directory got %v", entries)
	}
}
