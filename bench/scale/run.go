package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"
)

// run grows the payer to each size of cfg and measures the operations
// there, printing progress and then the table to w.
func run(ctx context.Context, cfg config, w io.Writer) (*report, error) {
	log := &logger{w: w, start: time.Now()}
	largest := cfg.Sizes[len(cfg.Sizes)-1]
	s, err := newServer(ctx, cfg.Store, 2*largest+spares, cfg.CacheMiB<<20)
	if err != nil {
		return nil, err
	}
	defer s.close()
	log.printf("proforma in-process (%s store): payer %s with %d linked accounts", cfg.Store, payerID, 2*largest+spares)
	b := &bench{c: s.client, p: &payer{spare: account(2 * largest)}, scenarios: s.scenarios, coldScenarios: s.coldScenarios}
	rep := newReport(cfg, b.ops())
	for i, n := range cfg.Sizes {
		log.printf("size %d: growing to %d billing groups, %d pricing rules, %d custom line items", n, n, 2*n, 2*n)
		if err := b.p.grow(ctx, b.c, n, cfg.Workers, log); err != nil {
			return nil, fmt.Errorf("size %d: %w", n, err)
		}
		if i == 0 && cfg.CURLines > 0 {
			if rep.Import, err = importCUR(ctx, s, b, cfg.CURLines, cfg.CURUsageTypes, 2*largest+spares, log); err != nil {
				return nil, err
			}
		}
		if err := b.measureAll(ctx, cfg, rep, i, log); err != nil {
			return nil, fmt.Errorf("size %d: %w", n, err)
		}
	}
	rep.finish()
	rep.print(w)
	return rep, nil
}

// measureAll times every operation of the report at the i-th size.
func (b *bench) measureAll(ctx context.Context, cfg config, rep *report, i int, log *logger) error {
	log.printf("size %d: measuring %d operations", cfg.Sizes[i], len(rep.Ops))
	runtime.GC() // collect what growing the payer left, so that it does not weigh on the first operations
	ops := b.ops()
	for k := range rep.Ops {
		o := ops[slices.IndexFunc(ops, func(o op) bool { return o.name == rep.Ops[k].Name && o.kind == rep.Ops[k].Kind })]
		n := cfg.Samples
		if o.kind == kindWalk { // kindWhole is sampled as single calls
			n = cfg.Walks
		}
		stop, err := profile(cfg, o, i)
		if err != nil {
			return err
		}
		pt, err := measure(ctx, o, n)
		stop()
		if err != nil {
			return err
		}
		pt.Size = cfg.Sizes[i]
		log.printf("  %s (%s): p50 %.2f ms", o.name, o.kind, pt.P50)
		rep.Ops[k].At = append(rep.Ops[k].At, pt)
	}
	return nil
}

// profile starts the CPU profile of -compare-cpuprofile when o is the
// cold Compare scenario at the largest size, and returns what stops it.
func profile(cfg config, o op, i int) (stop func(), err error) {
	if cfg.CompareProfile == "" || o.name != opCompareCold || i != len(cfg.Sizes)-1 {
		return func() {}, nil
	}
	f, err := os.Create(cfg.CompareProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// measure calls o once untimed (to warm caches), then samples times
// timed, and returns the p50 and p99 of the timed calls.
func measure(ctx context.Context, o op, samples int) (point, error) {
	var times []time.Duration
	pages := 0
	for i := range samples + 1 {
		d, n, err := sample(ctx, o)
		if err != nil {
			return point{}, fmt.Errorf("%s (%s): %w", o.name, o.kind, err)
		}
		if i > 0 {
			times, pages = append(times, d), n
		}
	}
	slices.Sort(times)
	return point{Samples: samples, Pages: pages, P50: ms(percentile(times, 50)), P99: ms(percentile(times, 99))}, nil
}

// sample runs o's setup, its timed run and its teardown, and returns the
// run's duration and pages.
func sample(ctx context.Context, o op) (time.Duration, int, error) {
	if o.setup != nil {
		if err := o.setup(ctx); err != nil {
			return 0, 0, fmt.Errorf("setup: %w", err)
		}
	}
	start := time.Now()
	pages, err := o.run(ctx)
	d := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	if o.teardown != nil {
		if err := o.teardown(ctx); err != nil {
			return 0, 0, fmt.Errorf("teardown: %w", err)
		}
	}
	return d, pages, nil
}

// percentile is the nearest-rank q-th percentile of sorted durations.
func percentile(sorted []time.Duration, q int) time.Duration {
	rank := (q*len(sorted) + 99) / 100 // ceil(q/100 × n)
	return sorted[max(rank, 1)-1]
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
