// Command engine measures Proforma's pro forma engine on a generated Cost
// and Usage Report, next to DuckDB computing the same per-group
// aggregation on the same file in the same run:
//
//	go run ./bench/engine [-lines 5000000] [-gzip] [-json results.json]
//
// Steps:
//
//  1. Generate a deterministic legacy CUR (CSV, or CSV.gz with -gzip) of
//     -lines lines for the demo payer 123456789012 and its 40 accounts:
//     ~30 AWS products in four regions and four Marketplace products (a
//     few hundred SKUs); Usage and free-tier usage, Savings Plan covered
//     usage with its negations, RI-covered usage, commitment fees, Tax,
//     Credit, Refund, Fee, support, bundled and EDP discounts. Files are
//     cached in -workdir by their parameters, so re-runs skip this step.
//  2. Build ./cmd/proforma; start `proforma serve --now 2026-10-15` on a
//     fresh data directory and create four billing groups of 9 accounts
//     with their pricing plans through the AWS SDK (accounts 37–40 stay
//     unmonitored); stop it.
//  3. proforma import --quiet FILE, then proforma report --period 2026-10
//     --format json: wall time, CPU time and peak RSS of each process
//     (rusage of the child).
//  4. Memory flatness: proforma import of a -flat-lines file into another
//     fresh data directory, to compare its peak RSS with the full size's.
//  5. DuckDB: node bench/engine/duckdb/aggregate.mjs reads the same file
//     with read_csv (explicit column types) and computes each group's
//     AWSCost and ProformaCost in SQL; wall time and peak RSS of the node
//     process. Twice: amounts as DECIMAL(38,10), then as DECIMAL(18,10),
//     which DuckDB parses much faster. Skipped, with the command to install
//     it, when its node_modules is missing: nothing is installed here.
//  6. Print rows/s and peak MiB of each step, the ratios Proforma ÷ DuckDB,
//     and a cross-check that both sides' per-group totals are equal
//     (DuckDB's exact sums rounded half-even to 10 decimals, as the API
//     writes money). A difference prints MISMATCH and makes the exit
//     status 3; timings are never asserted.
//
// The page cache is warmed by reading the file once before the timed
// steps, so neither side pays for a cold disk. See docs/performance.md,
// "Pro forma engine", for results and how to read them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/proforma-dev/proforma/bench/internal/benchproc"
	"github.com/proforma-dev/proforma/internal/harness"
)

// config is the command line.
type config struct {
	Lines     int    `json:"lines"`
	FlatLines int    `json:"flat_lines"`
	Seed      uint64 `json:"seed"`
	Gzip      bool   `json:"gzip"`
	Keep      bool   `json:"-"`
	WorkDir   string `json:"-"`
	NoDuckDB  bool   `json:"-"`
	GenOnly   bool   `json:"-"`
	JSONPath  string `json:"-"`
}

func main() {
	var cfg config
	flag.IntVar(&cfg.Lines, "lines", 5_000_000, "lines of the generated CUR")
	flag.IntVar(&cfg.FlatLines, "flat-lines", 1_000_000, "lines of the second import that shows whether memory stays flat (0 = skip)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "generator seed")
	flag.BoolVar(&cfg.Gzip, "gzip", false, "generate CSV.gz instead of CSV")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep this run's Proforma data directories and DuckDB spec")
	flag.StringVar(&cfg.WorkDir, "workdir", filepath.Join(os.TempDir(), "proforma-bench-engine"),
		"directory of the cached generated CURs and of this run's data directories")
	flag.BoolVar(&cfg.NoDuckDB, "no-duckdb", false, "skip the DuckDB side")
	flag.StringVar(&cfg.JSONPath, "json", "", "write the figures as JSON to this file")
	flag.BoolVar(&cfg.GenOnly, "generate-only", false, "generate (or find cached) the CUR, print its path and stop")
	flag.Parse()
	if cfg.Lines < 2 || cfg.FlatLines < 0 {
		fatalf("-lines must be at least 2 and -flat-lines at least 0")
	}
	if cfg.FlatLines >= cfg.Lines {
		cfg.FlatLines = 0
	}
	if cfg.GenOnly {
		info, err := prepareCUR(cfg, cfg.Lines)
		if err != nil {
			fatalf("%v", err)
		}
		fmt.Println(info.Path)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := runBench(ctx, cfg)
	if err != nil {
		fatalf("%v", err)
	}
	printResults(os.Stdout, res)
	if cfg.JSONPath != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(cfg.JSONPath, append(b, '\n'), 0o644); err != nil {
			fatalf("write results: %v", err)
		}
		logf("results written to %s", cfg.JSONPath)
	}
	if res.Mismatch {
		os.Exit(3)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/engine: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// runBench runs every step and returns the figures.
func runBench(ctx context.Context, cfg config) (*results, error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return nil, err
	}
	res := &results{Started: time.Now().UTC(), Config: cfg, Machine: describeMachine(root),
		Groups: len(groups), GroupSize: groupSize}
	logf("machine: %s, %d CPUs, %s", res.Machine.CPUModel, res.Machine.NumCPU, res.Machine.GoVersion)
	if res.File, err = prepareCUR(cfg, cfg.Lines); err != nil {
		return nil, err
	}
	var flat *curInfo
	if cfg.FlatLines > 0 {
		if flat, err = prepareCUR(cfg, cfg.FlatLines); err != nil {
			return nil, err
		}
	}
	run, err := os.MkdirTemp(cfg.WorkDir, "run-")
	if err != nil {
		return nil, err
	}
	if cfg.Keep {
		logf("keeping %s", run)
	} else {
		defer os.RemoveAll(run)
	}
	if err := runProforma(ctx, root, run, res, flat); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	runDuckDBSide(root, run, cfg, res)
	res.compare()
	res.Took = time.Since(res.Started).Seconds()
	return res, nil
}

// curInfo describes a generated CUR file.
type curInfo struct {
	Path   string  `json:"path"`
	Lines  int     `json:"lines"`
	Bytes  int64   `json:"bytes"`
	Cached bool    `json:"cached"`
	GenS   float64 `json:"generate_s,omitempty"`
}

// prepareCUR returns the generated CUR of lines lines, generating it
// unless cached, and reads it once to warm the page cache.
func prepareCUR(cfg config, lines int) (*curInfo, error) {
	t0 := time.Now()
	path, cached, err := curFile(cfg.WorkDir, lines, cfg.Seed, cfg.Gzip)
	if err != nil {
		return nil, fmt.Errorf("generate CUR: %w", err)
	}
	info := &curInfo{Path: path, Lines: lines, Bytes: fileSize(path), Cached: cached}
	if cached {
		logf("CUR of %d lines: cached %s (%.0f MB)", lines, path, float64(info.Bytes)/1e6)
	} else {
		info.GenS = time.Since(t0).Seconds()
		logf("CUR of %d lines: generated %s (%.0f MB) in %.1f s", lines, path, float64(info.Bytes)/1e6, info.GenS)
	}
	return info, warm(path)
}

// warm reads a file to the end so that it is in the page cache.
func warm(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// runProforma builds the binary, sets the groups up, imports and reports,
// then imports the flatness file (when given) into a second data directory.
func runProforma(ctx context.Context, root, work string, res *results, flat *curInfo) error {
	logf("building ./cmd/proforma")
	bin, err := buildProforma(root, work)
	if err != nil {
		return err
	}
	if !hasEngineCommands(bin) {
		res.ProformaSkipped = "this proforma has no import/report commands yet"
		logf("skipping Proforma: %s", res.ProformaSkipped)
		return nil
	}
	data := filepath.Join(work, "data")
	logf("creating %d billing groups and their pricing plans through the API", len(groups))
	if err := setupGroups(ctx, bin, data); err != nil {
		return err
	}
	logf("proforma import (%d lines)", res.File.Lines)
	if res.ImportOutput, res.Import, err = importCUR(bin, data, res.File.Path); err != nil {
		return err
	}
	logf("  %.1f s, peak RSS %.0f MiB\n%s", res.Import.WallS, res.Import.PeakMiB(), res.ImportOutput)
	logf("proforma report")
	if res.ProformaGroups, res.Report, err = report(bin, data); err != nil {
		return err
	}
	logf("  %.2f s, peak RSS %.0f MiB", res.Report.WallS, res.Report.PeakMiB())
	if flat == nil {
		return nil
	}
	logf("proforma import (%d lines, memory flatness)", flat.Lines)
	_, m, err := importCUR(bin, filepath.Join(work, "data-flat"), flat.Path)
	if err != nil {
		return err
	}
	res.Flat = &flatResult{Lines: flat.Lines, Import: m}
	logf("  %.1f s, peak RSS %.0f MiB", m.WallS, m.PeakMiB())
	return nil
}

// runDuckDBSide runs aggregate.mjs on the file, once per decimal type,
// unless DuckDB is skipped. A failed run is reported, not fatal.
func runDuckDBSide(root, work string, cfg config, res *results) {
	switch {
	case cfg.NoDuckDB:
		res.DuckDBSkipped = "-no-duckdb"
	default:
		res.DuckDBSkipped = benchproc.DuckDBMissing(root)
	}
	if res.DuckDBSkipped != "" {
		logf("skipping DuckDB: %s", res.DuckDBSkipped)
		return
	}
	for _, typ := range duckdbDecimals {
		logf("duckdb load+aggregate, amounts as %s", typ)
		out, m, err := runDuckDB(root, work, res.File.Path, typ)
		if err != nil {
			res.DuckDBSkipped = "failed: " + err.Error()
			logf("DuckDB %s", res.DuckDBSkipped)
			return
		}
		res.DuckDB = append(res.DuckDB, duckdbRun{DecimalType: typ, Output: out, Run: m})
		logf("  %.1f s (query %.1f s), peak RSS %.0f MiB", m.WallS, out.QueryMs/1000, m.PeakMiB())
	}
	logf("duckdb per-key aggregation (what an import computes), amounts as %s", duckdbDecimals[0])
	out, m, err := runDuckDBPerKey(root, work, res.File.Path)
	if err != nil {
		res.DuckDBSkipped = "failed: " + err.Error()
		logf("DuckDB %s", res.DuckDBSkipped)
		return
	}
	res.PerKey = &perKeyRun{Output: out, Run: m}
	logf("  %.1f s (query %.1f s), %d keys, peak RSS %.0f MiB", m.WallS, out.QueryMs/1000, out.Keys, m.PeakMiB())
}

// machine describes where the benchmark ran.
type machine struct {
	NumCPU    int    `json:"num_cpu"`
	CPUModel  string `json:"cpu_model"`
	MemTotal  string `json:"mem_total"`
	GoVersion string `json:"go_version"`
	Node      string `json:"node_version,omitempty"`
	Commit    string `json:"proforma_commit"`
}

func describeMachine(root string) machine {
	m := machine{NumCPU: runtime.NumCPU(), GoVersion: runtime.Version(),
		CPUModel: procField("/proc/cpuinfo", "model name"), MemTotal: procField("/proc/meminfo", "MemTotal")}
	if out, _, err := run("", "node", "--version"); err == nil {
		m.Node = trimSpace(out)
	}
	if out, _, err := run(root, "git", "describe", "--always", "--dirty"); err == nil {
		m.Commit = trimSpace(out)
	}
	return m
}
