package usage

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// machineID names this process table: the kernel's boot ID (random per
// boot and machine) and the PID namespace, so that two machines, two boots
// or two containers never look alike; "" when /proc does not tell.
func machineID() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(boot)) + "/" + ns
}

// processExists reports whether a process has the ID (a zombie not yet
// reaped counts).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
