package conductor

import (
	"context"
	"slices"
)

// ruleRef parses a pricing rule ARN or ID of the caller.
func ruleRef(payer, field, s string) (string, error) {
	ref, ok := ParseRef(s, TypePricingRule)
	if !ok || !ref.OwnedBy(payer) {
		return "", Invalid("MISMATCHED_PRICINGRULE_ARN", "%s is not a pricing rule of account %s.", s, payer).withField(field)
	}
	return ref.ID, nil
}

// loadRule returns the rule in force at period, or missing when it does not exist then.
func loadRule(tx Tx, payer, field, arn string, at Period, missing error) (PricingRule, error) {
	var r PricingRule
	id, err := ruleRef(payer, field, arn)
	if err != nil {
		return r, err
	}
	ok, err := getJSON(tx, payer, kindPricingRule, id, at, &r)
	if err == nil && !ok {
		err = missing
	}
	return r, err
}

// UpdatePricingRuleInput is the input of UpdatePricingRule; nil members are
// unchanged. Scope and its target members cannot change (PR-7).
type UpdatePricingRuleInput struct {
	ARN                string
	Name               *string
	Description        *string
	Type               *string
	ModifierPercentage *float64
	Tiering            *Tiering
}

// UpdatePricingRule changes a rule in the current period; every plan holding
// it changes with it (PR-10).
func (s *Service) UpdatePricingRule(ctx context.Context, c Caller, in UpdatePricingRuleInput) (PricingRuleView, error) {
	if in.Name != nil {
		if err := validateName("Name", *in.Name); err != nil {
			return PricingRuleView{}, err
		}
	}
	period, now := s.CurrentPeriod(), s.now()
	var view PricingRuleView
	err := s.update(ctx, func(tx Tx) error {
		r, err := loadRule(tx, c.Account, "Arn", in.ARN, period, NotFound(TypePricingRule, in.ARN))
		if err != nil {
			return err
		}
		oldName := r.Name
		if err := applyRuleUpdate(&r, in); err != nil {
			return err
		}
		if err := ruleNames.checkName(tx, c.Account, r.Name, r.ID, period); err != nil {
			return err
		}
		if err := ruleNames.rename(tx, c.Account, oldName, r.Name, r.ID, period); err != nil {
			return err
		}
		plans, err := plansWithRule(tx, c.Account, r.ID, period)
		if err != nil {
			return err
		}
		if err := checkPlansAfterRuleChange(tx, c.Account, r, plans, period); err != nil {
			return err
		}
		r.LastModifiedTime = now
		view = PricingRuleView{PricingRule: r, ARN: ARN(c.Account, TypePricingRule, r.ID), AssociatedPricingPlanCount: int64(len(plans))}
		return putJSON(tx, c.Account, kindPricingRule, r.ID, period, r)
	})
	return view, err
}

// applyRuleUpdate merges the update into r and validates the result: a
// switch to TIERING drops the modifier, a switch away drops the tiering.
func applyRuleUpdate(r *PricingRule, in UpdatePricingRuleInput) error {
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.Type != nil && *in.Type != r.Type {
		r.Type = *in.Type
		r.ModifierPercentage, r.Tiering = nil, nil
	}
	if in.ModifierPercentage != nil {
		r.ModifierPercentage = ptrTo(roundPercentage(*in.ModifierPercentage))
	}
	if in.Tiering != nil {
		r.Tiering = mergeTiering(r.Tiering, *in.Tiering)
	}
	return validateRule(*r)
}

func mergeTiering(old *Tiering, update Tiering) *Tiering {
	t := Tiering{}
	if old != nil {
		t = *old
	}
	if update.FreeTierActivated != nil {
		t.FreeTierActivated = update.FreeTierActivated
	}
	if update.CustomTiers != nil {
		t.CustomTiers = update.CustomTiers
	}
	return &t
}

// checkPlansAfterRuleChange keeps every plan holding the rule free of collisions.
func checkPlansAfterRuleChange(tx Tx, payer string, r PricingRule, plans []PricingPlan, period Period) error {
	for _, p := range plans {
		others := slices.DeleteFunc(slices.Clone(p.RuleIDs), func(id string) bool { return id == r.ID })
		if err := checkCollisions(tx, payer, p, others, []PricingRule{r}, period); err != nil {
			return err
		}
	}
	return nil
}

// DeletePricingRule deletes a rule from the current period on. A rule in a
// plan cannot be deleted (PR-9). The operation has no modeled
// ResourceNotFoundException: an unknown rule is PRICINGRULES_NOT_EXIST.
func (s *Service) DeletePricingRule(ctx context.Context, c Caller, arn string) (string, error) {
	period := s.CurrentPeriod()
	var out string
	err := s.update(ctx, func(tx Tx) error {
		r, err := loadRule(tx, c.Account, "Arn", arn, period,
			Invalid("PRICINGRULES_NOT_EXIST", "Pricing rule %s does not exist.", arn).withField("Arn"))
		if err != nil {
			return err
		}
		plans, err := plansWithRule(tx, c.Account, r.ID, period)
		if err != nil {
			return err
		}
		if len(plans) > 0 {
			return Conflict("PRICING_RULE_ATTACHED_TO_PRICING_PLAN_DELETE_CONFLICT", TypePricingPlan,
				ARN(c.Account, TypePricingPlan, plans[0].ID), "Pricing rule %s is in pricing plan %s.", r.Name, plans[0].Name)
		}
		out = ARN(c.Account, TypePricingRule, r.ID)
		if err := releaseRuleKeys(tx, c.Account, r, period); err != nil {
			return err
		}
		return tx.Delete(c.Account, kindPricingRule, r.ID, period)
	})
	return out, err
}

// ListPricingRulesInput is the input of ListPricingRules.
type ListPricingRulesInput struct {
	BillingPeriod string
	ARNs          []string
	Page
}

// ListPricingRules lists the rules of a period, in ID order, with the
// number of plans holding each.
func (s *Service) ListPricingRules(ctx context.Context, c Caller, in ListPricingRulesInput) ([]PricingRuleView, Period, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", "", err
	}
	var views []PricingRuleView
	var next string
	err = s.view(ctx, func(tx Tx) error {
		listing := listingID(c.Account, "ListPricingRules", period, in.ARNs)
		var rules []PricingRule
		if in.ARNs != nil {
			ids := sortedIDs(in.ARNs, func(ref string) (string, error) { return ruleRef(c.Account, "", ref) })
			rules, next, err = named[PricingRule](tx, c.Account, kindPricingRule, ids, period, nil, listing, in.Page, 100)
		} else {
			rules, next, err = jsonKeyset[PricingRule](kindPricingRule, nil).page(tx, c.Account, period, listing, in.Page, 100)
		}
		if err != nil {
			return err
		}
		views = make([]PricingRuleView, len(rules))
		for i, r := range rules {
			n, err := rulePlanCount(tx, c.Account, r.ID, period)
			if err != nil {
				return err
			}
			views[i] = PricingRuleView{PricingRule: r, ARN: ARN(c.Account, TypePricingRule, r.ID), AssociatedPricingPlanCount: int64(n)}
		}
		return nil
	})
	return views, period, next, err
}
