package pricing

import (
	"math"
	"math/bits"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// rule is a pricing rule with its decimals computed once.
type rule struct {
	src      *conductor.PricingRule
	factor   decimal.Decimal // MARKUP and DISCOUNT: the multiplier of rule 9
	small    bool            // factor's coefficient fits in 64 bits: it is coef
	coef     int64
	freeTier bool   // TIERING: whether the free tier is activated
	tiers    []tier // TIERING on a SKU: custom tiers, ordered by start
}

// ruleIndex finds the most specific rule of one kind for a line.
type ruleIndex struct {
	sku     map[sku]*rule
	service map[string]*rule
	entity  map[string]*rule
	global  *rule
}

// plan holds a group's rules in two independent dimensions: price
// modifiers (MARKUP, DISCOUNT) and tiering. A plan may hold one rule of each
// kind per scope target, and a line gets the most specific of each kind.
type plan struct {
	modifiers ruleIndex
	tiering   ruleIndex
}

// newPlan indexes a plan's rules. With no rules every line keeps its public
// base (rule 11, BasicPricingPlan). When two rules of one kind share a scope
// target (the domain forbids it), the first one wins.
func newPlan(rules []conductor.PricingRule) plan {
	var p plan
	for i := range rules {
		r := newRule(&rules[i])
		if r.src.Type == conductor.RuleTiering {
			p.tiering.add(r)
		} else {
			p.modifiers.add(r)
		}
	}
	return p
}

func newRule(src *conductor.PricingRule) *rule {
	r := &rule{src: src, factor: modifierFactor(*src), freeTier: true}
	if r.small = r.factor.NumDigits() <= 18; r.small {
		r.coef = r.factor.CoefficientInt64()
	}
	if t := src.Tiering; t != nil {
		r.freeTier = t.FreeTierActivated == nil || *t.FreeTierActivated
		r.tiers = newTiers(t.CustomTiers)
	}
	return r
}

func (ix *ruleIndex) add(r *rule) {
	s := r.src
	switch s.Scope {
	case conductor.ScopeSKU:
		putFirst(&ix.sku, sku{s.Service, s.UsageType, s.Operation}, r)
	case conductor.ScopeService:
		putFirst(&ix.service, s.Service, r)
	case conductor.ScopeBillingEntity:
		putFirst(&ix.entity, s.BillingEntity, r)
	case conductor.ScopeGlobal:
		if ix.global == nil {
			ix.global = r
		}
	}
}

func putFirst[K comparable](m *map[K]*rule, k K, r *rule) {
	if *m == nil {
		*m = map[K]*rule{}
	}
	if _, ok := (*m)[k]; !ok {
		(*m)[k] = r
	}
}

// match returns the most specific rule matching a line, SKU > SERVICE >
// BILLING_ENTITY > GLOBAL (rule 7), or nil. A SKU rule matches the service
// code, usage type and operation; a SERVICE rule the service code; a
// BILLING_ENTITY rule bill/BillingEntity; GLOBAL every line (rule 8).
func (ix *ruleIndex) match(l *Line) *rule {
	if r, ok := ix.sku[skuOf(l)]; ok {
		return r
	}
	if r, ok := ix.service[serviceCode(l)]; ok {
		return r
	}
	if r, ok := ix.entity[l.BillingEntity]; ok {
		return r
	}
	return ix.global
}

var (
	one     = decimal.NewFromInt(1)
	hundred = decimal.NewFromInt(100)
)

// modifierFactor is what a rule multiplies the base by (rule 9): MARKUP p
// gives 1 + p/100, DISCOUNT p gives 1 − p/100, anything else 1. The
// percentage enters as its shortest decimal form (10.5, not 10.4999…); a
// missing one counts as 0 (the domain rejects it).
func modifierFactor(r conductor.PricingRule) decimal.Decimal {
	p := decimal.Zero
	if r.ModifierPercentage != nil {
		p = decimal.NewFromFloat(*r.ModifierPercentage).Shift(-2)
	}
	switch r.Type {
	case conductor.RuleMarkup:
		return one.Add(p)
	case conductor.RuleDiscount:
		return one.Sub(p)
	}
	return one
}

// applyModifier prices a base with a MARKUP or DISCOUNT rule, or returns it
// unchanged when no modifier matches (rules 9 and 11). Exact: no rounding.
func applyModifier(base decimal.Decimal, r *rule) decimal.Decimal {
	if r == nil {
		return base
	}
	if p, ok := mul64(base, r); ok {
		return p
	}
	return base.Mul(r.factor)
}

// mul64 is base.Mul(r.factor) — the same coefficient and exponent — when
// both coefficients and their product fit in 64 bits, without math/big's
// multiplication; ok is false otherwise.
func mul64(base decimal.Decimal, r *rule) (p decimal.Decimal, ok bool) {
	exp := int64(base.Exponent()) + int64(r.factor.Exponent())
	if !r.small || base.NumDigits() > 18 || exp != int64(int32(exp)) {
		return decimal.Decimal{}, false
	}
	a, b := base.CoefficientInt64(), r.coef
	hi, lo := bits.Mul64(uint64(abs(a)), uint64(abs(b)))
	if hi != 0 || lo > math.MaxInt64 {
		return decimal.Decimal{}, false
	}
	c := int64(lo)
	if (a < 0) != (b < 0) {
		c = -c
	}
	return decimal.New(c, int32(exp)), true
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
