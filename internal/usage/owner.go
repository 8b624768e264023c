package usage

import (
	"os"
	"sync"
)

// owner identifies the process running an import, so that an import
// killed on this machine is reclaimed at once rather than after
// leaseExpiry.
type owner struct {
	Machine string `json:",omitempty"` // see machineID; "" when unknown
	PID     int    `json:",omitempty"`
}

// self is this process.
var self = sync.OnceValue(func() owner { return owner{Machine: machineID(), PID: os.Getpid()} })

// gone reports whether the owner is known to have exited: it ran on this
// machine, in this process table, and no process has its ID. A process
// with its ID — perhaps another one, after reuse — counts as running, and
// the heartbeat decides.
func (o owner) gone() bool {
	return o.Machine != "" && o.Machine == self().Machine && o.PID > 0 && !processExists(o.PID)
}
