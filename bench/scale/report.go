package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// report holds the figures of a run; it is also the -json document.
type report struct {
	Sizes    []int
	Store    string
	Samples  int
	Walks    int
	CURLines int
	Import   *importResult `json:",omitempty"`
	Ops      []opResult
}

// opResult is one operation's figures at every size.
type opResult struct {
	Name   string
	Kind   string  // kindSingle, kindFirst, kindWalk or kindWhole
	At     []point // one per size, in size order
	Growth float64 // P50 at the largest size ÷ P50 at the smallest
	// PerResourceGrowth is a walk's Growth divided by the growth of the
	// resources it returns (proportional to the size): above 2 it grows
	// faster than linearly. (A walk's first size fits one page of fewer
	// items than later pages hold, so pages are not the measure.)
	PerResourceGrowth float64 `json:",omitempty"`
	Mark              string  // "> 2×", "superlinear" or ""
}

// point is one operation at one size; times in milliseconds.
type point struct {
	Size     int // billing groups
	Pages    int // pages read by one call
	Samples  int
	P50, P99 float64
}

// newReport has an empty row for each operation cfg measures.
func newReport(cfg config, ops []op) *report {
	r := &report{Sizes: cfg.Sizes, Store: cfg.Store, Samples: cfg.Samples, Walks: cfg.Walks, CURLines: cfg.CURLines}
	for _, o := range ops {
		if (!o.needsCUR || cfg.CURLines > 0) && (cfg.Only == nil || cfg.Only.MatchString(o.name)) {
			r.Ops = append(r.Ops, opResult{Name: o.name, Kind: o.kind})
		}
	}
	return r
}

// finish computes the growth ratios and marks.
func (r *report) finish() {
	for k := range r.Ops {
		o := &r.Ops[k]
		first, last := o.At[0], o.At[len(o.At)-1]
		o.Growth = last.P50 / first.P50
		switch {
		case o.Kind == kindWalk || o.Kind == kindWhole:
			o.PerResourceGrowth = o.Growth / (float64(last.Size) / float64(first.Size))
			if o.PerResourceGrowth > 2 {
				o.Mark = "superlinear"
			}
		case o.Growth > 2:
			o.Mark = "> 2×"
		}
	}
}

// print writes the table: p50 and p99 at each size, growth and mark.
func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\nLatency in ms through the AWS SDK client (%s store; %d samples, %d for walks).\n", r.Store, r.Samples, r.Walks)
	if im := r.Import; im != nil {
		fmt.Fprintf(w, "Import of %d CUR lines (%d usage types a product) into %d aggregates: %.1f s; ListBillingGroups first page %.0f calls/s before, %.0f after: after ÷ before %.2f\n",
			im.Lines, im.UsageTypes, im.Aggregates, im.Seconds, im.Before, im.After, im.After/im.Before)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"operation", "kind"}
	for _, n := range r.Sizes {
		head = append(head, fmt.Sprintf("p50@%d", n), fmt.Sprintf("p99@%d", n))
	}
	head = append(head, "pages", "growth", "per resource", "")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, o := range r.Ops {
		fmt.Fprintln(tw, strings.Join(o.cells(), "\t")+"\t")
	}
	tw.Flush()
	r.printScenarios(w)
}

// printScenarios writes the what-if figures against issue 17's targets:
// creating a scenario under 1 s, comparing under 2 s.
func (r *report) printScenarios(w io.Writer) {
	for _, o := range r.Ops {
		target := 0.0
		switch o.Name {
		case opCreateScenario:
			target = 1000
		case opCompare, opCompareAll, opCompareCold:
			target = 2000
		default:
			continue
		}
		fmt.Fprintf(w, "%s:", o.Name)
		for _, p := range o.At {
			fmt.Fprintf(w, " %.1f ms at %d groups (p99 %.1f);", p.P50, p.Size, p.P99)
		}
		fmt.Fprintf(w, " target under %.0f ms\n", target)
	}
}

// cells is the operation's row of the table.
func (o opResult) cells() []string {
	row := []string{o.Name, o.Kind}
	for _, p := range o.At {
		row = append(row, fmt.Sprintf("%.2f", p.P50), fmt.Sprintf("%.2f", p.P99))
	}
	pages, perResource := "", ""
	if o.Kind == kindWalk {
		pages = fmt.Sprintf("%d→%d", o.At[0].Pages, o.At[len(o.At)-1].Pages)
	}
	if o.Kind == kindWalk || o.Kind == kindWhole {
		perResource = fmt.Sprintf("%.2f×", o.PerResourceGrowth)
	}
	return append(row, pages, fmt.Sprintf("%.1f×", o.Growth), perResource, o.Mark)
}

// writeJSON writes the report to path.
func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
