// Package benchproc is what the benchmark commands share about the child
// processes they run: a `proforma serve` of the real binary, and where the
// node scripts of bench/engine/duckdb live and whether they can run.
package benchproc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/proforma-dev/proforma/internal/harness"
)

// Server is a running `proforma serve`, started by StartServer.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string

	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // its exit status, once done
	out     *harness.LockedBuffer
}

// StartServer runs `bin serve --data data --now now` on a free loopback
// port and returns once GET /_proforma/health answers 200. It fails, with
// the tail of the server's standard error, when the process exits first or
// is not healthy within 30 s, and with ctx's error when ctx ends first; the
// process is stopped in every failure. The caller must Stop a returned
// Server.
func StartServer(ctx context.Context, bin, data, now string) (*Server, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + port
	s := &Server{URL: "http://" + addr, done: make(chan struct{}), out: &harness.LockedBuffer{}}
	s.cmd = exec.Command(bin, "serve", "--data", data, "--now", now, "--addr", addr)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/_proforma/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("proforma serve exited: %v\n%s", s.waitErr, tail(s.out.String(), 3000))
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("proforma serve not healthy after 30 s\n%s", tail(s.out.String(), 3000))
		}
	}
}

// Stop sends SIGTERM and waits for the exit, killing the process after
// 15 s. It returns the exit error (nil for a clean shutdown); calling it
// again, or after the process has exited on its own, returns nil.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.waitErr
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("proforma serve did not stop on SIGTERM: %v", s.waitErr)
	}
}

// DuckDBDir is bench/engine/duckdb of the module at root: the node scripts
// that run DuckDB, and the npm package they use once installed.
func DuckDBDir(root string) string { return filepath.Join(root, "bench", "engine", "duckdb") }

// DuckDBMissing says why the DuckDB scripts cannot run ("" when they can):
// node must be on the PATH and DuckDB's npm package installed in
// DuckDBDir(root). It installs nothing.
func DuckDBMissing(root string) string {
	if _, err := exec.LookPath("node"); err != nil {
		return "node is not on the PATH"
	}
	if _, err := os.Stat(filepath.Join(DuckDBDir(root), "node_modules", "@duckdb", "node-api")); err != nil {
		return "the DuckDB npm package is not installed: run `npm ci --prefix bench/engine/duckdb`"
	}
	return ""
}

// tail is the last n bytes of s, after "…" when s is longer.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
