//go:build !linux

package usage

// machineID is unknown off Linux: a dead import is then found by its
// heartbeat alone.
func machineID() string { return "" }

func processExists(int) bool { return true }
