package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestBoto3SeedScenario runs testdata/boto3_seed_scenario.py — the seed
// operations and their errors as a Python SDK user sees them — against the
// real binary. It needs python3 with boto3 and skips without them.
func TestBoto3SeedScenario(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH; the boto3 scenario needs python3 with boto3 installed")
	}
	probeCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(probeCtx, python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("python3 cannot import boto3 (%v: %s); install it (pip install boto3) to run the boto3 scenario", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_seed_scenario.py"))
	if err != nil {
		t.Fatal(err)
	}

	p := startProforma(t, ":memory:", "--now", pinnedNow)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, p.URL)
	cmd.Env = append(os.Environ(),
		"PROFORMA_NOW_EPOCH="+fmt.Sprint(pinnedEpoch),
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"AWS_EC2_METADATA_DISABLED=true",
		"PYTHONUNBUFFERED=1",
	)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("boto3 scenario did not finish within 60s; output:\n%s", out)
	}
	if err != nil {
		t.Fatalf("boto3 scenario failed (%v); output:\n%s", err, out)
	}
	t.Logf("boto3 scenario output:\n%s", out)
}
