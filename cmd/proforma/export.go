package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/usage"
)

// runExport is `proforma export`.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proforma export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	read := addReadFlags(fs)
	group := fs.String("billing-group", "", "billing group ARN, ID or name (required)")
	out := fs.String("out", "-", "output file; - is standard output")
	if err := fs.Parse(args); err != nil {
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
	ref, err := e.groupRef(ctx, caller, *group, period)
	if err != nil {
		return err
	}
	g, err := e.svc.BillingGroupAsOf(ctx, caller, ref, period)
	if err != nil {
		return err
	}
	w, closeOut, err := output(*out, stdout)
	if err != nil {
		return err
	}
	sum, err := usage.Export(ctx, e.store, caller.Account, g, period, w)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %s (%s) for %s: %s and %s, %s\n",
		g.Name, g.ARN, period, plural(sum.Lines, "line"), plural(sum.Items, "custom line item"), sum.Format)
	return nil
}

// groupRef resolves a billing group given by name or ID to its ARN; ARNs
// pass through.
func (e *engine) groupRef(ctx context.Context, c conductor.Caller, ref string, p conductor.Period) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	var err error
	for page := (conductor.Page{}); err == nil; {
		var groups []conductor.BillingGroupView
		groups, page.NextToken, err = e.svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{BillingPeriod: string(p), Page: page})
		for _, g := range groups {
			if g.Name == ref || g.ID == ref {
				return g.ARN, nil
			}
		}
		if page.NextToken == "" {
			break
		}
	}
	if err == nil {
		err = fmt.Errorf("no billing group %q in %s", ref, p)
	}
	return "", err
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
