// Command exports checks that DuckDB reads Proforma's Parquet exports back
// and agrees with the API to the last digit:
//
//	go run ./bench/exports [-samples DIR] [-proforma BINARY] [-keep] [-json results.json]
//
// For each sample CUR of -samples (default $PROFORMA_SAMPLES, else
// /work/shared/data/cur): Nov2018-WorkshopCUR-00001.snappy.parquet,
// sample-anonymous-aws-export-dataset.csv and
// ha-project-CUR-daily-1-00001.csv, each into a data directory of its own:
//
//  1. proforma import --data DIR FILE (the binary is built once from
//     ./cmd/proforma, unless -proforma names one).
//  2. proforma serve --now <the 15th of the sample's month>; through the
//     AWS SDK (access key = the payer): a GLOBAL MARKUP 7.5 % rule, a plan,
//     the billing group "exports-check" over the sample's accounts, a flat
//     FEE custom line item of 12.34; then the group's ProformaCost for the
//     period from GetBillingGroupCostReport. The server is stopped.
//  3. proforma export --format parquet and --format focus of the group.
//  4. DuckDB (node bench/engine/duckdb/readback.mjs) reads each file with
//     read_parquet: DESCRIBE, count(*) and the exact sum, as VARCHAR, of the
//     cost column — line_item_unblended_cost (or lineItem/UnblendedCost)
//     for the pro forma CUR, BilledCost for FOCUS — and of the pro forma
//     CUR's other cost columns it has (blended, net unblended), which carry
//     the same pro forma cost.
//
// It prints a table per sample: the API's ProformaCost, each column's sum,
// rows, name and DuckDB type, and a verdict compared as exact decimals:
// "equal" (the same number), "equal at 10 dp" (the same once the sum is
// rounded half-even to the 10 decimals the API writes) or "DIFFERENT"; a
// cost column DuckDB cannot sum is "NOT A NUMBER". A cost column typed
// other than DECIMAL(38,18) is noted.
//
// Exit status: 0 when every column agrees; 3 when a sum is DIFFERENT; 1
// when an export fails, a file or column is unreadable, a sample could not
// be checked, none was, or
// `proforma export` has no -format flag. Without node or DuckDB's npm
// package (`npm ci --prefix bench/engine/duckdb`) it prints why and exits 0
// without running anything; a missing sample file is skipped with a
// message.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/proforma-dev/proforma/bench/internal/benchproc"
	"github.com/proforma-dev/proforma/internal/harness"
)

// formats are the export formats checked, in order.
var formats = []string{"parquet", "focus"}

// config is the command line.
type config struct {
	Samples  string
	Proforma string // a binary to use instead of building ./cmd/proforma
	Keep     bool
	JSONPath string
}

// results is what -json writes.
type results struct {
	DuckDBVersion string         `json:"duckdbVersion,omitempty"`
	Samples       []sampleResult `json:"samples"`
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Samples, "samples", defaultSamples(), "`DIR` of the sample CURs")
	flag.StringVar(&cfg.Proforma, "proforma", "", "use this proforma `BINARY` instead of building ./cmd/proforma")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the temporary directory (binary, data directories, exports)")
	flag.StringVar(&cfg.JSONPath, "json", "", "write the results as JSON to this `FILE`")
	flag.Parse()
	if flag.NArg() > 0 {
		fatalf("unexpected arguments: %v", flag.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, cfg))
}

// defaultSamples is $PROFORMA_SAMPLES, else /work/shared/data/cur.
func defaultSamples() string {
	if d := os.Getenv("PROFORMA_SAMPLES"); d != "" {
		return d
	}
	return "/work/shared/data/cur"
}

// run checks every sample and returns the exit status.
func run(ctx context.Context, cfg config) int {
	root, err := harness.ModuleRoot()
	if err != nil {
		fatalf("%v", err)
	}
	if why := benchproc.DuckDBMissing(root); why != "" {
		fmt.Printf("bench/exports: skipped: %s\n", why)
		return 0
	}
	work, err := os.MkdirTemp("", "proforma-bench-exports-")
	if err != nil {
		fatalf("%v", err)
	}
	if cfg.Keep {
		logf("keeping %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bin, err := proformaBinary(root, work, cfg.Proforma)
	if err != nil {
		logf("%v", err)
		return 1
	}
	if !hasExportFormat(bin) {
		logf("proforma export has no -format flag yet: nothing to check")
		return 1
	}
	var res results
	for _, s := range samples {
		r := checkSample(ctx, root, work, bin, cfg.Samples, s, &res.DuckDBVersion)
		printResult(os.Stdout, r)
		res.Samples = append(res.Samples, r)
	}
	if res.DuckDBVersion != "" {
		fmt.Printf("DuckDB %s\n", res.DuckDBVersion)
	}
	if cfg.JSONPath != "" {
		if err := writeJSON(cfg.JSONPath, res); err != nil {
			logf("write results: %v", err)
			return 1
		}
		logf("results written to %s", cfg.JSONPath)
	}
	return status(res.Samples)
}

// proformaBinary is the absolute path of given, else of ./cmd/proforma
// built into work.
func proformaBinary(root, work, given string) (string, error) {
	if given != "" {
		return filepath.Abs(given)
	}
	bin := filepath.Join(work, "proforma")
	logf("building ./cmd/proforma")
	return bin, harness.Build(root, bin, "./cmd/proforma")
}

// status is the exit status of the results: 3 if a sum differs, else 1 if
// a sample could not be checked or no sample was, else 0. A skipped
// (missing) sample is no failure.
func status(rs []sampleResult) int {
	code, checked := 0, 0
	for _, r := range rs {
		switch {
		case r.differs():
			return 3
		case r.Skipped != "":
		case r.ok():
			checked++
		default:
			code = 1
		}
	}
	if checked == 0 {
		return 1
	}
	return code
}

// checkSample runs the steps of the package comment for one sample. A step
// that fails sets the result's Error; a missing file sets Skipped.
func checkSample(ctx context.Context, root, work, bin, dir string, s sample, version *string) sampleResult {
	r := sampleResult{Sample: s.File, Payer: s.Payer, Period: s.Period}
	file := filepath.Join(dir, s.File)
	if _, err := os.Stat(file); err != nil {
		r.Skipped = err.Error()
		return r
	}
	sw := filepath.Join(work, s.Period+"-"+s.Payer)
	data := filepath.Join(sw, "data")
	if err := os.MkdirAll(sw, 0o755); err != nil {
		r.Error = err.Error()
		return r
	}
	t0 := time.Now()
	api, err := priceSample(ctx, bin, data, file, s)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Group, r.API = groupName, api
	var files []readbackFile
	for _, f := range formats {
		path := filepath.Join(sw, groupName+"-"+f+".parquet")
		check := fileCheck{Format: f, Path: path}
		if err := exportGroup(bin, data, f, path, s); err != nil {
			check.ExportError = err.Error()
		}
		r.Files = append(r.Files, check)
		files = append(files, fileSpec(f, path))
	}
	out, err := readBack(root, sw, files)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	*version = out.Version
	for i := range r.Files {
		if r.Files[i].ExportError == "" {
			r.Files[i].Readback = &out.Files[i]
		}
		r.Files[i].judge(api)
	}
	logf("%s checked in %.1f s", s.File, time.Since(t0).Seconds())
	return r
}

// priceSample imports the file into data, builds the group with a running
// server, reads its ProformaCost from the API, and stops the server.
func priceSample(ctx context.Context, bin, data, file string, s sample) (string, error) {
	if err := importSample(bin, data, file, s); err != nil {
		return "", err
	}
	srv, err := benchproc.StartServer(ctx, bin, data, s.Period+"-15")
	if err != nil {
		return "", err
	}
	defer srv.Stop()
	callCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	_, api, err := buildGroup(callCtx, srv.URL, s)
	if err != nil {
		return "", err
	}
	if err := srv.Stop(); err != nil {
		return "", fmt.Errorf("stopping proforma serve: %w", err)
	}
	return api, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/exports: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf(format, args...)
	os.Exit(1)
}
