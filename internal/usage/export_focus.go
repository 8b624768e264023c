package usage

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/shopspring/decimal"
)

// FOCUS export (FormatFOCUS): one FOCUS 1.2 row per pro forma charge of
// the group — each usage line of the pro forma CUR and each custom line
// item — with every column FOCUS 1.2 marks Mandatory, the Recommended and
// Conditional ones a CUR can fill, and x_ columns that trace a row back to
// the CUR. The mapping is documented in docs/proforma.md ("Exports: CSV,
// Parquet, FOCUS"); the choices in docs/decisions.md.

// focusColumn is one column of the FOCUS file; exactly one getter is set.
type focusColumn struct {
	name string
	text func(r *focusRow) string                  // "" is null
	dec  func(r *focusRow) (decimal.Decimal, bool) // false is null
	time func(r *focusRow) time.Time               // zero is null
}

// FOCUSMandatory lists the columns FOCUS 1.2 marks Mandatory, all present
// in a FOCUS export; of these only BillingAccountName, ChargeClass,
// ChargeDescription, PricingQuantity and PricingUnit allow nulls.
var FOCUSMandatory = []string{"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
	"BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
	"ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
	"ListCost", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"}

// focusColumns are the FOCUS file's columns, in its order: the Mandatory
// ones, then Recommended and Conditional ones, then x_ columns.
var focusColumns = []focusColumn{
	{name: "BilledCost", dec: func(r *focusRow) (decimal.Decimal, bool) { return r.l.cost, true }},
	{name: "BillingAccountId", text: func(r *focusRow) string { return r.x.payer }},
	{name: "BillingAccountName", text: func(r *focusRow) string { return r.accountName(r.x.payer, colPayerName) }},
	{name: "BillingCurrency", text: (*focusRow).currency},
	{name: "BillingPeriodEnd", time: func(r *focusRow) time.Time { return r.x.period.Next().Start() }},
	{name: "BillingPeriodStart", time: func(r *focusRow) time.Time { return r.x.period.Start() }},
	{name: "ChargeCategory", text: func(r *focusRow) string { return r.category }},
	{name: "ChargeClass", text: func(*focusRow) string { return "" }},
	{name: "ChargeDescription", text: (*focusRow).description},
	{name: "ChargePeriodEnd", time: (*focusRow).periodEnd},
	{name: "ChargePeriodStart", time: (*focusRow).periodStart},
	{name: "ContractedCost", dec: func(r *focusRow) (decimal.Decimal, bool) { return r.l.cost, true }},
	{name: "EffectiveCost", dec: (*focusRow).effectiveCost},
	{name: "InvoiceIssuerName", text: (*focusRow).provider},
	{name: "ListCost", dec: (*focusRow).listCost},
	{name: "PricingQuantity", dec: (*focusRow).pricingQuantity},
	{name: "PricingUnit", text: (*focusRow).pricingUnit},
	{name: "ProviderName", text: (*focusRow).provider},
	{name: "PublisherName", text: (*focusRow).publisher},
	{name: "ServiceCategory", text: func(r *focusRow) string { return serviceCategory(r.serviceCode()) }},
	{name: "ServiceName", text: (*focusRow).serviceName},
	{name: "AvailabilityZone", text: func(r *focusRow) string { return r.value(colAvailabilityZone) }},
	{name: "ChargeFrequency", text: (*focusRow).frequency},
	{name: "CommitmentDiscountCategory", text: (*focusRow).commitmentCategory},
	{name: "CommitmentDiscountId", text: (*focusRow).commitmentID},
	{name: "CommitmentDiscountStatus", text: (*focusRow).commitmentStatus},
	{name: "CommitmentDiscountType", text: (*focusRow).commitmentType},
	{name: "ConsumedQuantity", dec: (*focusRow).consumedQuantity},
	{name: "ConsumedUnit", text: (*focusRow).consumedUnit},
	{name: "RegionId", text: func(r *focusRow) string { return r.value(colRegionCode, colRegion) }},
	{name: "RegionName", text: func(r *focusRow) string { return r.value(colLocation) }},
	{name: "ResourceId", text: func(r *focusRow) string { return r.value(colResourceID) }},
	{name: "SkuId", text: func(r *focusRow) string { return r.value(colSKU) }},
	{name: "SkuPriceId", text: func(r *focusRow) string { return r.value(colRateCode) }},
	{name: "SubAccountId", text: (*focusRow).account},
	{name: "SubAccountName", text: func(r *focusRow) string { return r.accountName(r.account(), colAccountName) }},
	{name: "Tags", text: (*focusRow).tags},
	{name: "x_BillingGroupArn", text: func(r *focusRow) string { return r.x.group.ARN }},
	{name: "x_CustomLineItemId", text: (*focusRow).itemID},
	{name: "x_LineItemType", text: (*focusRow).lineItemType},
	{name: "x_Operation", text: func(r *focusRow) string { return r.value(colOperation) }},
	{name: "x_ServiceCode", text: (*focusRow).serviceCode},
	{name: "x_UsageType", text: func(r *focusRow) string { return r.value(colUsageType) }},
}

// CUR columns the FOCUS export reads, each under its legacy and Athena names.
var (
	colPayerName        = curNames("bill/PayerAccountName")
	colAccountName      = curNames("lineItem/UsageAccountName")
	colUsageAccount     = curNames("lineItem/UsageAccountId")
	colCurrency         = curNames("lineItem/CurrencyCode")
	colUsageEnd         = curNames("lineItem/UsageEndDate")
	colAvailabilityZone = curNames("lineItem/AvailabilityZone")
	colResourceID       = curNames("lineItem/ResourceId")
	colOperation        = curNames("lineItem/Operation")
	colUsageType        = curNames("lineItem/UsageType")
	colLegalEntity      = curNames("lineItem/LegalEntity")
	colRegionCode       = curNames("product/regionCode")
	colRegion           = curNames("product/region")
	colLocation         = curNames("product/location")
	colSKU              = curNames("product/sku")
	colServiceName      = curNames("product/servicename")
	colRateCode         = curNames("pricing/RateCode")
	colPricingUnit      = curNames("pricing/unit")
)

// curNames returns a column's lower-case legacy name and its Athena name.
func curNames(legacy string) []string {
	return []string{strings.ToLower(legacy), athenaName(legacy)}
}

// focusSink writes FOCUS rows through a pqTable.
type focusSink struct {
	x       *exporter
	t       *pqTable
	tagCols []tagColumn
	known   map[string]string // account names the CUR's lines gave so far
}

func newFOCUSSink(w io.Writer, x *exporter) *focusSink {
	cols := make([]pqColumn, len(focusColumns))
	for i, c := range focusColumns {
		kind := pqText
		switch {
		case c.dec != nil:
			kind = pqDecimal
		case c.time != nil:
			kind = pqTime
		}
		cols[i] = pqColumn{name: c.name, kind: kind}
	}
	return &focusSink{x: x, t: newPQTable(w, cols), tagCols: tagColumns(x.header), known: map[string]string{}}
}

func (s *focusSink) line(l *exportLine) error {
	r := &focusRow{x: s.x, l: l, tagCols: s.tagCols, known: s.known}
	r.category = focusCategory(r.lineItemType(), l)
	for i, c := range focusColumns {
		switch {
		case c.dec != nil:
			if d, ok := c.dec(r); ok {
				if err := s.t.decimal(i, d); err != nil {
					return err
				}
			}
		case c.time != nil:
			s.t.time(i, c.time(r))
		default:
			s.t.text(i, c.text(r))
		}
	}
	return s.t.next()
}

func (s *focusSink) close() error { return s.t.close() }

// focusRow is one charge being mapped to FOCUS.
type focusRow struct {
	x        *exporter
	l        *exportLine
	category string // ChargeCategory
	tagCols  []tagColumn
	known    map[string]string // the sink's: account names seen in the CUR
}

func (r *focusRow) value(names ...[]string) string {
	for _, n := range names {
		if v := r.x.value(r.l.row, n...); v != "" {
			return v
		}
	}
	return ""
}

// lineItemType is the CUR line item type: the record's, or the item
// line's (Fee, Credit, Proforma_Fee, Proforma_Credit).
func (r *focusRow) lineItemType() string {
	if r.l.rec != nil {
		return r.l.rec.LineItemType
	}
	return r.value(curNames(cur.FieldLineItemType.Legacy()))
}

// focusCategory maps a charge to FOCUS's ChargeCategory: custom line item
// credits are Credit and fees Adjustment (charges the billing group's
// owner applies, outside the provider's usage); CUR lines by line item
// type, usage-like types (also when unknown) Usage.
func focusCategory(lineType string, l *exportLine) string {
	if l.item != nil {
		if l.item.Item.Type == conductor.ChargeCredit {
			return "Credit"
		}
		return "Adjustment"
	}
	switch lineType {
	case cur.LineItemSavingsPlanUpfrontFee, cur.LineItemSavingsPlanRecurringFee, cur.LineItemRIFee, cur.LineItemFee:
		return "Purchase"
	case cur.LineItemTax:
		return "Tax"
	case cur.LineItemCredit, cur.LineItemBundledDiscount, cur.LineItemEdpDiscount, cur.LineItemPrivateRateDiscount,
		cur.LineItemSppDiscount, cur.LineItemDistributorDiscount, cur.LineItemRiVolumeDiscount:
		return "Credit"
	case cur.LineItemRefund:
		return "Adjustment"
	}
	return "Usage"
}

// frequency is ChargeFrequency: upfront fees One-Time, recurring fees and
// custom line items (charged each period they cover) Recurring, credits
// and refunds One-Time, the rest Usage-Based.
func (r *focusRow) frequency() string {
	switch {
	case r.upfront():
		return "One-Time"
	case r.category == "Purchase" || r.l.item != nil:
		return "Recurring"
	case r.category == "Credit" || r.category == "Adjustment":
		return "One-Time"
	}
	return "Usage-Based"
}

// upfront reports a purchase paid upfront to cover future charges: a
// Savings Plan's upfront fee, or a reservation's upfront Fee.
func (r *focusRow) upfront() bool {
	t := r.lineItemType()
	return r.l.rec != nil && (t == cur.LineItemSavingsPlanUpfrontFee || t == cur.LineItemFee && r.l.rec.ReservationARN != "")
}

// effectiveCost is the billed cost, except 0 for upfront purchases as
// FOCUS requires (the pro forma does not amortize them).
func (r *focusRow) effectiveCost() (decimal.Decimal, bool) {
	if r.upfront() {
		return decimal.Zero, true
	}
	return r.l.cost, true
}

// listCost is a usage charge's public on-demand cost (the list price pro
// forma starts from, rule 4), else — for other charges, or usage without
// a public cost — the billed cost, as FOCUS asks of charges without a
// list unit price.
func (r *focusRow) listCost() (decimal.Decimal, bool) {
	if rec := r.l.rec; rec != nil && r.category == "Usage" && rec.PublicOnDemandCost.Valid {
		return rec.PublicOnDemandCost.Decimal, true
	}
	return r.l.cost, true
}

// pricingQuantity is the usage amount of Usage and Purchase lines, null
// for the rest (FOCUS: null for Tax, may be null for Credit/Adjustment).
func (r *focusRow) pricingQuantity() (decimal.Decimal, bool) {
	if r.l.rec == nil || (r.category != "Usage" && r.category != "Purchase") {
		return decimal.Decimal{}, false
	}
	return r.l.rec.UsageAmount, true
}

// pricingUnit is the CUR's pricing unit when there is a quantity,
// "Units" when the CUR has none.
func (r *focusRow) pricingUnit() string {
	if _, ok := r.pricingQuantity(); !ok {
		return ""
	}
	if u := r.value(colPricingUnit); u != "" {
		return u
	}
	return "Units"
}

// consumedQuantity is the pricing quantity of Usage charges, null else.
func (r *focusRow) consumedQuantity() (decimal.Decimal, bool) {
	if r.category != "Usage" {
		return decimal.Decimal{}, false
	}
	return r.pricingQuantity()
}

func (r *focusRow) consumedUnit() string {
	if _, ok := r.consumedQuantity(); !ok {
		return ""
	}
	return r.pricingUnit()
}

func (r *focusRow) currency() string {
	if c := r.value(colCurrency); c != "" {
		return c
	}
	return "USD"
}

// description is the line item description; a custom line item's
// description, else its name.
func (r *focusRow) description() string {
	if it := r.l.item; it != nil {
		if it.Item.Description != "" {
			return it.Item.Description
		}
		return it.Item.Name
	}
	return r.l.rec.Description
}

// provider is ProviderName and InvoiceIssuerName: AWS, and the billing
// group's name for its custom line items.
func (r *focusRow) provider() string {
	if r.l.item != nil {
		return r.x.group.Name
	}
	return "AWS"
}

// publisher is PublisherName: the provider, except for AWS Marketplace
// lines, published by their seller (the line's legal entity).
func (r *focusRow) publisher() string {
	if rec := r.l.rec; rec != nil && rec.BillingEntity == "AWS Marketplace" {
		if s := r.value(colLegalEntity); s != "" {
			return s
		}
	}
	return r.provider()
}

func (r *focusRow) account() string { return r.value(colUsageAccount) }

// accountName is the name of an account: the line's names column, else
// the organization's (ExportOptions.AccountNames), else the name the
// CUR's earlier lines gave it (for custom line items), else null.
func (r *focusRow) accountName(id string, names []string) string {
	if n := r.value(names); n != "" {
		r.known[id] = n
		return n
	}
	if n := r.x.names[id]; n != "" {
		return n
	}
	return r.known[id]
}

// serviceCode is the service code a line is priced under (rule 8), a
// custom line item's presentation service.
func (r *focusRow) serviceCode() string {
	if it := r.l.item; it != nil {
		return it.Service
	}
	if r.l.rec.ServiceCode != "" {
		return r.l.rec.ServiceCode
	}
	return r.l.rec.ProductCode
}

// serviceName is the product name the reports show (rule 17): the CUR's
// product name, else its service name, else the service code.
func (r *focusRow) serviceName() string {
	if it := r.l.item; it != nil {
		return it.Product
	}
	if r.l.rec.ProductName != "" {
		return r.l.rec.ProductName
	}
	if n := r.value(colServiceName); n != "" {
		return n
	}
	return r.serviceCode()
}

// periodStart and periodEnd are the line's usage start and end, else
// (custom line items, lines without dates) the billing period's bounds.
func (r *focusRow) periodStart() time.Time {
	if r.l.rec != nil && !r.l.rec.UsageStartDate.IsZero() {
		return r.l.rec.UsageStartDate
	}
	return r.x.period.Start()
}

func (r *focusRow) periodEnd() time.Time {
	if r.l.rec != nil {
		if t, ok := parseTime(r.value(colUsageEnd)); ok {
			return t
		}
	}
	return r.x.period.Next().Start()
}

// parseLayouts are the layouts parseTime tries.
var parseLayouts = append(slices.Clone(timeLayouts), time.RFC3339Nano)

// parseTime parses a CUR timestamp in any of timeLayouts, or RFC 3339.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range parseLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// commitmentID is the Savings Plan or reservation ARN of a line.
func (r *focusRow) commitmentID() string {
	if rec := r.l.rec; rec != nil {
		if rec.SavingsPlanARN != "" {
			return rec.SavingsPlanARN
		}
		return rec.ReservationARN
	}
	return ""
}

func (r *focusRow) commitmentType() string {
	switch {
	case r.commitmentID() == "":
		return ""
	case r.l.rec.SavingsPlanARN != "":
		return "Savings Plan"
	}
	return "Reserved Instance"
}

// commitmentCategory: Savings Plans commit to spend, reservations to usage.
func (r *focusRow) commitmentCategory() string {
	switch r.commitmentType() {
	case "Savings Plan":
		return "Spend"
	case "Reserved Instance":
		return "Usage"
	}
	return ""
}

// commitmentStatus is Used for usage a commitment covered.
func (r *focusRow) commitmentStatus() string {
	switch r.lineItemType() {
	case cur.LineItemSavingsPlanCoveredUsage, cur.LineItemDiscountedUsage:
		return "Used"
	}
	return ""
}

func (r *focusRow) itemID() string {
	if r.l.item != nil {
		return r.l.item.Item.ID
	}
	return ""
}

// tags is the line's resource tags as a JSON object: CUR 2.0's
// resource_tags column as is, else the legacy resourceTags/<key> (Athena:
// resource_tags_<key>) columns, keyed by <key>; null when none is set.
func (r *focusRow) tags() string {
	if v := r.x.value(r.l.row, "resource_tags"); v != "" && v != "{}" {
		return v
	}
	tags := map[string]string{}
	for _, c := range r.tagCols {
		if v := r.l.row[c.index]; v != "" {
			tags[c.key] = v
		}
	}
	if len(tags) == 0 {
		return ""
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return ""
	}
	return string(b)
}

// tagColumn is a legacy tag column: its index in the header, its tag key.
type tagColumn struct {
	index int
	key   string
}

// tagColumns finds the header's legacy tag columns.
func tagColumns(header []string) []tagColumn {
	var out []tagColumn
	for i, h := range header {
		lower := strings.ToLower(h)
		for _, prefix := range []string{"resourcetags/", "resource_tags_"} {
			if strings.HasPrefix(lower, prefix) && len(h) > len(prefix) {
				out = append(out, tagColumn{i, h[len(prefix):]})
			}
		}
	}
	return out
}
