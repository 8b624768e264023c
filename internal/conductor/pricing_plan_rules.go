package conductor

import (
	"context"
	"fmt"
	"slices"
)

// checkCollisions refuses rules whose plan key is already taken in the plan,
// by a rule of existing or by another of the added rules (PP-5).
func checkCollisions(tx Tx, payer string, p PricingPlan, existing []string, added []PricingRule, period Period) error {
	taken := map[string]string{}
	for _, id := range existing {
		var r PricingRule
		if _, err := getJSON(tx, payer, kindPricingRule, id, period, &r); err != nil {
			return err
		}
		taken[r.planKey()] = r.ID
	}
	for _, r := range added {
		if other, ok := taken[r.planKey()]; ok {
			return Conflict("PRICING_RULE_IN_PRICING_PLAN_CONFLICT", TypePricingRule, ARN(payer, TypePricingRule, other),
				"Pricing plan %s already has a rule for the scope of %s.", p.Name, r.Name)
		}
		taken[r.planKey()] = r.ID
	}
	return nil
}

// loadRules resolves rule references for an association: owned by the
// payer, listed once, existing in the period.
func loadRules(tx Tx, payer string, refs []string, period Period, missing func(ref, field string) error) ([]PricingRule, error) {
	var rules []PricingRule
	for i, ref := range refs {
		field := fmt.Sprintf("PricingRuleArns[%d]", i)
		r, err := loadRule(tx, payer, field, ref, period, missing(ref, field))
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(rules, func(o PricingRule) bool { return o.ID == r.ID }) {
			return nil, Invalid("DUPLICATE_PRICINGRULE_ARNS", "Pricing rule %s is listed more than once.", ref).withField(field)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func rulesNotExist(ref, field string) error {
	return Invalid("PRICINGRULES_NOT_EXIST", "Pricing rule %s does not exist.", ref).withField(field)
}

// AssociatePricingRules adds up to 30 rules to a plan in the current period.
func (s *Service) AssociatePricingRules(ctx context.Context, c Caller, planARN string, ruleARNs []string) (string, error) {
	return s.changePlanRules(ctx, c, planARN, func(tx Tx, p *PricingPlan, period Period) error {
		rules, err := loadRules(tx, c.Account, ruleARNs, period, rulesNotExist)
		if err != nil {
			return err
		}
		for i, r := range rules {
			if slices.Contains(p.RuleIDs, r.ID) {
				return Invalid("PRICINGRULES_ALREADY_ASSOCIATED", "Pricing rule %s is already in pricing plan %s.", r.Name, p.Name).
					withField(fmt.Sprintf("PricingRuleArns[%d]", i))
			}
		}
		if err := checkCollisions(tx, c.Account, *p, p.RuleIDs, rules, period); err != nil {
			return err
		}
		if len(p.RuleIDs)+len(rules) > QuotaRulesPerPlan.Limit {
			return LimitExceeded(QuotaRulesPerPlan, TypePricingPlan, ARN(c.Account, TypePricingPlan, p.ID))
		}
		if err := checkPlansPerRule(tx, c.Account, rules, period); err != nil {
			return err
		}
		for _, r := range rules {
			p.RuleIDs = append(p.RuleIDs, r.ID)
		}
		return nil
	})
}

// checkPlansPerRule refuses rules already in as many plans as a rule may be.
func checkPlansPerRule(tx Tx, payer string, rules []PricingRule, period Period) error {
	if err := rulePlans.ensure(tx, payer, period); err != nil {
		return err
	}
	for _, r := range rules {
		n, err := rulePlanCount(tx, payer, r.ID, period)
		if err != nil {
			return err
		}
		if n >= QuotaPlansPerRule.Limit {
			return LimitExceeded(QuotaPlansPerRule, TypePricingRule, ARN(payer, TypePricingRule, r.ID))
		}
	}
	return nil
}

// DisassociatePricingRules removes up to 30 rules from a plan in the current period.
func (s *Service) DisassociatePricingRules(ctx context.Context, c Caller, planARN string, ruleARNs []string) (string, error) {
	return s.changePlanRules(ctx, c, planARN, func(tx Tx, p *PricingPlan, period Period) error {
		rules, err := loadRules(tx, c.Account, ruleARNs, period, rulesNotExist)
		if err != nil {
			return err
		}
		for i, r := range rules {
			if !slices.Contains(p.RuleIDs, r.ID) {
				return Invalid("PRICINGRULES_NOT_ASSOCIATED", "Pricing rule %s is not in pricing plan %s.", r.Name, p.Name).
					withField(fmt.Sprintf("PricingRuleArns[%d]", i))
			}
		}
		p.RuleIDs = slices.DeleteFunc(p.RuleIDs, func(id string) bool {
			return slices.ContainsFunc(rules, func(r PricingRule) bool { return r.ID == id })
		})
		return nil
	})
}

// changePlanRules loads a customer-managed plan (ResourceNotFoundException
// when missing), applies change and stores the plan.
func (s *Service) changePlanRules(ctx context.Context, c Caller, planARN string, change func(Tx, *PricingPlan, Period) error) (string, error) {
	period, now := s.CurrentPeriod(), s.now()
	var out string
	err := s.update(ctx, func(tx Tx) error {
		p, err := loadOwnPlan(tx, c.Account, planARN, period, "change", NotFound(TypePricingPlan, planARN))
		if err != nil {
			return err
		}
		before := slices.Clone(p.RuleIDs)
		if err := change(tx, &p, period); err != nil {
			return err
		}
		if err := syncPlanRules(tx, c.Account, p.ID, before, p.RuleIDs, period); err != nil {
			return err
		}
		p.LastModifiedTime = now
		out = ARN(c.Account, TypePricingPlan, p.ID)
		return putJSON(tx, c.Account, kindPricingPlan, p.ID, period, p)
	})
	return out, err
}

// ListPricingRulesAssociatedToPricingPlan lists the rule ARNs of a plan at a
// period, in association order. An AWS-managed plan has no rules.
func (s *Service) ListPricingRulesAssociatedToPricingPlan(ctx context.Context, c Caller, billingPeriod, planARN string, pg Page) ([]string, Period, string, string, error) {
	period, err := s.readPeriod(billingPeriod)
	if err != nil {
		return nil, "", "", "", err
	}
	var plan PricingPlanView
	err = s.view(ctx, func(tx Tx) error {
		id, managed, err := planRef(c.Account, "PricingPlanArn", planARN)
		if err != nil {
			return err
		}
		var ok bool
		plan, ok, err = loadPlan(tx, c.Account, id, managed, period)
		if err == nil && !ok {
			err = NotFound(TypePricingPlan, planARN)
		}
		return err
	})
	if err != nil {
		return nil, "", "", "", err
	}
	type item struct{ pos, arn string }
	items := make([]item, len(plan.RuleIDs))
	for i, id := range plan.RuleIDs {
		items[i] = item{fmt.Sprintf("%06d", i), ARN(c.Account, TypePricingRule, id)}
	}
	listing := listingID(c.Account, "ListPricingRulesAssociatedToPricingPlan", period, plan.ID)
	page, next, err := paginate(items, func(i item) string { return i.pos }, listing, pg, 100)
	arns := make([]string, len(page))
	for i, it := range page {
		arns[i] = it.arn
	}
	return arns, period, plan.ARN, next, err
}

// ListPricingPlansAssociatedWithPricingRule lists the ARNs of the plans
// holding a rule at a period.
func (s *Service) ListPricingPlansAssociatedWithPricingRule(ctx context.Context, c Caller, billingPeriod, ruleARN string, pg Page) ([]string, Period, string, string, error) {
	period, err := s.readPeriod(billingPeriod)
	if err != nil {
		return nil, "", "", "", err
	}
	var rule PricingRule
	var planIDs []string
	var next string
	err = s.view(ctx, func(tx Tx) error {
		rule, err = loadRule(tx, c.Account, "PricingRuleArn", ruleARN, period, NotFound(TypePricingRule, ruleARN))
		if err != nil {
			return err
		}
		listing := listingID(c.Account, "ListPricingPlansAssociatedWithPricingRule", period, rule.ID)
		if indexed, err := rulePlans.answers(tx, c.Account, period); err != nil || indexed {
			if err != nil {
				return err
			}
			planIDs, next, err = idKeyset(rulePlansKind(rule.ID)).page(tx, c.Account, period, listing, pg, 100)
			return err
		}
		plans, err := plansWithRule(tx, c.Account, rule.ID, period)
		if err != nil {
			return err
		}
		for _, p := range plans {
			planIDs = append(planIDs, p.ID)
		}
		planIDs, next, err = paginate(planIDs, func(id string) string { return id }, listing, pg, 100)
		return err
	})
	if err != nil {
		return nil, "", "", "", err
	}
	arns := make([]string, len(planIDs))
	for i, id := range planIDs {
		arns[i] = ARN(c.Account, TypePricingPlan, id)
	}
	return arns, period, ARN(c.Account, TypePricingRule, rule.ID), next, nil
}
