package main

// Child processes measured by the kernel: wall time, CPU time and peak
// resident memory from the child's rusage.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// measure is what one finished child process cost.
type measure struct {
	Wall    time.Duration `json:"-"`
	CPU     time.Duration `json:"-"` // user + system
	PeakKiB int64         `json:"peak_rss_kib"`
	// OtherCPU is the share of the machine's CPUs that other processes
	// used while the child ran (0.05 = 5 %): a busy machine makes the run
	// noisy.
	OtherCPU float64 `json:"other_cpu"`

	WallS float64 `json:"wall_s"`
	CPUS  float64 `json:"cpu_s"`
}

// PeakMiB is the peak resident set size in MiB.
func (m measure) PeakMiB() float64 { return float64(m.PeakKiB) / 1024 }

// run runs argv[0] with argv[1:] in dir ("" = the current directory) to
// completion and returns its standard output and what it cost: wall time
// from start to exit, user + system CPU time, and the peak resident set
// size (ru_maxrss, KiB on Linux). A non-zero exit is an error carrying the
// tail of its standard error.
func run(dir string, argv ...string) ([]byte, measure, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	busy0, total0 := cpuTicks()
	t0 := time.Now()
	err := cmd.Run()
	m := measure{Wall: time.Since(t0)}
	busy1, total1 := cpuTicks()
	if cmd.ProcessState != nil {
		m.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.PeakKiB = ru.Maxrss
		}
	}
	if total1 > total0 && m.Wall > 0 {
		machine := float64(busy1-busy0) / float64(total1-total0)
		child := m.CPU.Seconds() / (m.Wall.Seconds() * float64(runtime.NumCPU()))
		m.OtherCPU = max(0, machine-child)
	}
	m.WallS, m.CPUS = m.Wall.Seconds(), m.CPU.Seconds()
	if err != nil {
		return stdout.Bytes(), m, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, tail(stderr.String(), 4000))
	}
	return stdout.Bytes(), m, nil
}

// cpuTicks returns the busy and total CPU time of the machine so far, in
// clock ticks, from the first line of /proc/stat (0, 0 when unreadable).
func cpuTicks() (busy, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	for i, f := range fields[1:min(len(fields), 9)] {
		n, _ := strconv.ParseUint(f, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// fileSize is the size of a file in bytes, 0 when it cannot be read.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
