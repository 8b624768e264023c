package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// groupReport is one billing group's line of `proforma report`.
type groupReport struct {
	BillingGroupARN string          `json:"billingGroupArn"`
	Name            string          `json:"name"`
	Costs                           // the group's total
	Products        []productReport `json:"products,omitempty"`
}

type productReport struct {
	Product string `json:"product"`
	Costs
}

// Costs are a report's amounts as the API writes them.
type Costs struct {
	AWSCost          string `json:"awsCost"`
	ProformaCost     string `json:"proformaCost"`
	Margin           string `json:"margin"`
	MarginPercentage string `json:"marginPercentage"`
}

// rounded is the costs for a table: each amount rounded to two decimals,
// half away from zero, shown with both ("176.50", "-0.84").
func (c Costs) rounded() []string {
	out := []string{c.AWSCost, c.ProformaCost, c.Margin, c.MarginPercentage}
	for i, s := range out {
		if d, err := decimal.NewFromString(s); err == nil {
			if out[i] = d.Round(2).StringFixed(2); out[i] == "-0.00" {
				out[i] = "0.00"
			}
		}
	}
	return out
}

func costsOf(r conductor.CostReport) Costs {
	return Costs{r.AWSCost.String(), r.ProformaCost.String(), r.Margin().String(), r.MarginPercentage().String()}
}

// runReport is `proforma report`.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proforma report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	read := addReadFlags(fs)
	byService := fs.Bool("by-service", false, "break each billing group down by service (PRODUCT_NAME)")
	format := fs.String("format", "table", "table, csv or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format must be table, csv or json, not %q", *format)
	}
	e, caller, period, err := read.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	reports, err := e.report(ctx, caller, period, *byService)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return writeIndentedJSON(stdout, reports)
	case "csv":
		return writeReportCSV(stdout, reports)
	}
	fmt.Fprintf(stdout, "Pro forma margins of payer %s, billing period %s (USD)\n\n", caller.Account, period)
	return writeReportTable(stdout, reports)
}

// report computes every billing group's report through the API's operations.
func (e *engine) report(ctx context.Context, c conductor.Caller, p conductor.Period, byService bool) ([]groupReport, error) {
	names := map[string]string{}
	for page := (conductor.Page{}); ; {
		groups, next, err := e.svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{BillingPeriod: string(p), Page: page})
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			names[g.ARN] = g.Name
		}
		if page.NextToken = next; next == "" {
			break
		}
	}
	var out []groupReport
	for page := (conductor.Page{}); ; {
		reports, next, err := e.svc.ListBillingGroupCostReports(ctx, c, conductor.ListBillingGroupCostReportsInput{BillingPeriod: string(p), Page: page})
		if err != nil {
			return nil, err
		}
		for _, r := range reports {
			g := groupReport{BillingGroupARN: r.BillingGroupARN, Name: names[r.BillingGroupARN], Costs: costsOf(r)}
			if byService {
				if g.Products, err = e.products(ctx, c, r.BillingGroupARN, p); err != nil {
					return nil, err
				}
			}
			out = append(out, g)
		}
		if page.NextToken = next; next == "" {
			break
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no billing groups in " + string(p) + ": create them (while the clock is in that period) first")
	}
	return out, nil
}

// products is a group's report per PRODUCT_NAME.
func (e *engine) products(ctx context.Context, c conductor.Caller, arn string, p conductor.Period) ([]productReport, error) {
	var out []productReport
	in := conductor.GetBillingGroupCostReportInput{ARN: arn, GroupBy: []string{"PRODUCT_NAME"},
		Range: &conductor.PeriodRange{Start: string(p), End: string(p.Next())}}
	for {
		reports, next, err := e.svc.GetBillingGroupCostReport(ctx, c, in)
		if err != nil {
			return nil, err
		}
		for _, r := range reports {
			out = append(out, productReport{Product: r.Attributes[0].Value, Costs: costsOf(r)})
		}
		if in.NextToken = next; next == "" {
			return out, nil
		}
	}
}

// writeReportTable prints the reports as a table: names left-aligned,
// amounts right-aligned, rounded to cents (and margin percentages to two
// decimals) for reading; csv and json keep the exact amounts.
func writeReportTable(w io.Writer, reports []groupReport) error {
	rows := [][]string{{"Billing group", "Service", "AWS cost", "Pro forma cost", "Margin", "Margin %"}}
	for _, g := range reports {
		rows = append(rows, append([]string{g.Name, "(all)"}, g.Costs.rounded()...))
		for _, p := range g.Products {
			rows = append(rows, append([]string{"", p.Product}, p.Costs.rounded()...))
		}
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-*s  %-*s", width[0], r[0], width[1], r[1])
		for i := 2; i < len(r); i++ {
			line += fmt.Sprintf("  %*s", width[i], r[i])
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

func writeReportCSV(w io.Writer, reports []groupReport) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"billing_group_arn", "billing_group", "product", "aws_cost", "proforma_cost", "margin", "margin_percentage"})
	for _, g := range reports {
		cw.Write([]string{g.BillingGroupARN, g.Name, "", g.AWSCost, g.ProformaCost, g.Margin, g.MarginPercentage})
		for _, p := range g.Products {
			cw.Write([]string{g.BillingGroupARN, g.Name, p.Product, p.AWSCost, p.ProformaCost, p.Margin, p.MarginPercentage})
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeIndentedJSON writes v as indented JSON, the --format json of the
// commands that print tables.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
