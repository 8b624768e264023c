package usage

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/shopspring/decimal"
)

// Format is the file format of an export.
type Format string

// The export formats. All three come out of the same pricing pass, so
// their costs are the same exact decimals.
const (
	// FormatCSV is the pro forma CUR as CSV (PROFORMA.md rule 18): the
	// input's columns and naming style, gzip-compressed when the input was.
	FormatCSV Format = "csv"
	// FormatParquet is the same pro forma CUR as Parquet: snake_case
	// (Athena-style) column names, the cost and rate columns
	// DECIMAL(38,18), the others optional UTF8 strings (empty → null).
	FormatParquet Format = "parquet"
	// FormatFOCUS is the pro forma as a FinOps FOCUS 1.2 dataset in
	// Parquet: one row per charge, usage lines and custom line items alike.
	FormatFOCUS Format = "focus"
)

// FOCUSVersion is the FOCUS specification version FormatFOCUS follows.
const FOCUSVersion = "1.2"

// Formats lists the export formats, the default first.
var Formats = []Format{FormatCSV, FormatParquet, FormatFOCUS}

// ParseFormat returns the Format named s (case-insensitive); "" is
// FormatCSV. An unknown name is an error that lists the choices.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatCSV, nil
	}
	for _, f := range Formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown export format %q: want %s", s, formatChoices())
}

func formatChoices() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// ExportOptions are the options of ExportWith. The zero value exports CSV.
type ExportOptions struct {
	Format Format // "" = FormatCSV
	// AccountNames maps account IDs to names, for FOCUS's
	// BillingAccountName and SubAccountName when the CUR names none
	// (only CUR 2.0 has account name columns). nil: names from the CUR only.
	AccountNames map[string]string
}

// ExportOptionsFor are the options of an export of group g in format f:
// for FOCUS, the names the payer's organization gives the payer and the
// group's accounts.
func ExportOptionsFor(ctx context.Context, svc *conductor.Service, payer string, g conductor.GroupAsOf, f Format) (ExportOptions, error) {
	opts := ExportOptions{Format: f}
	if f != FormatFOCUS {
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

func (o ExportOptions) format() Format {
	if o.Format == "" {
		return FormatCSV
	}
	return o.Format
}

func (o ExportOptions) check() error {
	_, err := ParseFormat(string(o.Format))
	return err
}

// ExportPlan is what an export of a payer's period will write, known
// before the first byte: what a server needs for its response headers.
type ExportPlan struct {
	Format Format
	Gzip   bool // CSV only: the output is gzip-compressed (the input was)
}

// PlanExport checks that an export can start — a known format and usage
// imported for the period (else an error wrapping ErrNoUsage) — and
// returns its plan.
func PlanExport(ctx context.Context, store conductor.Store, payer string, period conductor.Period, f Format) (ExportPlan, error) {
	f, err := ParseFormat(string(f))
	if err != nil {
		return ExportPlan{}, err
	}
	var m Manifest
	var ok bool
	err = store.View(ctx, func(tx conductor.Tx) error {
		m, ok, err = loadManifest(tx, payer, period)
		return err
	})
	if err == nil && !ok {
		err = fmt.Errorf("%w for payer %s in %s", ErrNoUsage, payer, period)
	}
	if err != nil {
		return ExportPlan{}, err
	}
	return ExportPlan{Format: f, Gzip: f == FormatCSV && m.Parts[0].Format.Gzip}, nil
}

// Ext is the file name extension of the export: ".csv", ".csv.gz",
// ".parquet" or ".focus.parquet".
func (p ExportPlan) Ext() string {
	switch {
	case p.Format == FormatParquet:
		return ".parquet"
	case p.Format == FormatFOCUS:
		return ".focus.parquet"
	case p.Gzip:
		return ".csv.gz"
	}
	return ".csv"
}

// MediaType is the export's media type: application/vnd.apache.parquet,
// application/gzip for gzip-compressed CSV (a .csv.gz file, not a
// content encoding that clients would undo), else text/csv.
func (p ExportPlan) MediaType() string {
	switch {
	case p.Format == FormatParquet || p.Format == FormatFOCUS:
		return "application/vnd.apache.parquet"
	case p.Gzip:
		return "application/gzip"
	}
	return "text/csv; charset=utf-8"
}

// outputFormat is the CUR format an export writes: the input's naming
// style; Parquet for the Parquet formats, else CSV with the input's gzip.
func outputFormat(m Manifest, f Format) cur.Format {
	in := m.Parts[0].Format
	out := cur.Format{Snake: in.Snake, CUR2: in.CUR2}
	switch f {
	case FormatParquet:
		out.Snake, out.Parquet = true, true
	case FormatFOCUS:
		out = cur.Format{Parquet: true}
	default:
		out.Gzip = in.Gzip
	}
	return out
}

// exportLine is one line of an export, as each sink receives it.
type exportLine struct {
	row  []string        // the pro forma CUR line, in the exporter's header columns
	cost decimal.Decimal // its pro forma cost: the value of every cost column
	rec  *cur.Record     // the line as read; nil for a custom line item
	item *pricing.ItemCharge
}

// rowSink writes an export's lines in one format. The header is given
// when the sink is made; line is called once per line, in order; close
// ends the file (it does not close the underlying writer).
type rowSink interface {
	line(l *exportLine) error
	close() error
}

// newSink returns the sink of format f over w.
func (x *exporter) newSink(w io.Writer, f Format) (rowSink, error) {
	switch f {
	case FormatParquet:
		return newCURParquetSink(w, x.header)
	case FormatFOCUS:
		return newFOCUSSink(w, x), nil
	}
	out, err := cur.NewWriter(w, x.header, cur.Format{Gzip: x.sum.Format.Gzip})
	if err != nil {
		return nil, err
	}
	return csvSink{out}, nil
}

// csvSink writes the pro forma CUR as CSV through cur.Writer.
type csvSink struct{ w *cur.Writer }

func (s csvSink) line(l *exportLine) error { return s.w.Write(l.row) }
func (s csvSink) close() error             { return s.w.Close() }

// value returns the first non-empty value of row among the columns
// names (lower-case), "" when none.
func (x *exporter) value(row []string, names ...string) string {
	for _, n := range names {
		if i, ok := x.col[n]; ok && row[i] != "" {
			return row[i]
		}
	}
	return ""
}
