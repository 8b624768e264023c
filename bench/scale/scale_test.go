package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun runs the benchmark at a tiny size and checks that it measures
// every operation at every size and writes its JSON.
func TestRun(t *testing.T) {
	cfg, err := parseFlags([]string{"-sizes", "3,10", "-samples", "2", "-walks", "1", "-cur-lines", "100",
		"-json", filepath.Join(t.TempDir(), "scale.json")})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if err := rep.writeJSON(cfg.JSON); err != nil {
		t.Fatal(err)
	}
	b := &bench{}
	if got, want := len(rep.Ops), len(b.ops()); got != want {
		t.Errorf("%d operations measured, want %d", got, want)
	}
	for _, o := range rep.Ops {
		if len(o.At) != len(cfg.Sizes) {
			t.Errorf("%s (%s): %d sizes measured, want %d", o.Name, o.Kind, len(o.At), len(cfg.Sizes))
		}
		if !strings.Contains(out.String(), o.Name) {
			t.Errorf("no row for %s in the table:\n%s", o.Name, out.String())
		}
	}
	if rep.Import == nil || rep.Import.Before <= 0 || rep.Import.After <= 0 {
		t.Errorf("Import = %+v, want both throughputs", rep.Import)
	}
	t.Log("\n" + out.String())
}

func TestParseSizes(t *testing.T) {
	for _, bad := range []string{"", "10,10", "1000,10", "x", "1", "6000"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q) = nil error", bad)
		}
	}
}
