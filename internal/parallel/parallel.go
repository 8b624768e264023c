// Package parallel runs independent pieces of CPU-bound work over the
// machine's CPUs.
package parallel

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// For runs f(0) … f(n−1) over up to GOMAXPROCS goroutines, each taking
// the next index until none is left; a goroutine stops at its first
// error, and the errors are returned joined. A panic in f is returned as
// a *PanicError. With one CPU, or n ≤ 1, it runs them in order in the
// caller's goroutine, stopping at the first error.
func For(n int, f func(i int) error) error {
	var next atomic.Int64
	work := func() error {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		return Safe(work)
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() { errs[w] = Safe(work) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Each is For for work that cannot fail.
func Each(n int, f func(i int)) {
	For(n, func(i int) error { f(i); return nil })
}
