package parallel

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// Every index runs exactly once, and errors come back joined.
func TestFor(t *testing.T) {
	for _, n := range []int{0, 1, 2, 1000} {
		runs := make([]atomic.Int32, n)
		if err := For(n, func(i int) error { runs[i].Add(1); return nil }); err != nil {
			t.Fatal(err)
		}
		for i := range runs {
			if got := runs[i].Load(); got != 1 {
				t.Fatalf("n=%d: index %d ran %d times", n, i, got)
			}
		}
	}
	bad := errors.New("bad")
	if err := For(100, func(i int) error {
		if i == 42 {
			return bad
		}
		return nil
	}); !errors.Is(err, bad) {
		t.Errorf("For = %v, want %v", err, bad)
	}
}

// A panic in f, in any goroutine, comes back as a *PanicError naming the
// value and where it happened; the process goes on.
func TestForReturnsPanics(t *testing.T) {
	for _, n := range []int{1, 1000} {
		err := For(n, func(i int) error {
			if i == n/2 {
				var s []int
				_ = s[i] // index out of range
			}
			return nil
		})
		var p *PanicError
		if !errors.As(err, &p) {
			t.Fatalf("n=%d: For = %v, want a *PanicError", n, err)
		}
		if !strings.Contains(p.Error(), "index out of range") || !strings.Contains(string(p.Stack), "TestForReturnsPanics") {
			t.Errorf("n=%d: the error does not say what panicked where: %v", n, p)
		}
	}
}
