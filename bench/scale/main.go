// Command scale measures how the cost of Billing Conductor operations grows
// with the size of a payer, through the real handler (restjson + admin,
// conductor.Service over SQLite, usage engine, assembled as cmd/proforma
// does) served by httptest and driven by the real aws-sdk-go-v2 client.
//
// For each size N of -sizes it grows one payer, through the API, to N
// billing groups of 2 linked accounts, 2N pricing rules in N/5 pricing
// plans (10 rules a plan) and 2N custom line items, then times every
// operation of ops.go -samples times (-walks times for the operations that
// walk all pages) and prints, per operation, p50 and p99 at each size and
// the growth ratio p50(largest) ÷ p50(smallest). A single-resource or
// first-page operation (a first page asks for 10 items) that grows more
// than 2× is marked "> 2×"; an all-pages walk whose cost per resource
// returned grows more than 2× (so faster than linearly) is marked
// "superlinear".
//
// With -cur-lines L > 0 it also generates a legacy CUR of L lines over all
// the payer's accounts and imports it with usage.Importer once the first
// size is reached, measuring ListBillingGroups throughput (first page,
// calls/s) just before and just after the import, and the two cost-report
// operations at every size. With -cur-lines 0 (the default) the import and
// the cost-report operations are skipped.
//
// At each size it also measures the what-if scenarios of issue 17 on the
// scenario Manager in-process (the HTTP routes only wrap it): creating a
// scenario of the payer (then deleting it, untimed), and, with a CUR,
// Compare by service (JSON-encoded as the route answers it) of a scenario
// in which one rule changed (so the groups of one plan differ) and of one
// in which every plan's AmazonEC2 rule changed (so every group differs),
// the latter also by a new engine each time (cold: nothing decoded or
// priced yet). These are printed after the table against the issue's
// targets (create under 1 s, compare under 2 s); -compare-cpuprofile
// writes a CPU profile of the cold compare at the largest size, and -only
// measures only the operations it matches.
//
//	go run ./bench/scale                           # 10, 1,000, 5,000 (see bench/README.md for times)
//	go run ./bench/scale -sizes 10,200,1000        # a quick run
//	go run ./bench/scale -cur-lines 2500000 -json /tmp/scale.json
//	go run ./bench/scale -sizes 5000 -cur-lines 2500000 -only 'Compare' -samples 5
//
// Timings are printed, never asserted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/proforma-dev/proforma/internal/usage"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	rep, err := run(context.Background(), cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
	if cfg.JSON != "" {
		if err := rep.writeJSON(cfg.JSON); err != nil {
			fmt.Fprintln(os.Stderr, "scale:", err)
			os.Exit(1)
		}
	}
}

// config is what the flags set.
type config struct {
	Sizes    []int  // billing groups at each measured size, increasing
	Samples  int    // timed calls of each single-resource or first-page operation
	Walks    int    // timed walks of each all-pages operation
	Store    string // "memory" or "disk"
	CURLines int    // lines of the imported CUR; 0 skips the import and the cost reports
	// CURUsageTypes is how many usage types each product of the CUR has
	// (see writeCUR): what the import can aggregate.
	CURUsageTypes int
	Workers       int    // concurrent clients while growing the payer
	JSON          string // file to write the figures to; "" = none
	CacheMiB      int64  // the usage engine's cache budget, as serve's --report-cache
	// CompareProfile is a file to write a CPU profile of the cold Compare
	// scenario samples at the largest size to; "" = none.
	CompareProfile string
	Only           *regexp.Regexp // the operations to measure (by name); nil: all
}

// parseFlags reads the command line into a config and checks it.
func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	sizes := fs.String("sizes", "10,1000,5000", "comma-separated billing-group counts to measure at, increasing, at most 5000")
	fs.IntVar(&cfg.Samples, "samples", 50, "timed calls of each single-resource or first-page operation")
	fs.IntVar(&cfg.Walks, "walks", 3, "timed walks of each all-pages operation")
	fs.StringVar(&cfg.Store, "store", "memory", "SQLite store: memory or disk (a temporary directory)")
	fs.IntVar(&cfg.CURLines, "cur-lines", 0, "lines of a generated CUR to import (0 skips the import and the cost-report operations)")
	fs.IntVar(&cfg.CURUsageTypes, "cur-usage-types", 16, "usage types of each of the CUR's 4 products, each with its rate (63 or more at 5,000 groups: every line its own aggregate)")
	fs.IntVar(&cfg.Workers, "workers", 4, "concurrent clients while growing the payer")
	fs.StringVar(&cfg.JSON, "json", "", "write the figures to this file as JSON")
	fs.Int64Var(&cfg.CacheMiB, "report-cache-mib", usage.DefaultCacheBytes>>20, "MiB of decoded usage the cost reports may cache (serve's --report-cache)")
	fs.StringVar(&cfg.CompareProfile, "compare-cpuprofile", "", "write a CPU profile of the cold Compare scenario at the largest size to this file")
	only := fs.String("only", "", "measure only the operations whose name matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return cfg, fmt.Errorf("-only: %w", err)
		}
		cfg.Only = re
	}
	var err error
	if cfg.Sizes, err = parseSizes(*sizes); err != nil {
		return cfg, err
	}
	return cfg, cfg.check()
}

// parseSizes parses "10,1000,5000": positive, strictly increasing, at most
// the billing-group quota.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 || n > maxGroups || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, fmt.Errorf("-sizes %q: want increasing integers from 2 to %d", s, maxGroups)
		}
		out = append(out, n)
	}
	return out, nil
}

func (c config) check() error {
	switch {
	case c.Store != "memory" && c.Store != "disk":
		return fmt.Errorf("-store must be memory or disk, not %q", c.Store)
	case c.CacheMiB < 0:
		return fmt.Errorf("-report-cache-mib must not be negative")
	case c.Samples < 1 || c.Walks < 1 || c.Workers < 1 || c.CURUsageTypes < 1:
		return fmt.Errorf("-samples, -walks, -workers and -cur-usage-types must be at least 1")
	case c.CURLines < 0:
		return fmt.Errorf("-cur-lines must not be negative")
	}
	return nil
}
