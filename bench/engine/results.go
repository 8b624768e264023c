package main

// The figures, the Proforma ⇄ DuckDB cross-check, and their printing.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
)

// results is everything one run measured (the -json output).
type results struct {
	Started   time.Time `json:"started"`
	Took      float64   `json:"took_s"`
	Config    config    `json:"config"`
	Machine   machine   `json:"machine"`
	File      *curInfo  `json:"file"`
	Groups    int       `json:"billing_groups"`
	GroupSize int       `json:"accounts_per_group"`

	ProformaSkipped string       `json:"proforma_skipped,omitempty"`
	Import          measure      `json:"proforma_import"`
	ImportOutput    string       `json:"proforma_import_output"`
	Report          measure      `json:"proforma_report"`
	ProformaGroups  []groupCosts `json:"proforma_groups,omitempty"`
	Flat            *flatResult  `json:"memory_flatness,omitempty"`

	DuckDBSkipped string      `json:"duckdb_skipped,omitempty"`
	DuckDB        []duckdbRun `json:"duckdb,omitempty"`
	PerKey        *perKeyRun  `json:"duckdb_per_key,omitempty"`
	// ImportVsPerKey is the import's rows/s ÷ DuckDB's per-key
	// aggregation's: the same work, the same file.
	ImportVsPerKey float64 `json:"import_vs_duckdb_per_key,omitempty"`

	Rates    rates   `json:"rows_per_s"`
	VsDuckDB []vsRun `json:"proforma_vs_duckdb,omitempty"`
	Checks   []check `json:"cross_check,omitempty"`
	Mismatch bool    `json:"mismatch"`
}

// flatResult is the import of the smaller file.
type flatResult struct {
	Lines  int     `json:"lines"`
	Import measure `json:"proforma_import"`
}

// rates are input rows per second of wall time.
type rates struct {
	Import       float64 `json:"proforma_import"`
	Report       float64 `json:"proforma_report"`
	ImportReport float64 `json:"proforma_import_report"`
}

// vsRun compares Proforma with one DuckDB run: Proforma ÷ DuckDB.
type vsRun struct {
	DecimalType      string  `json:"duckdb_decimal_type"`
	DuckDBRowsPerS   float64 `json:"duckdb_rows_per_s"`
	ImportRowsPerS   float64 `json:"import_rows_per_s"`
	BothRowsPerS     float64 `json:"import_report_rows_per_s"`
	ImportPeakRSS    float64 `json:"import_peak_rss"`
	ReportPeakRSS    float64 `json:"report_peak_rss"`
	DuckDBQuerySOnly float64 `json:"duckdb_query_s"`
}

// check compares one figure of one group.
type check struct {
	DuckDB      string `json:"duckdb_decimal_type"`
	Group       string `json:"group"`
	Figure      string `json:"figure"`
	Proforma    string `json:"proforma"`
	DuckDBValue string `json:"duckdb"`       // rounded as the API writes money
	DuckDBExact string `json:"duckdb_exact"` // DuckDB's exact sum
	Equal       bool   `json:"equal"`
}

func perSecond(rows int, m measure) float64 {
	if m.Wall <= 0 {
		return 0
	}
	return float64(rows) / m.Wall.Seconds()
}

func ratio(a, b float64) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return a / b
}

// compare computes the rates and ratios and cross-checks every DuckDB
// run's group totals with Proforma's.
func (r *results) compare() {
	n := r.File.Lines
	r.Rates = rates{Import: perSecond(n, r.Import), Report: perSecond(n, r.Report),
		ImportReport: perSecond(n, measure{Wall: r.Import.Wall + r.Report.Wall})}
	if r.ProformaSkipped != "" {
		return
	}
	for _, d := range r.DuckDB {
		rate := perSecond(n, d.Run)
		r.VsDuckDB = append(r.VsDuckDB, vsRun{DecimalType: d.DecimalType, DuckDBRowsPerS: rate,
			ImportRowsPerS: ratio(r.Rates.Import, rate), BothRowsPerS: ratio(r.Rates.ImportReport, rate),
			ImportPeakRSS:    ratio(float64(r.Import.PeakKiB), float64(d.Run.PeakKiB)),
			ReportPeakRSS:    ratio(float64(r.Report.PeakKiB), float64(d.Run.PeakKiB)),
			DuckDBQuerySOnly: d.Output.QueryMs / 1000})
		r.crossCheck(d)
	}
	if r.PerKey != nil {
		r.ImportVsPerKey = ratio(r.Rates.Import, perSecond(n, r.PerKey.Run))
		r.crossCheckKeys()
	}
}

// crossCheckKeys compares the per-key query's rows and key count with
// the aggregates the import reported storing.
func (r *results) crossCheckKeys() {
	out := r.PerKey.Output
	aggregates := importedAggregates(r.ImportOutput)
	for _, c := range []check{
		{Figure: "rows", Proforma: fmt.Sprint(r.File.Lines), DuckDBValue: fmt.Sprint(out.Rows)},
		{Figure: "aggregation keys", Proforma: fmt.Sprint(aggregates), DuckDBValue: fmt.Sprint(out.Keys)},
	} {
		c.DuckDB, c.Group = "per-key "+duckdbDecimals[0], "(file)"
		c.Equal = c.Proforma == c.DuckDBValue
		r.Mismatch = r.Mismatch || !c.Equal
		r.Checks = append(r.Checks, c)
	}
}

// importedAggregates is the sum of the "(N aggregates)" of an import's
// summary, -1 when it names none.
func importedAggregates(summary string) int64 {
	var total int64 = -1
	for _, m := range regexp.MustCompile(`\(([0-9]+) aggregates?\)`).FindAllStringSubmatch(summary, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		total = max(total, 0) + n
	}
	return total
}

// crossCheck compares one DuckDB run's rows and group totals with
// Proforma's, recording a check per figure.
func (r *results) crossCheck(d duckdbRun) {
	add := func(c check) {
		c.DuckDB = d.DecimalType
		r.Mismatch = r.Mismatch || !c.Equal
		r.Checks = append(r.Checks, c)
	}
	if rows := d.Output.Rows; rows != int64(r.File.Lines) {
		add(check{Group: "(file)", Figure: "rows", Proforma: fmt.Sprint(r.File.Lines), DuckDBValue: fmt.Sprint(rows)})
	}
	pf := map[string]groupCosts{}
	for _, g := range r.ProformaGroups {
		pf[g.Name] = g
	}
	if len(pf) != len(d.Output.Groups) {
		add(check{Group: "(all)", Figure: "groups", Proforma: fmt.Sprint(len(pf)), DuckDBValue: fmt.Sprint(len(d.Output.Groups))})
	}
	for _, g := range d.Output.Groups {
		p := pf[g.Name]
		aws, pro := exact(g.AWSCost), exact(g.ProformaCost)
		for _, c := range []check{
			{Group: g.Name, Figure: "awsCost", Proforma: p.AWSCost, DuckDBExact: g.AWSCost, DuckDBValue: money(aws)},
			{Group: g.Name, Figure: "proformaCost", Proforma: p.ProformaCost, DuckDBExact: g.ProformaCost, DuckDBValue: money(pro)},
			{Group: g.Name, Figure: "margin", Proforma: p.Margin, DuckDBExact: pro.Sub(aws).String(), DuckDBValue: money(pro.Sub(aws))},
		} {
			c.Equal = sameMoney(c.Proforma, c.DuckDBValue)
			add(c)
		}
	}
}

// exact parses a DuckDB decimal string (0 when unparsable, which then
// shows as a mismatch).
func exact(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// money rounds an exact amount as the API writes money (PROFORMA.md rule
// 16): half-even to 10 decimals, trailing zeros trimmed.
func money(d decimal.Decimal) string { return d.RoundBank(10).String() }

// sameMoney reports whether two decimal strings are the same number.
func sameMoney(a, b string) bool {
	x, errX := decimal.NewFromString(a)
	y, errY := decimal.NewFromString(b)
	return errX == nil && errY == nil && x.Equal(y)
}

// printResults writes the human-readable tables.
func printResults(w io.Writer, r *results) {
	f := r.File
	kind := "CSV"
	if r.Config.Gzip {
		kind = "CSV.gz"
	}
	fmt.Fprintf(w, "\nPro forma engine: %s-line legacy CUR (%s, %s MB), %d billing groups × %d accounts, %d CPUs, %s\n\n",
		thousands(float64(f.Lines)), kind, thousands(float64(f.Bytes)/1e6), r.Groups, r.GroupSize, r.Machine.NumCPU,
		r.Started.Format("2006-01-02"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\twall s\tCPU s\trows/s\tpeak RSS MiB\tother CPU\t")
	row := func(name string, m measure, rate float64) {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\t%.0f\t%.0f %%\t\n", name, m.WallS, m.CPUS, thousands(rate), m.PeakMiB(), 100*m.OtherCPU)
	}
	if r.ProformaSkipped == "" {
		row("proforma import", r.Import, r.Rates.Import)
		row("proforma report", r.Report, r.Rates.Report)
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\t\t\t\n", "proforma import + report", r.Import.WallS+r.Report.WallS,
			r.Import.CPUS+r.Report.CPUS, thousands(r.Rates.ImportReport))
	}
	for _, d := range r.DuckDB {
		row(fmt.Sprintf("duckdb %s, %s amounts", d.Output.Version, d.DecimalType), d.Run, perSecond(f.Lines, d.Run))
	}
	tw.Flush()
	if r.ProformaSkipped != "" {
		fmt.Fprintf(w, "proforma: skipped (%s)\n", r.ProformaSkipped)
	}
	if r.DuckDBSkipped != "" {
		fmt.Fprintf(w, "duckdb: skipped (%s)\n", r.DuckDBSkipped)
	}
	for _, v := range r.VsDuckDB {
		fmt.Fprintf(w, "\nProforma ÷ DuckDB (%s): import rows/s %.2f×, import + report rows/s %.2f×; peak RSS: import %.2f×, report %.2f×",
			v.DecimalType, v.ImportRowsPerS, v.BothRowsPerS, v.ImportPeakRSS, v.ReportPeakRSS)
	}
	if len(r.VsDuckDB) > 0 {
		fmt.Fprintln(w, "\n(DuckDB rows include node and DuckDB start-up; its query alone took", queryTimes(r.DuckDB)+")")
	}
	if k := r.PerKey; k != nil {
		fmt.Fprintf(w, "\nThe import's own work, in DuckDB: read_csv + GROUP BY the import's key, %s sums: %.2f s "+
			"(query %.2f s), %s rows/s, %s keys, peak RSS %.0f MiB.\nProforma import ÷ DuckDB per-key: rows/s %.2f×, peak RSS %.2f×\n",
			duckdbDecimals[0], k.Run.WallS, k.Output.QueryMs/1000, thousands(perSecond(f.Lines, k.Run)), thousands(float64(k.Output.Keys)),
			k.Run.PeakMiB(), r.ImportVsPerKey, ratio(float64(r.Import.PeakKiB), float64(k.Run.PeakKiB)))
	}
	if r.Flat != nil {
		fmt.Fprintf(w, "\nMemory flatness: proforma import peak RSS %.0f MiB at %s lines, %.0f MiB at %s lines (%.2f× for %.0f× the lines)\n",
			r.Flat.Import.PeakMiB(), thousands(float64(r.Flat.Lines)), r.Import.PeakMiB(), thousands(float64(f.Lines)),
			ratio(float64(r.Import.PeakKiB), float64(r.Flat.Import.PeakKiB)), float64(f.Lines)/float64(r.Flat.Lines))
	}
	printChecks(w, r)
}

// printChecks writes the cross-check table, one row per group and figure
// with Proforma's value, the first DuckDB run's and each run's verdict, and
// the overall verdict.
func printChecks(w io.Writer, r *results) {
	if len(r.Checks) == 0 {
		return
	}
	type key struct{ group, figure string }
	var keys []key
	rows := map[key][]check{}
	for _, c := range r.Checks {
		k := key{c.Group, c.Figure}
		if rows[k] == nil {
			keys = append(keys, k)
		}
		rows[k] = append(rows[k], c)
	}
	fmt.Fprintln(w, "\nCross-check, per billing group (DuckDB's exact sums rounded half-even to 10 decimals):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "group\tfigure\tproforma\tduckdb\t")
	for _, d := range r.DuckDB {
		fmt.Fprintf(tw, "%s\t", d.DecimalType)
	}
	fmt.Fprintln(tw)
	for _, k := range keys {
		cs := rows[k]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t", k.group, k.figure, cs[0].Proforma, cs[0].DuckDBValue)
		for _, c := range cs {
			verdict := "ok"
			if !c.Equal {
				verdict = "MISMATCH (" + c.DuckDBValue + ")"
			}
			fmt.Fprintf(tw, "%s\t", verdict)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if r.Mismatch {
		fmt.Fprintln(w, "\n*** MISMATCH: Proforma and DuckDB disagree (see the rows marked above) ***")
	} else {
		fmt.Fprintf(w, "\nAll %d figures equal.\n", len(r.Checks))
	}
}

// queryTimes lists each DuckDB run's query time.
func queryTimes(runs []duckdbRun) string {
	var parts []string
	for _, d := range runs {
		parts = append(parts, fmt.Sprintf("%.2f s (%s)", d.Output.QueryMs/1000, d.DecimalType))
	}
	return strings.Join(parts, ", ")
}

// thousands formats a non-negative number with thousands separators and
// no decimals.
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// procField is a "key: value" field of a /proc file ("" when absent).
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func trimSpace(b []byte) string { return strings.TrimSpace(string(b)) }
