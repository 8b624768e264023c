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
	"github.com/proforma-dev/proforma/internal/restjson"
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
	g, err := groupAsOf(ctx, e.svc, caller, *group, period)
	if err != nil {
		return err
	}
	opts, err := exportOptions(ctx, e.svc, caller.Account, g, format)
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

// groupAsOf resolves a billing group given by ARN, ID or name to its
// state in a period.
func groupAsOf(ctx context.Context, svc *conductor.Service, c conductor.Caller, ref string, p conductor.Period) (conductor.GroupAsOf, error) {
	arn, err := groupRef(ctx, svc, c, ref, p)
	if err != nil {
		return conductor.GroupAsOf{}, err
	}
	return svc.BillingGroupAsOf(ctx, c, arn, p)
}

// groupRef resolves a billing group given by name or ID to its ARN; ARNs
// pass through. An unknown one is a ResourceNotFoundException.
func groupRef(ctx context.Context, svc *conductor.Service, c conductor.Caller, ref string, p conductor.Period) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	var err error
	for page := (conductor.Page{}); err == nil; {
		var groups []conductor.BillingGroupView
		groups, page.NextToken, err = svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{BillingPeriod: string(p), Page: page})
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
		err = &conductor.Error{Code: conductor.CodeNotFound, Message: fmt.Sprintf("no billing group %q in %s", ref, p),
			ResourceID: ref, ResourceType: conductor.TypeBillingGroup}
	}
	return "", err
}

// exportOptions are the options of an export in format f: for FOCUS, the
// names the organization gives the payer and the group's accounts.
func exportOptions(ctx context.Context, svc *conductor.Service, payer string, g conductor.GroupAsOf, f usage.Format) (usage.ExportOptions, error) {
	opts := usage.ExportOptions{Format: f}
	if f != usage.FormatFOCUS {
		return opts, nil
	}
	accounts, err := svc.OrganizationAccounts(ctx, payer)
	if err != nil {
		return opts, err
	}
	wanted := map[string]bool{payer: true}
	for _, a := range g.Accounts {
		wanted[a] = true
	}
	opts.AccountNames = map[string]string{}
	for _, a := range accounts {
		if wanted[a.ID] && a.Name != "" {
			opts.AccountNames[a.ID] = a.Name
		}
	}
	return opts, nil
}

// usageExporter is the admin endpoint's export hook: it resolves the
// format, the group and the period's usage before the first byte, and
// maps their failures to the errors the endpoint answers.
func usageExporter(svc *conductor.Service, store conductor.Store) func(context.Context, restjson.ExportRequest) (restjson.ExportFile, error) {
	return func(ctx context.Context, req restjson.ExportRequest) (restjson.ExportFile, error) {
		format, err := usage.ParseFormat(req.Format)
		if err != nil {
			return restjson.ExportFile{}, conductor.InvalidField("format", err.Error())
		}
		c := conductor.Caller{Account: req.Payer}
		g, err := groupAsOf(ctx, svc, c, req.BillingGroup, req.Period)
		if err != nil {
			return restjson.ExportFile{}, err
		}
		plan, err := usage.PlanExport(ctx, store, req.Payer, req.Period, format)
		if errors.Is(err, usage.ErrNoUsage) {
			err = &conductor.Error{Code: conductor.CodeNotFound, Message: err.Error() + ": import a CUR for it first"}
		}
		if err != nil {
			return restjson.ExportFile{}, err
		}
		opts, err := exportOptions(ctx, svc, req.Payer, g, format)
		if err != nil {
			return restjson.ExportFile{}, err
		}
		write := func(w io.Writer) error {
			_, err := usage.ExportWith(ctx, store, req.Payer, g, req.Period, w, opts)
			return err
		}
		return restjson.ExportFile{Name: exportFileName(g.Name, req.Period, plan), ContentType: plan.MediaType(), Write: write}, nil
	}
}

// exportFileName is "<group>-<period><ext>", the group's name reduced to
// letters, digits, '.', '-' and '_'.
func exportFileName(group string, p conductor.Period, plan usage.ExportPlan) string {
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, group)
	return safe + "-" + string(p) + plan.Ext()
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
