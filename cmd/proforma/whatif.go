package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/postgres"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/server"
	"github.com/proforma-dev/proforma/internal/usage"
)

// runWhatif is `proforma whatif`: it applies a change list to a throwaway
// scenario of the payer's billing period, prints the scenario's comparison
// with live, and deletes the scenario.
func runWhatif(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proforma whatif", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: proforma whatif [--data DIR] [--payer ACCOUNT] [--period YYYY-MM] --changes FILE [--by-service] [--format table|csv|json]\n\n"+
			"Applies a change list — a JSON (or YAML) list of {\"Operation\", \"Input\", \"Output\"}, as a scenario's changes\n"+
			"endpoint returns it — to a throwaway scenario of the payer's billing period, prints each billing\n"+
			"group's pro forma cost and margin live and in the scenario, and deletes the scenario. ARNs that\n"+
			"a change's Output names are mapped, in later changes, to the ones the replay creates.")
		fs.PrintDefaults()
	}
	data := defaultDataDir()
	dataFlag(fs, &data, "the `DIR` or postgres:// URL of the store proforma serve uses (the scenario is created there, then deleted)"+dataFlagHelp)
	read := readFlags{data: &data,
		payer:  fs.String("payer", "", "management account (default: the only payer with imported usage)"),
		period: fs.String("period", "", "billing period YYYY-MM of the scenario (default: the latest imported; not a future one)"),
	}
	changesFile := fs.String("changes", "", "the change list, a JSON or YAML `FILE` (- for standard input)")
	byService := fs.Bool("by-service", false, "break each billing group down by service (PRODUCT_NAME)")
	format := fs.String("format", "table", "table, csv or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format must be table, csv or json, not %q", *format)
	}
	if *changesFile == "" {
		fs.Usage()
		return errors.New("--changes FILE is required")
	}
	changes, err := readChanges(*changesFile)
	if err != nil {
		return err
	}
	if !postgres.IsDSN(data) { // a missing store is an error, not a new empty one
		probe, err := openEngine(ctx, data, true)
		if err != nil {
			return err
		}
		probe.Close()
	}
	e, err := openEngine(ctx, data, false)
	if err != nil {
		return err
	}
	defer e.Close()
	payer, period, err := read.resolve(ctx, e, true)
	if err != nil {
		return err
	}
	caller := conductor.Caller{Account: payer}
	w := whatif{scenarios: scenario.NewManager(e.store, nil, usage.NewEngine(), usage.SharedKinds), caller: caller}
	cmp, err := w.run(ctx, "proforma whatif "+filepath.Base(*changesFile), period, changes, *byService)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return writeIndentedJSON(stdout, cmp)
	case "csv":
		return writeWhatifCSV(stdout, cmp)
	}
	fmt.Fprintf(stdout, "What if payer %s applied %s, billing period %s (USD)\n\n", payer, plural(len(changes), "change"), cmp.BillingPeriod)
	return writeWhatifTable(stdout, cmp, *byService)
}

// readChanges reads a change list: a JSON (or YAML) array of changes
// ("-" reads standard input).
func readChanges(path string) ([]scenario.Change, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	list, err := scenario.ParseChanges(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return list, nil
}

// whatif runs a change list in a throwaway scenario of the caller's.
type whatif struct {
	scenarios *scenario.Manager
	caller    conductor.Caller
}

// run creates the scenario, replays changes in it through the API (the
// AWS SDK over the scenario's handler, in process), compares it with live
// and deletes it, whatever happened.
func (w whatif) run(ctx context.Context, name string, period conductor.Period, changes []scenario.Change, byService bool) (_ *scenario.Comparison, err error) {
	if utf8.RuneCountInString(name) > scenario.MaxNameLength {
		name = string([]rune(name)[:scenario.MaxNameLength])
	}
	sc, err := w.scenarios.Create(ctx, w.caller, name, string(period))
	if err != nil {
		return nil, fmt.Errorf("create a scenario of %s: %w", period, err)
	}
	defer func() {
		if derr := w.scenarios.Delete(context.WithoutCancel(ctx), w.caller, sc.ID); derr != nil {
			err = errors.Join(err, fmt.Errorf("delete scenario %s: %w", sc.ID, derr))
		}
	}()
	api := restjson.New(w.scenarios.Service(sc), restjson.Identity{DefaultPayer: w.caller.Account}, nil)
	if _, err := scenario.Replay(ctx, server.InProcessClient(api, w.caller.Account), changes); err != nil {
		return nil, err
	}
	return w.scenarios.Compare(ctx, w.caller, sc.ID, byService)
}

// whatifRow is one line of the table or CSV: a group, a service of a
// group, or the total.
type whatifRow struct {
	arn, name, product string
	scenario.Columns
}

func whatifRows(cmp *scenario.Comparison) []whatifRow {
	var rows []whatifRow
	for _, g := range cmp.BillingGroups {
		rows = append(rows, whatifRow{g.Arn, g.Name, "", g.Columns})
		for _, s := range g.Services {
			rows = append(rows, whatifRow{g.Arn, g.Name, s.ProductName, s.Columns})
		}
	}
	return append(rows, whatifRow{"", "Total", "", cmp.Total})
}

// figures are a row's amounts, in the columns' order: AWS cost, live and
// scenario pro forma cost, change, live and scenario margin; "" for a side
// the row does not have.
func (r whatifRow) figures() []string {
	out := []string{r.AWSCost, "", "", r.ProformaCostChange, "", ""}
	if r.Live != nil {
		out[1], out[4] = r.Live.ProformaCost, r.Live.Margin
	}
	if r.Scenario != nil {
		out[2], out[5] = r.Scenario.ProformaCost, r.Scenario.Margin
	}
	return out
}

// writeWhatifTable prints the comparison as a table, amounts rounded to
// cents as `proforma report` rounds them; "-" marks a side where the
// group (or service) does not exist.
func writeWhatifTable(w io.Writer, cmp *scenario.Comparison, byService bool) error {
	header := []string{"Billing group", "AWS cost", "Live pro forma", "Scenario pro forma", "Change", "Live margin", "Scenario margin"}
	left := 1
	if byService {
		header = append([]string{header[0], "Service"}, header[1:]...)
		left = 2
	}
	table := [][]string{header}
	for _, r := range whatifRows(cmp) {
		cells := []string{r.name}
		if byService {
			switch {
			case r.product != "":
				cells = []string{"", r.product}
			case r.arn == "":
				cells = append(cells, "")
			default:
				cells = append(cells, "(all)")
			}
		}
		for _, f := range r.figures() {
			cells = append(cells, cents(f))
		}
		table = append(table, cells)
	}
	width := make([]int, len(header))
	for _, r := range table {
		for i, cell := range r {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range table {
		var line strings.Builder
		for i, cell := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			if i < left {
				fmt.Fprintf(&line, "%-*s", width[i], cell)
			} else {
				fmt.Fprintf(&line, "%*s", width[i], cell)
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// cents is an amount rounded to two decimals as the report table shows
// it (Costs.rounded); "" (an absent side) is "-".
func cents(s string) string {
	if s == "" {
		return "-"
	}
	return Costs{AWSCost: s}.rounded()[0]
}

// writeWhatifCSV writes the comparison's exact amounts, a row per group
// (and per service of a group with --by-service) and the total last
// (billing_group_arn empty, billing_group "Total"); an absent side's
// cells are empty.
func writeWhatifCSV(w io.Writer, cmp *scenario.Comparison) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"billing_group_arn", "billing_group", "product", "aws_cost", "live_proforma_cost", "scenario_proforma_cost",
		"proforma_cost_change", "live_margin", "scenario_margin"})
	for _, r := range whatifRows(cmp) {
		cw.Write(append([]string{r.arn, r.name, r.product}, r.figures()...))
	}
	cw.Flush()
	return cw.Error()
}
