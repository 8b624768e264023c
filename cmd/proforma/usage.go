package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/delivery"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// engine is a Service with the pro forma engine over an on-disk store: what
// `import`, `report` and `export` work on.
type engine struct {
	store conductor.Store
	svc   *conductor.Service
}

// openEngine opens the store of --data, read-only for the commands that
// only read (report, export); :memory: makes no sense here.
func openEngine(ctx context.Context, dataDir string, readOnly bool) (*engine, error) {
	if dataDir == sqlite.Memory {
		return nil, errors.New("--data :memory: holds nothing between commands: give the data directory `proforma serve` uses")
	}
	store, err := openStore(ctx, dataDir, readOnly)
	if err != nil {
		return nil, err
	}
	svc := conductor.NewService(store, nil, nil)
	svc.SetUsageEngine(usage.NewEngine())
	return &engine{store, svc}, nil
}

func (e *engine) Close() error { return e.store.Close() }

// storeError explains a failure to open the store of --data, without its
// passwords; a damaged store's error says it all, and what to do.
func storeError(data string, err error) error {
	if _, ok := errors.AsType[*sqlite.DamagedError](err); ok {
		return err
	}
	return fmt.Errorf("open store %s: %w", redactDSN(data), err)
}

// reclaim removes what imports killed mid-way left in the store (see
// usage.Reclaim), by wall-clock time: --now pins the billing clock only.
func (m *Main) reclaim(ctx context.Context) error {
	n, err := usage.Reclaim(ctx, m.Store, time.Now())
	if err != nil {
		return fmt.Errorf("reclaim interrupted imports: %w", err)
	}
	if n > 0 {
		m.log.Info("reclaimed the staged data of interrupted imports", "imports", n)
	}
	return nil
}

// dataEnv names the environment variable of the --data default, so that a
// PostgreSQL URL's password can stay off the command line.
const dataEnv = "PROFORMA_DATA"

// dataFlagHelp ends the --data help of every command.
const dataFlagHelp = "; default $" + dataEnv + ", else ./proforma-data. postgres: alone connects as the " +
	"PG* environment variables say (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE), " +
	"which also fill what a postgres:// URL leaves out"

// defaultDataDir is the --data default: $PROFORMA_DATA, else ./proforma-data.
func defaultDataDir() string {
	if d := os.Getenv(dataEnv); d != "" {
		return d
	}
	return "./proforma-data"
}

// dataFlag defines --data on fs, stored in *p (whose value is the
// default). Help shows the default with its passwords hidden.
func dataFlag(fs *flag.FlagSet, p *string, help string) {
	fs.Var(dataValue{p}, "data", help)
}

// dataValue is the flag.Value of --data.
type dataValue struct{ p *string }

func (v dataValue) String() string {
	if v.p == nil {
		return ""
	}
	return redactDSN(*v.p)
}

func (v dataValue) Set(s string) error {
	*v.p = s
	return nil
}

// runImport is `proforma import`.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proforma import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: proforma import [--data DIR] [--payer ACCOUNT] [--quiet] PATH|s3://BUCKET/PREFIX...\n\n"+
			"Loads CUR files or folders (legacy CUR CSV/CSV.gz/zip, Athena Parquet, CUR 2.0 CSV/Parquet) and\n"+
			"replaces the billing periods they hold. In a CUR report or Data Exports folder the manifests\n"+
			"decide which version of each month is read; a period whose manifest names the version imported\n"+
			"last time is left as it is. s3:// sources use the standard AWS credentials, region and\n"+
			"AWS_ENDPOINT_URL_S3. Payer and usage accounts missing from the organization are registered.")
		fs.PrintDefaults()
	}
	data := defaultDataDir()
	dataFlag(fs, &data, "the `DIR` or postgres:// URL of the store proforma serve uses"+dataFlagHelp)
	payer := fs.String("payer", "", "management account the usage belongs to (default: the files' payer column)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	limits := defaultInputLimits()
	limits.addFlags(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fs.Usage()
		return errors.New("no files to import")
	}
	ds, err := usage.OpenDeliveries(ctx, paths, stderr)
	if err != nil {
		return err
	}
	e, err := openEngine(ctx, data, false)
	if err != nil {
		return err
	}
	defer e.Close()
	im := &usage.Importer{Service: e.svc, Store: e.store, Payer: *payer, Limits: limits.curLimits()}
	bar := progress(stderr, *quiet)
	if bar != nil {
		im.Progress = func(read, total int64) { bar.ChangeMax64(total); bar.Set64(min(read, total)) }
	}
	sum, err := im.ImportDeliveries(ctx, ds...)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	printImport(stdout, sum)
	return nil
}

// parseFlags parses a command's flags, wherever they stand, and refuses
// positional arguments, naming them: a stray word would otherwise end the
// flags silently, dropping those after it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	stray, err := parseInterspersed(fs, args)
	if err == nil && len(stray) > 0 {
		err = fmt.Errorf("unexpected arguments: %s", strings.Join(stray, " "))
	}
	return err
}

// parseInterspersed parses flags given before, between or after the
// positional arguments (`import FILE --payer X` as well as `import --payer X
// FILE`) and returns the positional ones; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

// progress returns a progress bar on stderr when it is a terminal.
func progress(stderr io.Writer, quiet bool) *progressbar.ProgressBar {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("importing"), progressbar.OptionThrottle(100*time.Millisecond))
}

func printImport(w io.Writer, sum *usage.Summary) {
	for _, d := range sum.Decided {
		printDecision(w, d)
	}
	for _, f := range sum.Files {
		fmt.Fprintf(w, "read %s: %s, %s\n", f.Path, f.Format, plural(f.Lines, "line"))
	}
	for _, m := range sum.Periods {
		fmt.Fprintf(w, "billing period %s of payer %s: %s (%s), replacing any earlier import\n",
			m.Period, sum.Payer, plural(m.Lines, "line"), plural(m.Aggregates, "aggregate"))
	}
	if n := len(sum.Registered); n > 0 {
		shown, more := sum.Registered[:min(n, 10)], ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		fmt.Fprintf(w, "registered %s in the organization of %s: %s%s\n", plural(n, "account"), sum.Payer, strings.Join(shown, ", "), more)
	}
}

// printDecision says which version of a period a manifest named, and
// what the import took and left of it.
func printDecision(w io.Writer, d usage.Decision) {
	version := "assembly"
	if d.Kind == delivery.KindExports {
		version = "execution"
	}
	fmt.Fprintf(w, "billing period %s of %s: %s manifest %s names %s %s", d.Period, d.Source, d.Kind, d.Manifest, version, d.Version)
	if d.Unchanged {
		fmt.Fprintf(w, ", as at the last import: unchanged, not read again\n")
		return
	}
	fmt.Fprintf(w, ": took %s", plural(len(d.Files), "file"))
	if len(d.Left) > 0 {
		fmt.Fprintf(w, ", left %s of other versions", plural(len(d.Left), "file"))
	}
	fmt.Fprintln(w)
}

// plural is a count and a noun, made plural unless the count is 1:
// "1 account", "2 accounts", "0 lines".
func plural[N ~int | ~int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// readFlags are the flags of the commands that read imported usage.
type readFlags struct{ data, payer, period *string }

func addReadFlags(fs *flag.FlagSet) readFlags {
	data := defaultDataDir()
	dataFlag(fs, &data, "the `DIR` or postgres:// URL of the store proforma serve uses, opened read-only"+dataFlagHelp)
	return readFlags{
		data:   &data,
		payer:  fs.String("payer", "", "management account (default: the only payer with imported usage)"),
		period: fs.String("period", "", "billing period YYYY-MM (default: the latest imported)"),
	}
}

// open opens the store of --data read-only and resolves --payer and --period.
// With anyPeriod (report: the cost report operations price a period without
// usage, custom line items only) --period may name a period without
// imported usage; when no payer has any, the payer is the only one with
// billing groups in the period, which defaults to the current one.
func (f readFlags) open(ctx context.Context, anyPeriod bool) (*engine, conductor.Caller, conductor.Period, error) {
	e, err := openEngine(ctx, *f.data, true)
	if err != nil {
		return nil, conductor.Caller{}, "", err
	}
	payer, p, err := f.resolve(ctx, e, anyPeriod)
	if err != nil {
		e.Close()
		return nil, conductor.Caller{}, "", err
	}
	return e, conductor.Caller{Account: payer}, p, nil
}

// resolve resolves --payer and --period (see open).
func (f readFlags) resolve(ctx context.Context, e *engine, anyPeriod bool) (string, conductor.Period, error) {
	payer, manifests, err := e.payerWithUsage(ctx, *f.payer)
	if err == nil {
		p, err := period(*f.period, manifests, anyPeriod)
		return payer, p, err
	}
	if !anyPeriod || !errors.Is(err, errNoUsage) {
		return "", "", err
	}
	p := e.svc.CurrentPeriod()
	if *f.period != "" {
		if p, err = period(*f.period, nil, true); err != nil {
			return "", "", err
		}
	}
	if *f.payer != "" {
		return *f.payer, p, nil
	}
	payer, err = e.payerWithGroups(ctx, p)
	return payer, p, err
}

// errNoUsage is the error of payerWithUsage when nobody (or --payer) has
// imported usage.
var errNoUsage = errors.New("no imported usage")

// payerWithGroups is the only payer with billing groups in a period.
func (e *engine) payerWithGroups(ctx context.Context, p conductor.Period) (string, error) {
	payers, err := e.svc.PayerIDs(ctx)
	if err != nil {
		return "", err
	}
	var found []string
	for _, payer := range payers {
		groups, _, err := e.svc.ListBillingGroups(ctx, conductor.Caller{Account: payer},
			conductor.ListBillingGroupsInput{BillingPeriod: string(p), Page: conductor.Page{MaxResults: 1}})
		if err != nil {
			return "", err
		}
		if len(groups) > 0 {
			found = append(found, payer)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no imported usage and no billing groups in %s: run `proforma import` first, or give --period", p)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("several payers have billing groups in %s (%s): choose one with --payer", p, strings.Join(found, ", "))
}

// payerWithUsage resolves --payer: given, or the only payer with imported usage.
func (e *engine) payerWithUsage(ctx context.Context, payer string) (string, []usage.Manifest, error) {
	payers := []string{payer}
	if payer == "" {
		var err error
		if payers, err = e.svc.PayerIDs(ctx); err != nil {
			return "", nil, err
		}
	}
	var found []string
	var manifests []usage.Manifest
	for _, p := range payers {
		var ms []usage.Manifest
		err := e.store.View(ctx, func(tx conductor.Tx) error {
			var err error
			ms, err = usage.Manifests(tx, p)
			return err
		})
		if err != nil {
			return "", nil, err
		}
		if len(ms) > 0 {
			found, manifests = append(found, p), ms
		}
	}
	switch {
	case payer != "" && len(found) == 0:
		return "", nil, fmt.Errorf("payer %s has %w: run `proforma import` first", payer, errNoUsage)
	case len(found) == 0:
		return "", nil, fmt.Errorf("%w: run `proforma import` first", errNoUsage)
	case len(found) > 1:
		return "", nil, fmt.Errorf("several payers have imported usage (%s): choose one with --payer", strings.Join(found, ", "))
	}
	return found[0], manifests, nil
}

// period resolves --period: given, or the latest imported period. Unless
// anyPeriod, a given period must have imported usage.
func period(flagValue string, manifests []usage.Manifest, anyPeriod bool) (conductor.Period, error) {
	if flagValue == "" {
		return manifests[len(manifests)-1].Period, nil
	}
	p, ok := conductor.ParsePeriod(flagValue)
	if !ok {
		return "", fmt.Errorf("--period %q: want YYYY-MM", flagValue)
	}
	if !anyPeriod && !slices.ContainsFunc(manifests, func(m usage.Manifest) bool { return m.Period == p }) {
		return "", fmt.Errorf("no usage imported for %s", p)
	}
	return p, nil
}
