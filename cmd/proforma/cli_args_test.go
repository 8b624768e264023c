package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// A stray word among a command's flags is refused, naming it, before the
// command does anything: flag parsing would otherwise stop there and drop
// the flags after it (report stray --data DIR would read ./proforma-data).
func TestCommandsRefuseStrayArguments(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"serve", "--data", ":memory:", "stray"},
		{"report", "stray", "--data", dir},
		{"export", "--data", dir, "stray", "--billing-group", "g"},
		{"backup", "--data", dir, "stray", "--out", dir + "/copy"},
		{"whatif", "--data", dir, "stray", "--changes", "-"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if err == nil || err.Error() != "unexpected arguments: stray" {
			t.Errorf("proforma %s: %v, want unexpected arguments: stray", strings.Join(args, " "), err)
		}
	}
}

// Without a command, proforma prints its help on standard error and exits
// as on a usage error; `proforma help` prints it on standard output.
func TestNoCommandIsAUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), nil, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) ||
		stdout.Len() != 0 || !strings.Contains(stderr.String(), "proforma serve") {
		t.Errorf("no command: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if err := run(context.Background(), []string{"help"}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "proforma serve") {
		t.Errorf("help: %v, stdout %q", err, stdout.String())
	}
}
