package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Measuring a child's peak RSS from the test process is wrong on Linux:
// os/exec starts children with CLONE_VM|CLONE_VFORK (syscall/exec_linux.go
// drops them only for CLONE_NEWUSER, which would change the child's
// credentials), so the child shares the test process's memory until it
// execs, and exec records that memory's high-water mark as the child's
// starting maxrss. wait4's Maxrss is then at least the test process's own
// peak: after a test that made the test process big, every child "peaks"
// at its size. (A real fork would not help: the copy starts at the
// parent's current RSS.) Polling the child's /proc/PID/status VmHWM is
// unpolluted but misses the moments between the last read and the exit,
// where a hostile file's allocation may well be.
//
// So commandMeasured starts the child through a small re-exec of the test
// binary itself: with childRSSEnv set, the init below, before any test
// runs, starts the command, waits for it and writes its wait4 Maxrss to a
// file. The helper's own maxrss is polluted the same way, but it is not
// measured; the child's starting maxrss is the helper's fresh memory's
// high-water mark, not the test process's: about 23 MiB (the test
// binary's package initialisation), reported as the floor, far under any
// bound a test sets. A test process that first touched 600 MiB saw every
// hostile import "peak" at 646 MiB; through the helper, at 22-47 MiB.
// Exit code 125 is the helper's own failure.
const childRSSEnv = "PROFORMA_TEST_CHILD_RSS" // the file the helper writes its report to

func init() {
	if out := os.Getenv(childRSSEnv); out != "" {
		os.Exit(childRSSHelper(out, os.Args[1:]))
	}
}

// childRSSHelper runs args with this process's stdin, stdout and stderr,
// writes "maxrss floor" (bytes: the child's peak RSS, and this helper's
// own high-water mark when it started it) to out, and returns the child's
// exit code.
func childRSSHelper(out string, args []string) int {
	floor, _ := peakRSS(os.Getpid()) // our own mm's VmHWM: the least the child's maxrss can be
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, childRSSEnv+"=") })
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintf(os.Stderr, "child RSS helper: %v\n", err)
		return 125
	}
	maxrss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10 // KiB on Linux
	if err := os.WriteFile(out, fmt.Appendf(nil, "%d %d\n", maxrss, floor), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "child RSS helper: %v\n", err)
		return 125
	}
	return cmd.ProcessState.ExitCode()
}

// measured is a command run through the child RSS helper.
type measured struct {
	*exec.Cmd
	report string
}

// commandMeasured is exec.Command(name, args...) run through the child RSS
// helper: set its Stdout and Stderr, Run it, then read its peak RSS with
// peak. Its exit status is the command's.
func commandMeasured(t *testing.T, name string, args ...string) measured {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m := measured{Cmd: exec.Command(self, append([]string{name}, args...)...),
		report: filepath.Join(t.TempDir(), "child-rss")}
	m.Env = append(os.Environ(), childRSSEnv+"="+m.report)
	return m
}

// peak is the command's peak RSS and the helper's high-water mark when it
// started it (bytes), once it has run.
func (m measured) peak(t *testing.T) (maxrss, floor int64) {
	t.Helper()
	b, err := os.ReadFile(m.report)
	if err != nil {
		t.Fatalf("child RSS helper gave no report: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("child RSS helper report %q", b)
	}
	maxrss, err1 := strconv.ParseInt(f[0], 10, 64)
	floor, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("child RSS helper report %q", b)
	}
	return maxrss, floor
}
