package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/proforma-dev/proforma/internal/usage"
)

// runExport is `proforma export`.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proforma export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	read := addReadFlags(fs)
	group := fs.String("billing-group", "", "billing group ARN, ID or name (required)")
	out := fs.String("out", "-", "output file; - is standard output")
	format := usage.FormatCSV
	fs.Func("format", "output `FORMAT`: csv (the pro forma CUR, gzip when the input was; the default), "+
		"parquet (the same as Parquet: Athena column names, decimal costs) or focus (FOCUS 1.2, as Parquet)",
		func(s string) (err error) { format, err = usage.ParseFormat(s); return err })
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *group == "" {
		return errors.New("--billing-group is required")
	}
	e, caller, period, err := read.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.Close()
	g, err := e.svc.FindBillingGroup(ctx, caller, *group, period)
	if err != nil {
		return err
	}
	opts, err := usage.ExportOptionsFor(ctx, e.svc, caller.Account, g, format)
	if err != nil {
		return err
	}
	w, closeOut, err := output(*out, stdout)
	if err != nil {
		return err
	}
	sum, err := usage.ExportWith(ctx, e.store, caller.Account, g, period, w, opts)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %s (%s) for %s: %s and %s, %s\n",
		g.Name, g.ARN, period, plural(sum.Lines, "line"), plural(sum.Items, "custom line item"), sum.Describe())
	return nil
}

func output(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}
