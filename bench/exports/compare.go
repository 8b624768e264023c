package main

// The verdict: DuckDB's exact sums of the exported files next to the API's
// ProformaCost, compared as decimals, never as floats.

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// moneyScale is the number of fractional digits the API writes money with:
// the exact amount rounded half-even, trailing zeros trimmed (PROFORMA.md
// rule 16).
const moneyScale = 10

// wantCostType is the type `proforma export` gives the pro forma cost
// columns of its Parquet files.
const wantCostType = "DECIMAL(38,18)"

// agreement is how a DuckDB sum compares with the API's money string.
type agreement string

const (
	// exact: the same number (trailing zeros aside).
	exact agreement = "equal"
	// rounded: the same once the sum is rounded half-even to moneyScale
	// digits, as the API writes money; the sum has digits the API drops.
	rounded agreement = "equal at 10 dp"
	// different: not the same number even at the API's precision.
	different agreement = "DIFFERENT"
)

// ok tells whether the two sides agree.
func (a agreement) ok() bool { return a == exact || a == rounded }

// compare compares a DuckDB sum with the API's amount; both are decimal
// strings. An unparsable string is an error.
func compare(api, sum string) (agreement, error) {
	a, err := parseDecimal("API amount", api)
	if err != nil {
		return different, err
	}
	s, err := parseDecimal("DuckDB sum", sum)
	if err != nil {
		return different, err
	}
	switch {
	case a.Equal(s):
		return exact, nil
	case a.Equal(s.RoundBank(moneyScale)):
		return rounded, nil
	}
	return different, nil
}

// parseDecimal parses a plain decimal string ("-12.50"; no exponent).
func parseDecimal(what, s string) (decimal.Decimal, error) {
	if s == "" || strings.ContainsAny(s, "eE") {
		return decimal.Zero, fmt.Errorf("%s %q: not a plain decimal", what, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%s %q: %v", what, s, err)
	}
	return d, nil
}

// sampleResult is the outcome of one sample CUR.
type sampleResult struct {
	Sample  string      `json:"sample"`
	Payer   string      `json:"payer"`
	Period  string      `json:"period"`
	Group   string      `json:"billingGroup,omitempty"`
	API     string      `json:"apiProformaCost,omitempty"`
	Files   []fileCheck `json:"files,omitempty"`
	Error   string      `json:"error,omitempty"` // the sample could not be checked
	Skipped string      `json:"skipped,omitempty"`
}

// fileCheck is one exported file as DuckDB read it, and its verdict.
type fileCheck struct {
	Format      string    `json:"format"` // parquet or focus
	Path        string    `json:"path"`
	ExportError string    `json:"exportError,omitempty"` // proforma export failed
	Readback    *readback `json:"duckdb,omitempty"`
	Agreement   agreement `json:"agreement,omitempty"`
	Error       string    `json:"error,omitempty"` // not exported, unreadable, no cost column, bad sum
}

// ok tells whether the sample was checked and every file agrees.
func (r sampleResult) ok() bool {
	if r.Error != "" || r.Skipped != "" || len(r.Files) == 0 {
		return false
	}
	for _, f := range r.Files {
		if f.Error != "" || !f.Agreement.ok() {
			return false
		}
		for _, a := range f.also() {
			if !a.Agreement.ok() {
				return false
			}
		}
	}
	return true
}

// differs tells whether a file was read and its sum is not the API's.
func (r sampleResult) differs() bool {
	for _, f := range r.Files {
		if f.Error != "" {
			continue
		}
		if f.Agreement == different {
			return true
		}
		for _, a := range f.also() {
			if a.Agreement == different {
				return true
			}
		}
	}
	return false
}

// also is the file's other cost columns, nil when it was not read.
func (f fileCheck) also() []columnSum {
	if f.Readback == nil {
		return nil
	}
	return f.Readback.Also
}

// judge sets the file's verdict from its readback against the API amount.
func (f *fileCheck) judge(api string) {
	switch {
	case f.ExportError != "":
		f.Error = "not exported"
	case f.Readback == nil:
		f.Error = "not read"
	case f.Readback.Error != "":
		f.Error = f.Readback.Error
	default:
		a, err := compare(api, f.Readback.Sum)
		if err != nil {
			f.Error = err.Error()
			return
		}
		f.Agreement = a
		for i := range f.Readback.Also {
			also := &f.Readback.Also[i]
			if also.Error != "" {
				continue
			}
			if also.Agreement, err = compare(api, also.Sum); err != nil {
				f.Error = fmt.Sprintf("%s: %v", also.Column, err)
				return
			}
		}
	}
}

// printResult writes one sample's table: the API's amount, then each file's
// sum, rows, cost column and verdict, then notes (errors, unexpected types).
func printResult(w io.Writer, r sampleResult) {
	fmt.Fprintf(w, "%s  (payer %s, %s, group %s)\n", r.Sample, r.Payer, r.Period, orDash(r.Group))
	if r.Skipped != "" {
		fmt.Fprintf(w, "  skipped: %s\n\n", r.Skipped)
		return
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  ERROR: %s\n\n", indent(r.Error))
		return
	}
	rows := [][]string{{"source", "pro forma cost", "rows", "column (DuckDB type)", "verdict"}, {"API", r.API, "-", "ProformaCost", ""}}
	var notes []string
	for _, f := range r.Files {
		sum, n, col, verdict := "-", "-", "-", string(f.Agreement)
		var also []columnSum
		if rb := f.Readback; rb != nil && rb.Error == "" {
			sum, n, col = rb.Sum, strconv.FormatInt(rb.Rows, 10), rb.CostColumn+" ("+rb.CostType+")"
			also = rb.Also
			for _, c := range append([]columnSum{{Column: rb.CostColumn, Type: rb.CostType}}, rb.Also...) {
				if c.Type != wantCostType && c.Error == "" {
					notes = append(notes, fmt.Sprintf("%s: %s is %s, want %s", f.Format, c.Column, c.Type, wantCostType))
				}
			}
		}
		switch {
		case f.ExportError != "":
			verdict = "EXPORT FAILED"
			notes = append(notes, fmt.Sprintf("%s: %s", f.Format, indent(f.ExportError)))
		case f.Error != "":
			verdict = "UNREADABLE"
			notes = append(notes, fmt.Sprintf("%s: %s", f.Format, indent(f.Error)))
		}
		rows = append(rows, []string{f.Format, sum, n, col, verdict})
		for _, a := range also {
			verdict := string(a.Agreement)
			if a.Error != "" {
				verdict = "NOT A NUMBER"
				notes = append(notes, fmt.Sprintf("%s: %s: %s", f.Format, a.Column, a.Error))
			}
			rows = append(rows, []string{f.Format, orDash(a.Sum), n, a.Column + " (" + a.Type + ")", verdict})
		}
	}
	printTable(w, rows, []bool{false, true, true, false, false})
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintln(w)
}

// printTable writes rows indented by two spaces, in columns two spaces
// apart, right-aligned where right says so.
func printTable(w io.Writer, rows [][]string, right []bool) {
	width := make([]int, len(right))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			b.WriteString("  ")
			if right[i] {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// indent keeps a multi-line message under its table, without its blank
// lines.
func indent(s string) string {
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimRight(l, " "))
		}
	}
	return strings.Join(lines, "\n    ")
}
