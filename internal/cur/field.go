package cur

import (
	"fmt"
	"strings"
)

// Field is one CUR column that Proforma reads into a [Record]. Each Field has
// a legacy name (category/Name, as in legacy CUR CSV) and a snake_case name
// (as in Athena Parquet and CUR 2.0); a header may use either.
type Field int

// The fields of a [Record], in the order of the fields table.
const (
	FieldBillingPeriodStart Field = iota
	FieldPayerAccountID
	FieldUsageAccountID
	FieldBillingEntity
	FieldLineItemType
	FieldProductCode
	FieldServiceCode
	FieldProductName
	FieldUsageType
	FieldOperation
	FieldUsageAmount
	FieldUnblendedCost
	FieldPublicOnDemandCost
	FieldPublicOnDemandRate
	FieldCurrency
	FieldDescription
	FieldSavingsPlanARN
	FieldReservationARN
	FieldUsageStartDate
	numFields
)

type fieldSpec struct {
	legacy, snake string
	required      bool
}

// fields is the one table of column names. Required columns must be in the
// header; optional ones may be absent (their Record fields stay zero).
var fields = [numFields]fieldSpec{
	FieldBillingPeriodStart: {"bill/BillingPeriodStartDate", "bill_billing_period_start_date", true},
	FieldPayerAccountID:     {"bill/PayerAccountId", "bill_payer_account_id", false},
	FieldUsageAccountID:     {"lineItem/UsageAccountId", "line_item_usage_account_id", true},
	FieldBillingEntity:      {"bill/BillingEntity", "bill_billing_entity", true},
	FieldLineItemType:       {"lineItem/LineItemType", "line_item_line_item_type", true},
	FieldProductCode:        {"lineItem/ProductCode", "line_item_product_code", true},
	FieldServiceCode:        {"product/servicecode", "product_servicecode", false},
	FieldProductName:        {"product/ProductName", "product_product_name", false},
	FieldUsageType:          {"lineItem/UsageType", "line_item_usage_type", true},
	FieldOperation:          {"lineItem/Operation", "line_item_operation", true},
	FieldUsageAmount:        {"lineItem/UsageAmount", "line_item_usage_amount", true},
	FieldUnblendedCost:      {"lineItem/UnblendedCost", "line_item_unblended_cost", true},
	FieldPublicOnDemandCost: {"pricing/publicOnDemandCost", "pricing_public_on_demand_cost", false},
	FieldPublicOnDemandRate: {"pricing/publicOnDemandRate", "pricing_public_on_demand_rate", false},
	FieldCurrency:           {"lineItem/CurrencyCode", "line_item_currency_code", true},
	FieldDescription:        {"lineItem/LineItemDescription", "line_item_line_item_description", false},
	FieldSavingsPlanARN:     {"savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n", false},
	FieldReservationARN:     {"reservation/ReservationARN", "reservation_reservation_a_r_n", false},
	FieldUsageStartDate:     {"lineItem/UsageStartDate", "line_item_usage_start_date", false},
}

// cur2ProductColumn is the CUR 2.0 map column that carries product
// attributes, including "product_name" (CUR 2.0 has no product_product_name).
const cur2ProductColumn = "product"

// Legacy returns the legacy CUR column name, e.g. "lineItem/UnblendedCost".
func (f Field) Legacy() string { return fields[f].legacy }

// Snake returns the snake_case column name, e.g. "line_item_unblended_cost".
func (f Field) Snake() string { return fields[f].snake }

// Required reports whether a file without this column is refused.
func (f Field) Required() bool { return fields[f].required }

// String returns the legacy name.
func (f Field) String() string { return f.Legacy() }

// describe names the column in both styles, the file's own style first.
func (f Field) describe(snake bool) string {
	if snake {
		return f.Snake() + " (" + f.Legacy() + ")"
	}
	return f.Legacy() + " (" + f.Snake() + ")"
}

// columns maps each Field to its index in a header, -1 when absent.
type columns struct {
	idx     [numFields]int
	product int // CUR 2.0 "product" map column, -1 when absent
	snake   bool
	cur2    bool
}

// resolveHeader finds every Field in header (names match case-insensitively,
// in either naming style). It refuses FOCUS files and headers missing a
// required column, naming all missing columns.
func resolveHeader(file string, header []string) (columns, error) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if _, dup := pos[k]; !dup {
			pos[k] = i
		}
	}
	if isFOCUS(pos) {
		return columns{}, &Error{File: file, Line: 1, Err: ErrFOCUS}
	}
	c := columns{product: -1}
	c.snake = countStyle(pos, true) > countStyle(pos, false)
	c.cur2 = c.snake && (has(pos, cur2ProductColumn) || has(pos, "bill_payer_account_name"))
	if c.snake {
		if i, ok := pos[cur2ProductColumn]; ok {
			c.product = i
		}
	}
	var missing []string
	for f := range numFields {
		c.idx[f] = lookup(pos, f)
		if c.idx[f] < 0 && f.Required() {
			missing = append(missing, f.describe(c.snake))
		}
	}
	if len(missing) > 0 {
		return c, missingError(file, missing, countStyle(pos, true)+countStyle(pos, false) == 0)
	}
	return c, nil
}

// names returns the header names of the columns found.
func (c *columns) names(header []string) []string {
	var out []string
	for _, i := range c.idx {
		if i >= 0 {
			out = append(out, header[i])
		}
	}
	if c.product >= 0 {
		out = append(out, header[c.product])
	}
	return out
}

func missingError(file string, missing []string, none bool) error {
	err := ErrMissingColumn
	if none {
		err = fmt.Errorf("%w: the header has no CUR column; is this a Cost and Usage Report?", ErrMissingColumn)
	} else if len(missing) > 1 {
		err = fmt.Errorf("%w (also missing: %s)", ErrMissingColumn, strings.Join(missing[1:], ", "))
	}
	return &Error{File: file, Line: 1, Column: missing[0], Err: err}
}

func lookup(pos map[string]int, f Field) int {
	if i, ok := pos[strings.ToLower(f.Legacy())]; ok {
		return i
	}
	if i, ok := pos[f.Snake()]; ok {
		return i
	}
	return -1
}

func has(pos map[string]int, name string) bool {
	_, ok := pos[name]
	return ok
}

// countStyle counts the required fields present under one naming style.
func countStyle(pos map[string]int, snake bool) int {
	n := 0
	for f := range numFields {
		name := strings.ToLower(f.Legacy())
		if snake {
			name = f.Snake()
		}
		if has(pos, name) {
			n++
		}
	}
	return n
}

// isFOCUS recognizes a FinOps FOCUS header by columns no CUR has.
func isFOCUS(pos map[string]int) bool {
	return has(pos, "billedcost") && has(pos, "chargecategory") && has(pos, "billingaccountid")
}
