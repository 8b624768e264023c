package conductor

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"
)

// Pricing rule scopes and types of the model.
const (
	ScopeGlobal        = "GLOBAL"
	ScopeService       = "SERVICE"
	ScopeBillingEntity = "BILLING_ENTITY"
	ScopeSKU           = "SKU"
	RuleMarkup         = "MARKUP"
	RuleDiscount       = "DISCOUNT"
	RuleTiering        = "TIERING"
)

// BillingEntities are the sellers of record a BILLING_ENTITY rule may name
// (the allowed values of AWS::BillingConductor::PricingRule).
var BillingEntities = []string{"AWS", "AWS Marketplace", "AISPL"}

// PricingRule changes the price of the usage in its scope: a markup or
// discount on the public on-demand rate, or tiering behaviour (the free tier,
// or custom rates for one SKU).
type PricingRule struct {
	ID                 string
	Name               string
	Description        string
	Scope              string
	Type               string
	ModifierPercentage *float64 // MARKUP and DISCOUNT, rounded to 2 decimals
	Service            string   // SERVICE and SKU
	BillingEntity      string   // BILLING_ENTITY
	UsageType          string   // SKU
	Operation          string   // SKU
	Tiering            *Tiering // TIERING
	CreationTime       time.Time
	LastModifiedTime   time.Time
}

// Tiering is the tiering behaviour of a TIERING rule.
type Tiering struct {
	FreeTierActivated *bool
	CustomTiers       []CustomTier // SKU rules only: custom rates by usage range
}

// CustomTier is a rate for the usage in [BeginRangeInclusive, EndRangeExclusive).
type CustomTier struct {
	BeginRangeInclusive float64
	EndRangeExclusive   *float64 // nil: no upper bound (last tier only)
	RateValue           float64
}

// PricingRuleView is a pricing rule as reads return it.
type PricingRuleView struct {
	PricingRule
	ARN                        string
	AssociatedPricingPlanCount int64
}

// planKey is what may appear once in a plan: the scope's target and whether
// the rule sets a price modifier or tiering (BEHAVIOR.md PP-5, Proforma's
// choice of collision key).
func (r PricingRule) planKey() string {
	kind := "modifier"
	if r.Type == RuleTiering {
		kind = "tiering"
	}
	return fmt.Sprintf("%s/%s/%s/%s/%s/%s", kind, r.Scope, r.Service, r.BillingEntity, r.UsageType, r.Operation)
}

// skuKey identifies the SKU of a SKU rule; only one rule may exist per SKU (PR-5).
func (r PricingRule) skuKey() string { return r.Service + "/" + r.UsageType + "/" + r.Operation }

// roundPercentage rounds a modifier to 2 decimals, half away from zero, on
// its shortest decimal form (so 1.005 becomes 1.01, as written).
func roundPercentage(v float64) float64 {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(v, 'f', -1, 64))
	r.Mul(r, big.NewRat(100, 1))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	rem := new(big.Rat).Sub(r, new(big.Rat).SetInt(n))
	if rem.Cmp(big.NewRat(1, 2)) >= 0 {
		n.Add(n, big.NewInt(1))
	}
	f, _ := new(big.Rat).SetFrac(n, big.NewInt(100)).Float64()
	return f
}

// validateRule checks the scope ⇄ field matrix and the type rules (PR-2 to
// PR-5). The reason names the member at fault.
func validateRule(r PricingRule) error {
	if err := checkScopeFields(r); err != nil {
		return err
	}
	switch r.Type {
	case RuleMarkup, RuleDiscount:
		if r.ModifierPercentage == nil {
			return Invalid("ILLEGAL_MODIFIER_PERCENTAGE", "A %s rule needs ModifierPercentage.", r.Type).withField("ModifierPercentage")
		}
		if r.Type == RuleDiscount && *r.ModifierPercentage > 100 {
			return Invalid("ILLEGAL_MODIFIER_PERCENTAGE", "A discount cannot exceed 100 percent.").withField("ModifierPercentage")
		}
		if r.Tiering != nil {
			return Invalid("ILLEGAL_TIERING_INPUT", "Only a TIERING rule takes Tiering.").withField("Tiering")
		}
		return nil
	}
	if r.ModifierPercentage != nil {
		return Invalid("ILLEGAL_MODIFIER_PERCENTAGE", "A TIERING rule takes no ModifierPercentage.").withField("ModifierPercentage")
	}
	if r.Scope == ScopeBillingEntity {
		return Invalid("ILLEGAL_TYPE", "TIERING rules apply to GLOBAL, SERVICE and SKU scopes, not BILLING_ENTITY.").withField("Type")
	}
	return validateTiering(r)
}

// checkScopeFields requires exactly the target members of the scope.
func checkScopeFields(r PricingRule) error {
	need := map[string][]string{
		ScopeGlobal: nil, ScopeService: {"Service"}, ScopeBillingEntity: {"BillingEntity"},
		ScopeSKU: {"Service", "UsageType", "Operation"},
	}[r.Scope]
	fields := []struct{ name, value, reason string }{
		{"Service", r.Service, "ILLEGAL_SERVICE"},
		{"BillingEntity", r.BillingEntity, "ILLEGAL_BILLING_ENTITY"},
		{"UsageType", r.UsageType, "ILLEGAL_USAGE_TYPE"},
		{"Operation", r.Operation, "ILLEGAL_OPERATION"},
	}
	for _, f := range fields {
		required := slices.Contains(need, f.name)
		switch {
		case required && f.value == "":
			return Invalid(f.reason, "A %s rule needs %s.", r.Scope, f.name).withField(f.name)
		case !required && f.value != "":
			return Invalid(f.reason, "A %s rule takes no %s.", r.Scope, f.name).withField(f.name)
		}
	}
	if r.Scope == ScopeBillingEntity && !slices.Contains(BillingEntities, r.BillingEntity) {
		return Invalid("ILLEGAL_BILLING_ENTITY", "BillingEntity must be one of %q.", BillingEntities).withField("BillingEntity")
	}
	return nil
}

// validateTiering checks a TIERING rule's Tiering: present, custom tiers on
// SKU rules only, tiers contiguous from 0 with only the last one open.
func validateTiering(r PricingRule) error {
	t := r.Tiering
	if t == nil || (t.FreeTierActivated == nil && len(t.CustomTiers) == 0) {
		return Invalid("ILLEGAL_TIERING_INPUT", "A TIERING rule needs Tiering.FreeTier or Tiering.CustomTiers.").withField("Tiering")
	}
	if len(t.CustomTiers) > 0 && r.Scope != ScopeSKU {
		return Invalid("ILLEGAL_TIERING_INPUT", "Custom tiers apply to SKU rules only.").withField("Tiering.CustomTiers")
	}
	next := 0.0
	for i, tier := range t.CustomTiers {
		field := fmt.Sprintf("Tiering.CustomTiers[%d]", i)
		last := i == len(t.CustomTiers)-1
		switch {
		case tier.BeginRangeInclusive != next:
			return Invalid("ILLEGAL_TIERING_INPUT", "Tier %d must begin at %v, where the previous tier ends.", i, next).withField(field)
		case tier.EndRangeExclusive == nil && !last:
			return Invalid("ILLEGAL_TIERING_INPUT", "Only the last tier may be open-ended.").withField(field)
		case tier.EndRangeExclusive != nil && *tier.EndRangeExclusive <= tier.BeginRangeInclusive:
			return Invalid("ILLEGAL_TIERING_INPUT", "Tier %d must end after it begins.", i).withField(field)
		}
		if tier.EndRangeExclusive != nil {
			next = *tier.EndRangeExclusive
		}
	}
	return nil
}

// CreatePricingRuleInput is the input of CreatePricingRule.
type CreatePricingRuleInput struct {
	Idempotency
	PricingRule
	Tags map[string]string
}

// CreatePricingRule creates a rule in the current period and returns its ARN.
func (s *Service) CreatePricingRule(ctx context.Context, c Caller, in CreatePricingRuleInput) (string, error) {
	r := in.PricingRule
	if r.ModifierPercentage != nil {
		r.ModifierPercentage = ptrTo(roundPercentage(*r.ModifierPercentage))
	}
	if err := firstError(validateName("Name", r.Name), validateTags("Tags", in.Tags), validateRule(r)); err != nil {
		return "", err
	}
	period, now := s.CurrentPeriod(), s.now()
	var arn string
	err := s.update(ctx, func(tx Tx) error {
		id, done, err := replay(tx, c.Account, "CreatePricingRule", in.Idempotency, now, TypePricingRule)
		if err != nil || done {
			arn = ARN(c.Account, TypePricingRule, id)
			return err
		}
		if err := checkNewRule(tx, c.Account, r, period); err != nil {
			return err
		}
		r.ID, r.CreationTime, r.LastModifiedTime = s.ids.Alphanumeric(10), now, now
		arn = ARN(c.Account, TypePricingRule, r.ID)
		if err := claimRuleKeys(tx, c.Account, r, period); err != nil {
			return err
		}
		if err := putJSON(tx, c.Account, kindPricingRule, r.ID, period, r); err != nil {
			return err
		}
		if err := putTags(tx, c.Account, arn, in.Tags); err != nil {
			return err
		}
		return remember(tx, c.Account, "CreatePricingRule", in.Idempotency, r.ID, now)
	})
	return arn, err
}

// checkNewRule enforces unique names, one rule per SKU and the rule quota.
func checkNewRule(tx Tx, payer string, r PricingRule, period Period) error {
	if err := ruleNames.checkName(tx, payer, r.Name, "", period); err != nil {
		return err
	}
	if r.Scope == ScopeSKU {
		owner, err := ruleSKUs.owner(tx, payer, r.skuKey(), period)
		if err != nil {
			return err
		}
		var other PricingRule
		if ok, err := getJSON(tx, payer, kindPricingRule, owner, period, &other); err != nil || ok {
			if err != nil {
				return err
			}
			return Invalid("INVALID_SKU_COMBO", "Pricing rule %s already prices SKU %s; a SKU has one pricing rule.",
				other.Name, r.skuKey()).withField("UsageType")
		}
	}
	n, err := ruleCount.get(tx, payer, period)
	if err == nil && n >= QuotaPricingRules.Limit {
		return LimitExceeded(QuotaPricingRules, TypePricingRule, "")
	}
	return err
}

// claimRuleKeys records a new rule's name and, for a SKU rule, its SKU.
func claimRuleKeys(tx Tx, payer string, r PricingRule, period Period) error {
	if err := ruleNames.claim(tx, payer, r.Name, r.ID, period); err != nil {
		return err
	}
	if err := ruleCount.add(tx, payer, period, 1); err != nil {
		return err
	}
	if r.Scope == ScopeSKU {
		return ruleSKUs.claim(tx, payer, r.skuKey(), r.ID, period)
	}
	return nil
}

// releaseRuleKeys frees a deleted rule's name and SKU.
func releaseRuleKeys(tx Tx, payer string, r PricingRule, period Period) error {
	if err := ruleNames.release(tx, payer, r.Name, period); err != nil {
		return err
	}
	if err := ruleCount.add(tx, payer, period, -1); err != nil {
		return err
	}
	if r.Scope == ScopeSKU {
		return ruleSKUs.release(tx, payer, r.skuKey(), period)
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }
