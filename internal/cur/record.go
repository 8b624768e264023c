package cur

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Record is one CUR line item, typed, with what the pro forma computation
// needs (see spec/PROFORMA.md, "Inputs").
//
// String fields are substrings of the row as read; keeping one keeps the
// row's text (one allocation per row) alive, so strings.Clone values that
// are stored for long. Fields of optional columns absent from the file are
// zero; which columns are optional is told by [Field.Required].
type Record struct {
	// Line is where the row came from: for CSV the 1-based line number of its
	// first line (the header is line 1), for Parquet the 1-based row number.
	Line int

	BillingPeriodStart time.Time // bill/BillingPeriodStartDate, UTC
	PayerAccountID     string    // bill/PayerAccountId; "" when absent
	UsageAccountID     string    // lineItem/UsageAccountId
	BillingEntity      string    // bill/BillingEntity: "AWS", "AWS Marketplace", "AISPL"
	LineItemType       string    // lineItem/LineItemType, always one of LineItemTypes
	ProductCode        string    // lineItem/ProductCode
	ServiceCode        string    // product/servicecode; "" when absent or empty
	ProductName        string    // product/ProductName; CUR 2.0: product map's "product_name"
	UsageType          string    // lineItem/UsageType (empty on Tax rows)
	Operation          string    // lineItem/Operation (empty on Tax rows)

	// Amounts are exact, parsed from the text as written (scientific notation
	// such as "5.0792E-5" included); an empty field reads as zero.
	UsageAmount   decimal.Decimal // lineItem/UsageAmount
	UnblendedCost decimal.Decimal // lineItem/UnblendedCost

	// Valid is false when the column is absent or the field empty, so "no
	// public price" differs from a public price of 0.
	PublicOnDemandCost decimal.NullDecimal // pricing/publicOnDemandCost
	PublicOnDemandRate decimal.NullDecimal // pricing/publicOnDemandRate

	Currency       string    // lineItem/CurrencyCode
	Description    string    // lineItem/LineItemDescription
	SavingsPlanARN string    // savingsPlan/SavingsPlanARN
	ReservationARN string    // reservation/ReservationARN
	UsageStartDate time.Time // lineItem/UsageStartDate, UTC; zero when absent or empty

	// Raw is the whole row, one string per column in Reader.Header order.
	// The slice is reused by the Reader's next Next or NextBatch call (clone
	// it to keep it); the strings themselves are never modified.
	Raw []string
}

// BillingPeriod returns the billing period as "YYYY-MM".
func (r *Record) BillingPeriod() string { return r.BillingPeriodStart.Format("2006-01") }

// decoder turns raw rows into Records for one header.
type decoder struct {
	file    string
	parquet bool
	header  []string
	cols    columns
	period  timeCache
	start   timeCache
}

// decode fills rec from raw; line is the row's position and fieldLine the
// position of one field (they differ only for multi-line CSV records).
func (d *decoder) decode(raw []string, line int, fieldLine func(col int) int, rec *Record) error {
	*rec = Record{Line: line, Raw: raw}
	if f, err := d.typed(raw, rec); err != nil {
		e := &Error{File: d.file, Line: line, Column: f.describe(d.cols.snake), Err: err, parquet: d.parquet}
		if i := d.cols.idx[f]; i >= 0 { // always, for the fields that can fail
			e.Line, e.Column = fieldLine(i), d.header[i]
		}
		return e
	}
	d.text(raw, rec)
	return nil
}

// field returns the text of f, "" when the column is absent.
func (d *decoder) field(raw []string, f Field) string {
	if i := d.cols.idx[f]; i >= 0 {
		return raw[i]
	}
	return ""
}

// typed parses the typed fields; on error it names the failing Field.
func (d *decoder) typed(raw []string, rec *Record) (Field, error) {
	var ok bool
	if rec.LineItemType, ok = canonicalLineItemType(d.field(raw, FieldLineItemType)); !ok {
		return FieldLineItemType, fmt.Errorf("%w %s", ErrLineItemType, quote(d.field(raw, FieldLineItemType)))
	}
	var err error
	if rec.BillingPeriodStart, err = d.period.parse(d.field(raw, FieldBillingPeriodStart), true); err != nil {
		return FieldBillingPeriodStart, err
	}
	if rec.UsageStartDate, err = d.start.parse(d.field(raw, FieldUsageStartDate), false); err != nil {
		return FieldUsageStartDate, err
	}
	if rec.UsageAmount, err = parseAmount(d.field(raw, FieldUsageAmount)); err != nil {
		return FieldUsageAmount, err
	}
	if rec.UnblendedCost, err = parseAmount(d.field(raw, FieldUnblendedCost)); err != nil {
		return FieldUnblendedCost, err
	}
	if rec.PublicOnDemandCost, err = parseNull(d.field(raw, FieldPublicOnDemandCost)); err != nil {
		return FieldPublicOnDemandCost, err
	}
	if rec.PublicOnDemandRate, err = parseNull(d.field(raw, FieldPublicOnDemandRate)); err != nil {
		return FieldPublicOnDemandRate, err
	}
	return 0, nil
}

// text sets the string fields.
func (d *decoder) text(raw []string, rec *Record) {
	rec.PayerAccountID = d.field(raw, FieldPayerAccountID)
	rec.UsageAccountID = d.field(raw, FieldUsageAccountID)
	rec.BillingEntity = d.field(raw, FieldBillingEntity)
	rec.ProductCode = d.field(raw, FieldProductCode)
	rec.ServiceCode = d.field(raw, FieldServiceCode)
	rec.ProductName = d.field(raw, FieldProductName)
	if rec.ProductName == "" && d.cols.product >= 0 {
		rec.ProductName = jsonStringField(raw[d.cols.product], "product_name")
	}
	rec.UsageType = d.field(raw, FieldUsageType)
	rec.Operation = d.field(raw, FieldOperation)
	rec.Currency = d.field(raw, FieldCurrency)
	rec.Description = d.field(raw, FieldDescription)
	rec.SavingsPlanARN = d.field(raw, FieldSavingsPlanARN)
	rec.ReservationARN = d.field(raw, FieldReservationARN)
}

// Limits on numbers, so a hostile file cannot make later arithmetic huge.
const (
	maxNumberLen = 64
	maxExponent  = 64
)

// parseAmount parses a decimal as written; "" is zero.
func parseAmount(s string) (decimal.Decimal, error) {
	switch s {
	case "":
		return decimal.Decimal{}, nil
	case "0", "0.0":
		return decimal.Zero, nil
	}
	if len(s) > maxNumberLen || !numeric(s) {
		return decimal.Decimal{}, fmt.Errorf("%w %s", ErrNumber, quote(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w %s", ErrNumber, quote(s))
	}
	if e := d.Exponent(); e > maxExponent || e < -maxExponent {
		return decimal.Decimal{}, fmt.Errorf("%w %s: exponent out of range", ErrNumber, quote(s))
	}
	return d, nil
}

// parseNull parses an optional decimal; "" is not Valid.
func parseNull(s string) (decimal.NullDecimal, error) {
	if s == "" {
		return decimal.NullDecimal{}, nil
	}
	d, err := parseAmount(s)
	return decimal.NullDecimal{Decimal: d, Valid: err == nil}, err
}

// numeric reports whether s has only the bytes of a decimal number.
func numeric(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return false
		}
	}
	return true
}

// timeLayouts are tried in order; inputs without a zone are UTC. Fractional
// seconds are accepted by every layout with seconds.
var timeLayouts = []string{
	time.RFC3339,          // 2023-11-01T00:00:00.000Z (CUR CSV)
	"2006-01-02 15:04:05", // 2018-11-01 00:00:00.000 (Athena)
	"2006-01-02T15:04:05",
	"2006-01-02",
	"2006-01", // a bare billing period
}

// timeCache remembers the last parsed value: a column such as the billing
// period start repeats on every row.
type timeCache struct {
	last string
	t    time.Time
}

func (c *timeCache) parse(s string, required bool) (time.Time, error) {
	if s == c.last && s != "" {
		return c.t, nil
	}
	if s == "" {
		if required {
			return time.Time{}, fmt.Errorf("%w: empty", ErrTime)
		}
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			c.last, c.t = s, t.UTC()
			return c.t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w %s", ErrTime, quote(s))
}

// quote quotes a field for an error message, cut to a readable length.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
