package pricing

import (
	"fmt"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// Calculator prices a stream of lines for a set of billing groups and
// aggregates each group's cost report. It keeps aggregates only, so memory
// stays flat however many lines it sees. It is not safe for concurrent use;
// to parallelize, give each worker the lines of its own groups.
type Calculator struct {
	groups []*groupState
	route  map[member]*groupState
}

// member is an account in a period: what routes a line to its group.
type member struct {
	period  conductor.Period
	account string
}

// NewCalculator prepares the groups, one Group per billing group and
// period. It fails when an account is in two groups in one period (groups
// are mutually exclusive, rule 1) or a group appears twice for a period.
func NewCalculator(groups []Group) (*Calculator, error) {
	c := &Calculator{route: map[member]*groupState{}}
	seen := map[member]bool{} // (period, group ARN)
	for _, g := range groups {
		if seen[member{g.Period, g.ARN}] {
			return nil, fmt.Errorf("pricing: billing group %s appears twice in %s", g.ARN, g.Period)
		}
		seen[member{g.Period, g.ARN}] = true
		s := newGroupState(g)
		for a := range s.members {
			k := member{g.Period, a}
			if other, ok := c.route[k]; ok {
				return nil, fmt.Errorf("pricing: account %s is in billing groups %s and %s in %s", a, other.ARN, g.ARN, g.Period)
			}
			c.route[k] = s
		}
		c.groups = append(c.groups, s)
	}
	return c, nil
}

// groupOf returns the group owning a line: the group of its usage account
// in its billing period (rule 1), or nil for an unmonitored account (rule 2).
func (c *Calculator) groupOf(l *Line) *groupState {
	return c.route[member{l.BillingPeriod, l.UsageAccount}]
}

// Priced is the outcome of pricing one line.
type Priced struct {
	GroupARN string          // the line's billing group; "" when its account is unmonitored (rule 2)
	Applies  bool            // the line is part of the group's pro forma (rules 5 and 6)
	Proforma decimal.Decimal // the line's pro forma cost; 0 when !Applies
}

// Price prices one line as Add does, without adding it to the reports: the
// per-line pro forma cost a pro forma CUR exporter writes (rule 18). Like
// Add it advances the usage of custom-tiered SKUs, so each line must go
// through Price or Add once, not both; see the package documentation on
// order dependence.
func (c *Calculator) Price(l Line) Priced {
	g := c.groupOf(&l)
	if g == nil {
		return Priced{}
	}
	g.learnName(&l)
	proforma, applies := g.price(&l)
	return Priced{GroupARN: g.ARN, Applies: applies, Proforma: proforma}
}

// Add prices a line, adds it to its group's report and returns its
// pricing. Lines of unmonitored accounts are ignored (rule 2).
func (c *Calculator) Add(l Line) Priced {
	g := c.groupOf(&l)
	if g == nil {
		return Priced{}
	}
	g.learnName(&l)
	proforma, applies := g.price(&l)
	g.record(&l, proforma, applies)
	return Priced{GroupARN: g.ARN, Applies: applies, Proforma: proforma}
}

// Result returns one report per Group given to NewCalculator, in that
// order, with the custom line items charged over the lines added so far.
// GetBillingGroupCostReport sums a group's reports over its periods (by
// product for GroupBy PRODUCT_NAME); ListBillingGroupCostReports takes the
// reports of one period.
func (c *Calculator) Result() []Report {
	out := make([]Report, len(c.groups))
	for i, g := range c.groups {
		out[i] = g.report()
	}
	return out
}
