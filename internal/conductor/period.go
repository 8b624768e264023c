package conductor

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Period is a monthly billing period, always stored as zero-padded "YYYY-MM"
// so that periods order as strings. Billing months are UTC months.
type Period string

// Timeless is the period of records that are not versioned by billing
// period (organization accounts, tags, client tokens): it precedes them all.
const Timeless Period = "0000-00"

var periodPattern = regexp.MustCompile(`^(\d{4})-(0?[1-9]|1[012])$`)

// PeriodOf returns the billing period containing t.
func PeriodOf(t time.Time) Period { return Period(t.UTC().Format("2006-01")) }

// ParsePeriod accepts the model's BillingPeriod forms ("2026-09" and "2026-9")
// and returns the zero-padded period.
func ParsePeriod(s string) (Period, bool) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	month, _ := strconv.Atoi(m[2])
	return Period(fmt.Sprintf("%s-%02d", m[1], month)), true
}

// Start returns the first instant of the period.
func (p Period) Start() time.Time {
	t, _ := time.Parse("2006-01", string(p))
	return t
}

// Next returns the following period.
func (p Period) Next() Period { return PeriodOf(p.Start().AddDate(0, 1, 0)) }

// Prev returns the preceding period.
func (p Period) Prev() Period { return PeriodOf(p.Start().AddDate(0, -1, 0)) }

// Clock tells the current time; it decides the current billing period.
type Clock interface{ Now() time.Time }

// SystemClock is the real time.
type SystemClock struct{}

// Now returns time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// PinnableClock is the real clock until pinned to a fixed instant (the
// `--now` flag and the admin clock endpoint). It is safe for concurrent use.
type PinnableClock struct {
	mu     sync.RWMutex
	pinned *time.Time
}

// Now returns the pinned instant, or the real time when unpinned.
func (c *PinnableClock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.pinned != nil {
		return *c.pinned
	}
	return time.Now()
}

// Pin fixes the clock at t.
func (c *PinnableClock) Pin(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t = t.UTC()
	c.pinned = &t
}

// Unpin returns the clock to real time.
func (c *PinnableClock) Unpin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned = nil
}

// Pinned reports whether the clock is pinned.
func (c *PinnableClock) Pinned() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pinned != nil
}
