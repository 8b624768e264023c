package pricing

import (
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// Group is a billing group as of one billing period: the caller resolves
// membership, the plan's rules and the custom line item versions in force
// in that period (rules 1 and 14) before handing it to the engine.
type Group struct {
	ARN      string
	Period   conductor.Period
	Accounts []string                // member accounts in Period, a set: order and duplicates do not matter
	Rules    []conductor.PricingRule // the pricing plan's rules; none: BasicPricingPlan (rule 11)
	// Passthrough prices every line at its billable (unblended) amount, Tax
	// excluded, for the AWS-managed PassthroughPlan of billing transfer
	// groups ([choice]: a pro forma equal to the actual charges).
	Passthrough bool
	Items       []conductor.CustomLineItem // custom line items in force in Period
	// Associations maps a percentage item's ID to its associated resources:
	// the group's ARN and/or the ARNs of flat items of the group (rule 13).
	Associations map[string][]string
}

// filterKey is what line item filters look at (rule 13).
type filterKey struct{ service, lineItemType string }

// groupState is a group's pricing state and aggregates in one period.
type groupState struct {
	Group
	members   map[string]bool
	plan      plan
	tierUsage map[*rule]decimal.Decimal // usage so far per custom-tiered SKU rule (rule 10)
	products  map[string]*costSums      // per product name, lines only
	filtered  map[filterKey]*Sum
	names     map[string]string // product code → the product name its lines carry (learnName)
}

// costSums are the running AWSCost and ProformaCost of one product.
type costSums struct{ aws, proforma Sum }

func newGroupState(g Group) *groupState {
	s := &groupState{
		Group: g, members: make(map[string]bool, len(g.Accounts)), plan: newPlan(g.Rules),
		tierUsage: map[*rule]decimal.Decimal{}, products: map[string]*costSums{}, filtered: map[filterKey]*Sum{},
		names: map[string]string{},
	}
	for _, a := range g.Accounts {
		s.members[a] = true
	}
	return s
}

// owns reports whether the group bought the line's commitment: its owner
// account is a member (rules 3 and 6).
func (g *groupState) owns(l *Line) bool { return g.members[commitmentOwner(l)] }

// price returns a line's pro forma cost and whether it is part of the
// group's pro forma (rules 5 and 6). A commitment bought in the group keeps
// its negations (priced like the covered usage) and its fees (unmodified);
// bought outside, the covered usage stays at its priced public base and the
// negations and fees are left out. An RI bought in the group nets its
// covered usage to 0 (the covered base and an equal negation).
func (g *groupState) price(l *Line) (decimal.Decimal, bool) {
	if g.Passthrough {
		return keepIf(l.UnblendedCost, inAWSCost(l))
	}
	if excluded(l) {
		return decimal.Zero, false
	}
	switch commitmentOf(l) {
	case commitmentFee:
		return keepIf(l.UnblendedCost, g.owns(l))
	case spNegation:
		return keepIf(g.modify(l, negationBase(l)), g.owns(l))
	case riCovered:
		covered := g.modify(l, baseCost(l))
		if g.owns(l) {
			return covered.Sub(covered), true
		}
		return covered, true
	case spCovered:
		return g.modify(l, baseCost(l)), true
	}
	return g.priceOnDemand(l), true
}

func keepIf(d decimal.Decimal, keep bool) (decimal.Decimal, bool) {
	if !keep {
		return decimal.Zero, false
	}
	return d, true
}

// modify applies the line's most specific MARKUP or DISCOUNT rule to a base.
func (g *groupState) modify(l *Line, base decimal.Decimal) decimal.Decimal {
	return applyModifier(base, g.plan.modifiers.match(l))
}

// priceOnDemand prices a line that is not a commitment line. Tiering applies
// to Usage lines only: custom tiers of the line's SKU replace the public
// rate, the free tier and the modifiers (PR-5: a 0-rate first tier keeps
// usage free); otherwise the free tier setting fixes the base and the
// modifier applies to it (rule 10).
func (g *groupState) priceOnDemand(l *Line) decimal.Decimal {
	if l.LineItemType != TypeUsage {
		return g.modify(l, baseCost(l))
	}
	t := g.plan.tiering.match(l)
	if t != nil && len(t.tiers) > 0 {
		return g.customTiers(l, t)
	}
	return g.modify(l, freeTierBase(l, freeTierActive(t)))
}

// customTiers prices a line as the next slice of its SKU's usage in the
// period and advances the SKU's accumulated usage (rule 10; the order
// dependence is described in the package documentation).
func (g *groupState) customTiers(l *Line, t *rule) decimal.Decimal {
	from := g.tierUsage[t]
	to := from.Add(l.UsageAmount)
	g.tierUsage[t] = to
	return sliceCost(t.tiers, from, to)
}

// record adds a priced line to the group's aggregates: its unblended cost to
// AWSCost (rule 15) and its pro forma cost to its product and filter keys.
func (g *groupState) record(l *Line, proforma decimal.Decimal, applies bool) {
	aws := inAWSCost(l)
	if !aws && !applies {
		return
	}
	c := g.products[productName(l)]
	if c == nil {
		c = &costSums{}
		g.products[productName(l)] = c
	}
	if aws {
		c.aws.Add(l.UnblendedCost)
	}
	if applies {
		c.proforma.Add(proforma)
		k := filterKey{serviceCode(l), l.LineItemType}
		f := g.filtered[k]
		if f == nil {
			f = &Sum{}
			g.filtered[k] = f
		}
		f.Add(proforma)
	}
}
