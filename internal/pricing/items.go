package pricing

import (
	"slices"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// ItemCharge is the charge of one custom line item in a period, signed: a
// FEE adds, a CREDIT subtracts.
type ItemCharge struct {
	Item conductor.CustomLineItem
	// Service is its presentation service, a service code
	// (conductor.DefaultPresentationService unless presented elsewhere).
	Service string
	// Product is the PRODUCT_NAME it reports under: the presentation
	// service's product name (ProductNameOf: as the group's lines of the
	// period name it, else as the CUR names common services, else the code).
	Product string
	Charge  decimal.Decimal
}

// itemCharges charges the group's custom line items: flat ones first, then
// percentage ones over their associated resources (rules 12 and 13), each
// in the order of Group.Items.
func (g *groupState) itemCharges() []ItemCharge {
	var out []ItemCharge
	flat := map[string]decimal.Decimal{} // flat item ID → signed charge
	for _, it := range g.Items {
		if it.Flat != nil {
			c := signed(it, decimal.NewFromFloat(*it.Flat))
			flat[it.ID] = c
			out = append(out, g.itemCharge(it, c))
		}
	}
	for _, it := range g.Items {
		if it.Percentage != nil {
			base := g.percentageBase(it, flat)
			c := signed(it, base.Mul(decimal.NewFromFloat(*it.Percentage).Shift(-2)))
			out = append(out, g.itemCharge(it, c))
		}
	}
	return out
}

// itemCharge is an item's charge under its presentation service.
func (g *groupState) itemCharge(it conductor.CustomLineItem, c decimal.Decimal) ItemCharge {
	service := presentation(it)
	return ItemCharge{Item: it, Service: service, Product: ProductNameOf(service, g.names), Charge: c}
}

// signed applies the charge type (rule 12): a CREDIT subtracts its amount.
func signed(it conductor.CustomLineItem, amount decimal.Decimal) decimal.Decimal {
	if it.Type == conductor.ChargeCredit {
		return amount.Neg()
	}
	return amount
}

// presentation is the service an item reports under (CLI-12).
func presentation(it conductor.CustomLineItem) string {
	if it.PresentationService == "" {
		return conductor.DefaultPresentationService
	}
	return it.PresentationService
}

// percentageBase is the combined value of a percentage item's associated
// resources (rule 13): the group's pro forma lines, narrowed by the item's
// filters, when the group is associated, plus the signed charge of each
// associated flat item. Nothing associated: 0. Resources that are neither
// (another group, an unknown or percentage item) add nothing.
func (g *groupState) percentageBase(it conductor.CustomLineItem, flat map[string]decimal.Decimal) decimal.Decimal {
	base := decimal.Zero
	for _, res := range g.Associations[it.ID] {
		if res == g.ARN {
			base = base.Add(g.filteredTotal(it.LineItemFilters))
		} else if c, ok := flat[res[strings.LastIndex(res, "/")+1:]]; ok {
			base = base.Add(c)
		}
	}
	return base
}

// filteredTotal is the group's pro forma of lines (no custom line items)
// kept by every filter.
func (g *groupState) filteredTotal(filters []conductor.LineItemFilter) decimal.Decimal {
	sum := decimal.Zero
	for k, v := range g.filtered {
		if keepsAll(filters, k) {
			sum = sum.Add(v.Decimal())
		}
	}
	return sum
}

func keepsAll(filters []conductor.LineItemFilter, k filterKey) bool {
	for _, f := range filters {
		if !keeps(f, k) {
			return false
		}
	}
	return true
}

// filterTypes maps LINE_ITEM_TYPE filter values to CUR line item types.
var filterTypes = map[string]string{"SAVINGS_PLAN_NEGATION": TypeSavingsPlanNegation}

// keeps applies one line item filter (rule 13): SERVICE EQUAL / NOT_EQUAL
// service codes, LINE_ITEM_TYPE EQUAL / NOT_EQUAL line item types. Values
// come from AttributeValues, else Values. [choice] A filter on another
// attribute keeps everything (the domain accepts none).
func keeps(f conductor.LineItemFilter, k filterKey) bool {
	values := f.AttributeValues
	if len(values) == 0 {
		values = f.Values
	}
	var in bool
	switch f.Attribute {
	case "SERVICE":
		in = slices.Contains(values, k.service)
	case "LINE_ITEM_TYPE":
		in = slices.ContainsFunc(values, func(v string) bool { return filterTypes[v] == k.lineItemType || v == k.lineItemType })
	default:
		return true
	}
	return in == (f.MatchOption != "NOT_EQUAL")
}
