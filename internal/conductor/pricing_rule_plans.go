package conductor

import "slices"

// The plans holding a rule are found through an association index instead
// of decoding every plan of the payer: kind "pricingrule.plans/<rule ID>",
// id a plan ID, versioned like the plans. syncPlanRules keeps it in the
// same transaction as every change of a plan's rules (CreatePricingPlan
// with rules, AssociatePricingRules, DisassociatePricingRules,
// DeletePricingPlan); the rule side never changes a plan (a rule in a plan
// cannot be deleted, PR-9).

// rulePlans is the index; its kind per rule is rulePlansKind.
var rulePlans = sinceIndex{name: rulePlansName, build: buildRulePlans}

const rulePlansName = "pricingrule.plans"

func buildRulePlans(tx Tx, payer string, at Period) error {
	plans, err := listJSON[PricingPlan](tx, payer, kindPricingPlan, at)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if err := putRulePlans(tx, payer, p.ID, p.RuleIDs, at); err != nil {
			return err
		}
	}
	return nil
}

func rulePlansKind(ruleID string) string { return rulePlansName + "/" + ruleID }

// plansWithRule returns the plans holding a rule at period, ordered by ID.
// Before the index is built, or for a period before it was built, it
// decodes every plan of the period.
func plansWithRule(tx Tx, payer, ruleID string, period Period) ([]PricingPlan, error) {
	indexed, err := rulePlans.answers(tx, payer, period)
	if err != nil || !indexed {
		plans, err := listJSON[PricingPlan](tx, payer, kindPricingPlan, period)
		return slices.DeleteFunc(plans, func(p PricingPlan) bool { return !slices.Contains(p.RuleIDs, ruleID) }), err
	}
	planIDs, err := ids(tx, payer, rulePlansKind(ruleID), period)
	if err != nil {
		return nil, err
	}
	plans := make([]PricingPlan, 0, len(planIDs))
	for _, id := range planIDs {
		var p PricingPlan
		ok, err := getJSON(tx, payer, kindPricingPlan, id, period, &p)
		if err != nil {
			return nil, err
		}
		if ok { // always, as the index follows the plans
			plans = append(plans, p)
		}
	}
	return plans, nil
}

// rulePlanCount is the number of plans holding a rule at period.
func rulePlanCount(tx Tx, payer, ruleID string, period Period) (int, error) {
	return rulePlans.count(tx, payer, rulePlansKind(ruleID), period, func() (int, error) {
		plans, err := plansWithRule(tx, payer, ruleID, period)
		return len(plans), err
	})
}

// syncPlanRules records, from period on, that the plan planID went from
// holding the rules before to holding after (nil for a created or deleted plan).
func syncPlanRules(tx Tx, payer, planID string, before, after []string, period Period) error {
	if err := rulePlans.ensure(tx, payer, period); err != nil {
		return err
	}
	for _, ruleID := range before {
		if !slices.Contains(after, ruleID) {
			if err := tx.Delete(payer, rulePlansKind(ruleID), planID, period); err != nil {
				return err
			}
		}
	}
	added := slices.DeleteFunc(slices.Clone(after), func(id string) bool { return slices.Contains(before, id) })
	return putRulePlans(tx, payer, planID, added, period)
}

func putRulePlans(tx Tx, payer, planID string, ruleIDs []string, period Period) error {
	for _, ruleID := range ruleIDs {
		if err := putJSON(tx, payer, rulePlansKind(ruleID), planID, period, planID); err != nil {
			return err
		}
	}
	return nil
}
