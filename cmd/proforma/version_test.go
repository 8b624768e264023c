package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/harness"
)

// testVersion is the version the tests' release build carries.
const testVersion = "v0.0.0-test"

// The release build (CGO_ENABLED=0 go build -trimpath -ldflags "-X
// main.version=…", as the tests build it) is a static binary: ldd says
// so, and it prints its version and serves from an empty directory with
// an empty environment.
func TestReleaseBinaryIsStatic(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "proforma")
	data, err := os.ReadFile(proformaBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if ldd, err := exec.LookPath("ldd"); err == nil {
		out, _ := exec.Command(ldd, bin).CombinedOutput() // ldd fails on a static binary
		if !strings.Contains(string(out), "not a dynamic executable") && !strings.Contains(string(out), "statically linked") {
			t.Errorf("ldd %s: %s", bin, out)
		}
	}
	empty := t.TempDir()
	for _, arg := range []string{"version", "--version"} {
		cmd := exec.Command(bin, arg)
		cmd.Dir, cmd.Env = empty, []string{}
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), "proforma "+testVersion+" (commit ") || !strings.Contains(string(out), "go1.") {
			t.Errorf("proforma %s: %q, %v", arg, out, err)
		}
	}
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:"+port, "--data", ":memory:")
	serve.Dir, serve.Env = empty, []string{}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { serve.Process.Kill(); serve.Wait() }()
	for {
		res, err := http.Get("http://127.0.0.1:" + port + "/_proforma/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatal("the static binary did not serve from an empty directory with an empty environment")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("serving --data :memory: wrote %d entries into the working directory", len(entries))
	}
}
