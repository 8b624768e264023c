package usage

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/shopspring/decimal"
)

// ErrNoUsage is returned when a payer has no usage imported for a period.
var ErrNoUsage = errors.New("no usage imported")

// ExportSummary is the outcome of an export.
type ExportSummary struct {
	// Format is the CUR format of the output: the input's naming style;
	// CSV (gzip when the input was) or, for FormatParquet and FormatFOCUS,
	// Parquet.
	Format cur.Format
	Export Format // the export format asked for
	Lines  int64  // usage lines written
	Items  int    // custom line item lines written
}

// Describe names what was written, e.g. "legacy CUR CSV (gzip)" or
// "FOCUS 1.2 Parquet".
func (s ExportSummary) Describe() string {
	if s.Export == FormatFOCUS {
		return "FOCUS " + FOCUSVersion + " Parquet"
	}
	return s.Format.String()
}

// Export writes a billing group's pro forma CUR for a period to w
// (PROFORMA.md rule 18): the input's columns (the first file's, then any
// other file's extra ones), only the group's accounts' lines that are part
// of its pro forma (excluded lines such as Tax and Credit are left out),
// cost columns replaced by pro forma costs, rates by cost ÷ usage, an
// empty invoice ID, and one line per custom line item. The output is CSV,
// gzip-compressed when the input was; [choice] a Parquet input is exported
// as CSV with the same columns. Lines keep the input's order, which fixes
// how custom tiers split between lines (see internal/pricing). Export is
// ExportWith in FormatCSV.
func Export(ctx context.Context, store conductor.Store, payer string, g conductor.GroupAsOf, period conductor.Period, w io.Writer) (ExportSummary, error) {
	return ExportWith(ctx, store, payer, g, period, w, ExportOptions{})
}

// ExportWith writes a billing group's pro forma for a period to w in the
// format of opts (see Format): the same lines and amounts as Export, from
// one pricing pass whatever the format. When the payer has no usage
// imported for the period it returns an error wrapping ErrNoUsage before
// writing anything.
func ExportWith(ctx context.Context, store conductor.Store, payer string, g conductor.GroupAsOf, period conductor.Period, w io.Writer, opts ExportOptions) (ExportSummary, error) {
	if err := opts.check(); err != nil {
		return ExportSummary{}, err
	}
	var sum ExportSummary
	err := store.View(ctx, func(tx conductor.Tx) error {
		m, ok, err := loadManifest(tx, payer, period)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w for payer %s in %s", ErrNoUsage, payer, period)
		}
		x, err := newExporter(m, payer, g, period, w, opts)
		if err != nil {
			return err
		}
		for _, part := range m.Parts {
			if err := x.part(ctx, tx, part); err != nil {
				return err
			}
		}
		sum, err = x.finish()
		return err
	})
	return sum, err
}

// exporter writes one pro forma CUR.
type exporter struct {
	payer  string
	group  conductor.GroupAsOf
	period conductor.Period
	calc   *pricing.Calculator
	out    rowSink
	names  map[string]string // account ID → name, from ExportOptions
	header []string
	col    map[string]int // output column by lower-case name
	// template is a line of the period as read (output columns; any
	// account's, the first of billing entity AWS if any), whose bill-wide
	// columns and timestamp formats the custom line items' lines copy.
	template    []string
	templateAWS bool
	sum         ExportSummary
}

func newExporter(m Manifest, payer string, g conductor.GroupAsOf, period conductor.Period, w io.Writer, opts ExportOptions) (*exporter, error) {
	calc, err := pricing.NewCalculator(pricingGroups(period, []conductor.GroupAsOf{g}))
	if err != nil {
		return nil, err
	}
	x := &exporter{payer: payer, group: g, period: period, calc: calc, col: map[string]int{}, names: opts.AccountNames}
	for _, p := range m.Parts {
		for _, name := range p.Header {
			if _, ok := x.col[strings.ToLower(name)]; !ok {
				x.col[strings.ToLower(name)] = len(x.header)
				x.header = append(x.header, name)
			}
		}
	}
	x.sum.Format = outputFormat(m, opts.format())
	x.sum.Export = opts.format()
	x.out, err = x.newSink(w, opts.format())
	return x, err
}

// part writes the group's lines of the period from one stored file.
func (x *exporter) part(ctx context.Context, tx conductor.Tx, part Part) error {
	rd, cleanup, err := openBlob(tx, part)
	if err != nil {
		return err
	}
	defer cleanup()
	defer rd.Close()
	index := make([]int, len(rd.Header())) // input column → output column
	for i, name := range rd.Header() {
		index[i] = x.col[strings.ToLower(name)]
	}
	row := make([]string, len(x.header))
	n := 0
	for rec, err := range rd.All() {
		if err != nil {
			return err
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		n++
		p := conductor.PeriodOf(rec.BillingPeriodStart)
		if p != x.period {
			continue
		}
		priced := x.calc.Add(lineOf(&rec, p))
		if !x.templateAWS {
			x.keepTemplate(rec.Raw, index, rec.BillingEntity == "AWS")
		}
		if priced.GroupARN == "" || !priced.Applies {
			continue
		}
		clear(row)
		for i, v := range rec.Raw {
			row[index[i]] = v
		}
		if err := x.writeLine(row, &rec, priced.Proforma); err != nil {
			return err
		}
	}
	return nil
}

// openBlob opens a stored file with the CUR reader. Parquet and zip need
// random access: they are spooled to a temporary file first.
func openBlob(tx conductor.Tx, part Part) (*cur.Reader, func(), error) {
	src := newBlobReader(tx, part.Blob)
	if !part.Format.Parquet && !part.Format.Zip {
		rd, err := cur.NewReader(src, part.File, cur.WithLimits(part.Limits))
		return rd, func() {}, err
	}
	f, err := os.CreateTemp("", "proforma-export-*")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	_, err = io.Copy(f, src)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	rd, err := cur.NewReader(f, part.File, cur.WithLimits(part.Limits))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return rd, cleanup, nil
}

// Cost, rate and invoice columns of a pro forma CUR, in both naming styles.
var (
	costColumns = []string{"lineitem/unblendedcost", "lineitem/blendedcost", "lineitem/netunblendedcost",
		"line_item_unblended_cost", "line_item_blended_cost", "line_item_net_unblended_cost"}
	rateColumns = []string{"lineitem/unblendedrate", "lineitem/blendedrate", "lineitem/netunblendedrate",
		"line_item_unblended_rate", "line_item_blended_rate", "line_item_net_unblended_rate"}
	invoiceColumns = []string{"bill/invoiceid", "bill_invoice_id"}
)

// exact writes an amount with all its digits, so that the lines of a pro
// forma CUR sum to the reports exactly: pro forma costs are finite
// decimals (no division makes them), unlike rates, which are rounded.
func exact(d decimal.Decimal) string { return d.String() }

// writeLine writes a usage line with its pro forma cost.
func (x *exporter) writeLine(row []string, rec *cur.Record, proforma decimal.Decimal) error {
	rate := ""
	if !rec.UsageAmount.IsZero() {
		rate = pricing.Format(proforma.DivRound(rec.UsageAmount, 10))
	}
	x.set(row, costColumns, exact(proforma))
	x.set(row, rateColumns, rate)
	x.set(row, invoiceColumns, "")
	x.sum.Lines++
	return x.out.line(&exportLine{row: row, cost: proforma, rec: rec})
}

// set sets every present column of names.
func (x *exporter) set(row []string, names []string, v string) {
	for _, n := range names {
		if i, ok := x.col[n]; ok {
			row[i] = v
		}
	}
}

// keepTemplate keeps a line read (raw, in input columns) as the items'
// template: the first of the period, replaced once by the first of billing
// entity AWS.
func (x *exporter) keepTemplate(raw []string, index []int, aws bool) {
	if x.template != nil && !aws {
		return
	}
	x.template = make([]string, len(x.header))
	for i, v := range raw {
		x.template[index[i]] = v
	}
	x.templateAWS = aws
}

// finish writes the custom line items and flushes.
func (x *exporter) finish() (ExportSummary, error) {
	for _, ch := range x.calc.Result()[0].Items {
		if err := x.out.line(&exportLine{row: x.itemRow(ch), cost: ch.Charge, item: &ch}); err != nil {
			return x.sum, err
		}
		x.sum.Items++
	}
	return x.sum, x.out.close()
}

// Columns of the custom line items' lines, in both naming styles.
var (
	// copied from the template: the same for every line of a payer's period
	billColumns = []string{"bill/payeraccountid", "bill/invoicingentity", "bill/billingperiodstartdate", "bill/billingperiodenddate",
		"bill_payer_account_id", "bill_invoicing_entity", "bill_billing_period_start_date", "bill_billing_period_end_date"}
	// copied from an AWS template only: what a Marketplace seller's line has differs
	awsColumns     = []string{"lineitem/legalentity", "line_item_legal_entity"}
	billTypeCols   = []string{"bill/billtype", "bill_bill_type"}
	lineItemIDCols = []string{"identity/lineitemid", "identity_line_item_id"}
	intervalCols   = []string{"identity/timeinterval", "identity_time_interval"}
	usageEndCols   = []string{"lineitem/usageenddate", "line_item_usage_end_date"}
	serviceCodeCol = []string{"product/servicecode", "product_servicecode"}
	serviceNameCol = []string{"product/servicename", "product_servicename"}
)

// itemRow is a custom line item as a CUR line (rule 18), shaped like the
// input's lines: Fee or Credit under AWSBillingConductor, Proforma_Fee or
// Proforma_Credit when presented under another service (product code the
// service code, product name its product name as the reports show it); its
// account is the item's, else the group's primary account; its usage (1)
// spans the period; bill columns are the period's other lines', the bill
// type Anniversary, timestamps in the input's format; its line item ID is
// derived from payer, period and item ID, so that re-exports are identical.
func (x *exporter) itemRow(ch pricing.ItemCharge) []string {
	row := make([]string, len(x.header))
	if x.template != nil {
		for _, c := range billColumns {
			if i, ok := x.col[c]; ok {
				row[i] = x.template[i]
			}
		}
		if x.templateAWS {
			for _, c := range awsColumns {
				if i, ok := x.col[c]; ok {
					row[i] = x.template[i]
				}
			}
		}
	}
	kind := "Fee"
	if ch.Item.Type == conductor.ChargeCredit {
		kind = "Credit"
	}
	if ch.Service != conductor.DefaultPresentationService {
		kind = "Proforma_" + kind
	}
	account := ch.Item.AccountID
	if account == "" {
		account = x.group.PrimaryAccount
	}
	start, end := x.period.Start(), x.period.Next().Start()
	fields := map[cur.Field]string{
		cur.FieldPayerAccountID: x.payer, cur.FieldBillingEntity: "AWS", cur.FieldUsageAccountID: account,
		cur.FieldLineItemType: kind, cur.FieldProductCode: ch.Service, cur.FieldProductName: ch.Product,
		cur.FieldUsageAmount: "1", cur.FieldUnblendedCost: exact(ch.Charge), cur.FieldCurrency: "USD",
		cur.FieldDescription: ch.Item.Name,
	}
	for f, v := range fields {
		x.set(row, []string{strings.ToLower(f.Legacy()), strings.ToLower(f.Snake())}, v)
	}
	x.set(row, serviceCodeCol, ch.Service)
	x.set(row, serviceNameCol, ch.Product)
	x.set(row, costColumns, exact(ch.Charge))
	x.set(row, rateColumns, pricing.Format(ch.Charge))
	x.set(row, billTypeCols, "Anniversary")
	x.set(row, lineItemIDCols, itemLineID(x.payer, x.period, ch.Item.ID))
	x.setTime(row, []string{strings.ToLower(cur.FieldBillingPeriodStart.Legacy()), strings.ToLower(cur.FieldBillingPeriodStart.Snake())}, start)
	x.setTime(row, []string{"bill/billingperiodenddate", "bill_billing_period_end_date"}, end)
	x.setTime(row, []string{strings.ToLower(cur.FieldUsageStartDate.Legacy()), strings.ToLower(cur.FieldUsageStartDate.Snake())}, start)
	x.setTime(row, usageEndCols, end)
	for _, c := range intervalCols {
		if i, ok := x.col[c]; ok {
			sample, _, _ := strings.Cut(x.templateValue(i), "/")
			layout := x.layoutOf(sample)
			row[i] = start.Format(layout) + "/" + end.Format(layout)
		}
	}
	return row
}

// setTime sets the present columns of names to t, in the format of the
// template's value in the column (else of its billing period start).
func (x *exporter) setTime(row []string, names []string, t time.Time) {
	for _, n := range names {
		if i, ok := x.col[n]; ok {
			row[i] = t.Format(x.layoutOf(x.templateValue(i)))
		}
	}
}

func (x *exporter) templateValue(i int) string {
	if x.template == nil {
		return ""
	}
	return x.template[i]
}

// timeLayouts are the timestamp formats of CUR files, most common first.
var timeLayouts = []string{"2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000Z07:00",
	"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05.000", "2006-01-02 15:04:05", "2006-01-02T15:04:05.000",
	"2006-01-02T15:04:05", "2006-01-02 15:04:05.000 MST", "2006-01-02 15:04:05 MST", "2006-01-02"}

// layoutOf is the format of a timestamp like sample (one that writes it
// back unchanged), else that of the template's billing period start, else
// RFC 3339 in UTC.
func (x *exporter) layoutOf(sample string) string {
	if l, ok := layoutFor(sample); ok {
		return l
	}
	for _, c := range []string{strings.ToLower(cur.FieldBillingPeriodStart.Legacy()), strings.ToLower(cur.FieldBillingPeriodStart.Snake())} {
		if i, ok := x.col[c]; ok {
			if l, ok := layoutFor(x.templateValue(i)); ok {
				return l
			}
		}
	}
	return "2006-01-02T15:04:05Z"
}

func layoutFor(sample string) (string, bool) {
	if sample == "" {
		return "", false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, sample); err == nil && t.Format(l) == sample {
			return l, true
		}
	}
	return "", false
}

// itemLineID is the identity/LineItemId of a custom line item's line: 52
// lower-case base32 characters like AWS's, derived from payer, period and
// item ID (stable across exports, distinct between items).
func itemLineID(payer string, period conductor.Period, itemID string) string {
	sum := sha256.Sum256([]byte("proforma custom line item\x00" + payer + "\x00" + string(period) + "\x00" + itemID))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:52]
}
