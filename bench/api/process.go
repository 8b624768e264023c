package main

// Server processes: start on a free loopback port, time the start until the
// first healthy answer, read the resident memory from /proc, stop.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/proforma-dev/proforma/internal/harness"
)

const (
	readyTimeout  = 30 * time.Second
	stopTimeout   = 10 * time.Second
	startAttempts = 5
	pollInterval  = 5 * time.Millisecond
)

// tailBuffer keeps the last bytes a process wrote (moto logs every request).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 16 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailMax {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-tailMax:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// process is one started server.
type process struct {
	name    string
	URL     string
	cmd     *exec.Cmd
	out     *tailBuffer
	done    chan struct{}
	waitErr error
}

// spec says how to start and probe one kind of server.
type spec struct {
	name   string
	argv   func(addr string) []string // program and arguments for a listen address
	health string                     // path answering 200 when ready
	env    []string                   // extra environment
}

var (
	runningMu sync.Mutex
	running   = map[*process]bool{}
)

// stopAll stops every process still running (deferred by main).
func stopAll() {
	runningMu.Lock()
	var ps []*process
	for p := range running {
		ps = append(ps, p)
	}
	runningMu.Unlock()
	for _, p := range ps {
		p.Stop()
	}
}

// start starts the server on a free loopback port and returns it with the
// time from process start to the first 200 of its health path.
func start(ctx context.Context, s spec) (*process, time.Duration, error) {
	var lastErr error
	for range startAttempts {
		p, took, retry, err := tryStart(ctx, s)
		if err == nil {
			return p, took, nil
		}
		lastErr = err
		if !retry {
			break
		}
	}
	return nil, 0, lastErr
}

func tryStart(ctx context.Context, s spec) (*process, time.Duration, bool, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, 0, false, err
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	argv := s.argv(addr)
	p := &process{name: s.name, URL: "http://" + addr, out: &tailBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.Env = append(os.Environ(), s.env...)
	p.cmd.WaitDelay = 5 * time.Second
	t0 := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, 0, false, fmt.Errorf("%s: %w", s.name, err)
	}
	runningMu.Lock()
	running[p] = true
	runningMu.Unlock()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
		runningMu.Lock()
		delete(running, p)
		runningMu.Unlock()
	}()
	took, err := p.waitReady(ctx, s.health, t0)
	if err != nil {
		exited := !p.Running()
		p.Stop()
		if exited && strings.Contains(p.out.String(), "already in use") {
			return nil, 0, true, fmt.Errorf("%s: port %s taken", s.name, port)
		}
		return nil, 0, false, fmt.Errorf("%s: %v\noutput:\n%s", s.name, err, p.out.String())
	}
	return p, took, false, nil
}

// Running reports whether the process has not exited.
func (p *process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *process) waitReady(ctx context.Context, path string, t0 time.Time) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := t0.Add(readyTimeout)
	for {
		resp, err := client.Get(p.URL + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
			err = fmt.Errorf("health: %s", resp.Status)
		}
		select {
		case <-p.done:
			return 0, fmt.Errorf("exited before becoming healthy: %v", p.waitErr)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pollInterval):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("not healthy after %v: %v", readyTimeout, err)
		}
	}
}

// Stop sends SIGTERM, waits (bounded) and kills the process if needed.
func (p *process) Stop() {
	if !p.Running() {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// memory is a process's resident set size from /proc/<pid>/status, in KiB.
type memory struct {
	RSSKiB  int64 `json:"rss_kib"`  // VmRSS
	PeakKiB int64 `json:"peak_kib"` // VmHWM: the peak resident set size so far
}

func (p *process) Memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.RSSKiB = n
		case "VmHWM":
			m.PeakKiB = n
		}
	}
	if m.RSSKiB == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%d/status", p.cmd.Process.Pid)
	}
	return m, sc.Err()
}

// cpuSample is a reading of the machine's CPU time and of the benchmark's
// own processes (this one and the server), in clock ticks.
type cpuSample struct {
	busy, total, ours int64
}

// sampleCPU reads /proc/stat and /proc/<pid>/stat of this process and the server.
func sampleCPU(server *process) cpuSample {
	var s cpuSample
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
		for i := 1; i < len(f) && i <= 8; i++ {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			s.total += n
			if i != 4 && i != 5 { // idle, iowait
				s.busy += n
			}
		}
	}
	s.ours = procTicks("self")
	if server != nil {
		s.ours += procTicks(strconv.Itoa(server.cmd.Process.Pid))
	}
	return s
}

// procTicks is utime+stime of /proc/<pid>/stat.
func procTicks(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may contain spaces; fields resume after ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// otherCPU is the share of the machine's CPU capacity used by processes
// other than the benchmark and the server between two samples, in percent.
func otherCPU(a, b cpuSample) float64 {
	total := b.total - a.total
	if total <= 0 {
		return 0
	}
	other := (b.busy - a.busy) - (b.ours - a.ours)
	return max(0, 100*float64(other)/float64(total))
}
