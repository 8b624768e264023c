package pricing

import (
	"sort"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// Costs is an AWSCost and a ProformaCost, exact (rule 16).
type Costs struct {
	AWSCost      decimal.Decimal // net unblended cost of the group's accounts, Tax excluded (rule 15)
	ProformaCost decimal.Decimal // priced lines + custom line items (rule 15)
}

// Add sums two costs, e.g. one product over several periods.
func (c Costs) Add(o Costs) Costs {
	return Costs{c.AWSCost.Add(o.AWSCost), c.ProformaCost.Add(o.ProformaCost)}
}

// Margin is ProformaCost − AWSCost; it may be negative (rule 15).
func (c Costs) Margin() decimal.Decimal { return c.ProformaCost.Sub(c.AWSCost) }

// MarginPercentage is Margin / ProformaCost × 100, and 0 when ProformaCost
// is 0 (rule 15). It is the one quotient of the engine: it is rounded once,
// half to even at 10 fractional digits, the precision Format shows.
func (c Costs) MarginPercentage() decimal.Decimal {
	return percentOf(c.Margin(), c.ProformaCost)
}

// formatDigits is the number of fractional digits of API strings (rule 16).
const formatDigits = 10

// percentOf returns num / den × 100 rounded half to even at formatDigits,
// exactly (no intermediate rounding), or 0 when den is 0.
func percentOf(num, den decimal.Decimal) decimal.Decimal {
	if den.IsZero() {
		return decimal.Zero
	}
	if den.IsNegative() {
		num, den = num.Neg(), den.Neg()
	}
	q, r := num.Mul(hundred).QuoRem(den, formatDigits) // q truncated toward zero
	ulp := decimal.New(1, -formatDigits)
	twice := r.Abs().Mul(decimal.NewFromInt(2)).Cmp(den.Mul(ulp))
	odd := q.Shift(formatDigits).BigInt().Bit(0) == 1
	if twice > 0 || (twice == 0 && odd) {
		if num.IsNegative() {
			return q.Sub(ulp)
		}
		return q.Add(ulp)
	}
	return q
}

// Format renders an amount for the API (rule 16): rounded half to even at
// 10 fractional digits, trailing zeros and a bare point trimmed ("176.5",
// "-3", "0"). It does not depend on the decimal package's global settings.
func Format(d decimal.Decimal) string {
	s := d.RoundBank(formatDigits).StringFixed(formatDigits)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// ProductCost is the cost of one PRODUCT_NAME in a report.
type ProductCost struct {
	Product string
	Costs
}

// Report is the cost of one billing group in one billing period.
type Report struct {
	GroupARN string
	Period   conductor.Period
	Costs
	// Products breaks Costs down by PRODUCT_NAME (product/ProductName, else
	// the product code; custom line items under their presentation
	// service), sorted by name. The products sum to Costs exactly.
	Products []ProductCost
	// Items are the custom line item charges included in ProformaCost, for a
	// pro forma CUR (rule 18).
	Items []ItemCharge
}

// report computes the group's report from its aggregates and items. It
// does not change the state: it may be called again after more lines.
func (g *groupState) report() Report {
	r := Report{GroupARN: g.ARN, Period: g.Period, Items: g.itemCharges()}
	costs := make(map[string]Costs, len(g.products)+len(r.Items))
	for name, c := range g.products {
		costs[name] = Costs{AWSCost: c.aws.Decimal(), ProformaCost: c.proforma.Decimal()}
	}
	for _, ch := range r.Items {
		costs[ch.Product] = costs[ch.Product].Add(Costs{ProformaCost: ch.Charge})
	}
	for name, c := range costs {
		r.Products = append(r.Products, ProductCost{name, c})
		r.Costs = r.Costs.Add(c)
	}
	sort.Slice(r.Products, func(i, j int) bool { return r.Products[i].Product < r.Products[j].Product })
	return r
}
