package main

// Helpers for the black-box tests of the real proforma binary: build it once
// per test run, start it on a free loopback port, and talk to it with the
// AWS SDK for Go v2.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/proforma-dev/proforma/internal/harness"
)

const (
	// readyTimeout bounds the wait for /_proforma/health after a start.
	readyTimeout = 20 * time.Second
	// stopTimeout bounds the wait for the process to exit after SIGTERM.
	stopTimeout = 15 * time.Second
	// startAttempts bounds the retries when the picked port was taken
	// between choosing it and the server binding it.
	startAttempts = 5
)

var (
	buildOnce sync.Once
	buildDir  string // temporary directory holding the binary; removed by TestMain
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// proformaBinary builds the proforma command (this package) once per test
// run and returns the path of the binary.
func proformaBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "proforma-bin-")
		if buildErr != nil {
			return
		}
		name := "proforma"
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		binPath = filepath.Join(buildDir, name)
		// go test puts $GOROOT/bin first on the PATH of the test binary. The
		// tests run the release build (README): static, paths trimmed.
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version="+testVersion, "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building proforma: %v", buildErr)
	}
	return binPath
}

// proc is one running `proforma serve` process.
type proc struct {
	t       testing.TB
	name    string // for the logs: "proforma #n"
	URL     string // http://127.0.0.1:PORT
	cmd     *exec.Cmd
	output  *harness.LockedBuffer // stdout and stderr
	done    chan struct{}         // closed when the process has exited and been waited for
	waitErr error                 // valid once done is closed
}

var procCount struct {
	sync.Mutex
	n int
}

// startProforma starts `proforma serve --addr 127.0.0.1:PORT --data dataDir
// extra...` on a free loopback port and waits until it is healthy. The
// process is killed at the end of the test if still running; its output is
// logged if the test failed.
func startProforma(t testing.TB, dataDir string, extra ...string) *proc {
	t.Helper()
	bin := proformaBinary(t)
	var lastErr error
	for range startAttempts {
		p, retry, err := tryStart(t, bin, dataDir, extra)
		if err == nil {
			return p
		}
		lastErr = err
		if !retry {
			break
		}
	}
	t.Fatalf("starting proforma: %v", lastErr)
	return nil
}

// tryStart makes one start attempt; retry reports that the port was taken.
func tryStart(t testing.TB, bin, dataDir string, extra []string) (*proc, bool, error) {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		return nil, false, err
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	args := append([]string{"serve", "--addr", addr, "--data", dataDir}, extra...)
	procCount.Lock()
	procCount.n++
	name := fmt.Sprintf("proforma #%d", procCount.n)
	procCount.Unlock()
	p := &proc{t: t, name: name, URL: "http://" + addr, output: &harness.LockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = p.output
	p.cmd.Stderr = p.output
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, false, err
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.running() {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s (serve %s) output:\n%s", p.name, strings.Join(args[1:], " "), p.output.String())
		}
	})
	if err := p.waitReady(); err != nil {
		if !p.running() && strings.Contains(p.output.String(), "address already in use") {
			return nil, true, fmt.Errorf("%s: port %s taken: %v", p.name, port, err)
		}
		if p.running() {
			p.cmd.Process.Kill()
			<-p.done
		}
		return nil, false, fmt.Errorf("%s: %v\noutput:\n%s", p.name, err, p.output.String())
	}
	t.Logf("%s ready at %s (data %s)", p.name, p.URL, dataDir)
	return p, false, nil
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitReady polls GET /_proforma/health until it answers 200, the process
// exits, or readyTimeout passes.
func (p *proc) waitReady() error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(p.URL + "/_proforma/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("health: %s", resp.Status)
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited before becoming healthy: %v", p.waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %v: %v", readyTimeout, err)
		}
	}
}

// Kill ends the process with SIGKILL — no graceful shutdown — and waits for it.
func (p *proc) Kill() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("%s: kill: %v", p.name, err)
	}
	<-p.done
	p.t.Logf("%s killed (%v)", p.name, p.waitErr)
}

// Stop sends SIGTERM and waits (bounded) for a clean exit; it fails the
// test when the process does not exit in time or exits with an error.
func (p *proc) Stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("%s: SIGTERM: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("%s did not exit within %v of SIGTERM", p.name, stopTimeout)
	}
	if p.waitErr != nil {
		p.t.Errorf("%s exited after SIGTERM with %v", p.name, p.waitErr)
	}
}

// newClient returns a Billing Conductor client for the endpoint. In
// permissive auth a 12-digit access key ID is the caller's account.
func newClient(endpoint, accessKey string) *bc.Client { return harness.NewClient(endpoint, accessKey) }

// callCtx bounds one API call of the tests.
func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// writeOrg writes an organization file (--org) and returns its path.
func writeOrg(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "org.yaml")
	writeFile(t, path, yaml)
	return path
}
