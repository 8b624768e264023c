package conductor

import (
	"encoding/json"
	"slices"
)

// The plans holding a rule are found through an association index instead
// of decoding every plan of the payer: kind "pricingrule.plans/<rule ID>",
// id a plan ID, versioned like the plans. syncPlanRules keeps it in the
// same transaction as every change of a plan's rules (CreatePricingPlan
// with rules, AssociatePricingRules, DisassociatePricingRules,
// DeletePricingPlan); the rule side never changes a plan (a rule in a plan
// cannot be deleted, PR-9).

// rulePlansBuilt marks the index built (kindIndexBuilt record holding the
// period it was built at).
const rulePlansBuilt = "pricingrule.plans"

func rulePlansKind(ruleID string) string { return rulePlansBuilt + "/" + ruleID }

// plansWithRule returns the plans holding a rule at period, ordered by ID.
// Before the index is built, or for a period before it was built, it
// decodes every plan of the period.
func plansWithRule(tx Tx, payer, ruleID string, period Period) ([]PricingPlan, error) {
	indexed, err := rulePlansIndexed(tx, payer, period)
	if err != nil || !indexed {
		plans, err := listJSON[PricingPlan](tx, payer, kindPricingPlan, period)
		return slices.DeleteFunc(plans, func(p PricingPlan) bool { return !slices.Contains(p.RuleIDs, ruleID) }), err
	}
	recs, err := tx.List(payer, rulePlansKind(ruleID), period)
	if err != nil {
		return nil, err
	}
	plans := make([]PricingPlan, 0, len(recs))
	for _, r := range recs {
		var p PricingPlan
		ok, err := getJSON(tx, payer, kindPricingPlan, r.ID, period, &p)
		if err != nil {
			return nil, err
		}
		if ok { // always, as the index follows the plans
			plans = append(plans, p)
		}
	}
	return plans, nil
}

// rulePlansIndexed reports whether the index answers reads at period.
func rulePlansIndexed(tx Tx, payer string, period Period) (bool, error) {
	data, ok, err := tx.Get(payer, kindIndexBuilt, rulePlansBuilt, Timeless)
	if err != nil || !ok {
		return false, err
	}
	var built Period
	if err := json.Unmarshal(data, &built); err != nil {
		return false, err
	}
	return built <= period, nil
}

// ensureRulePlans builds the index once per payer from the plans in force
// at period: stores written before the index existed have none. Reads of
// earlier periods keep decoding the plans (plansWithRule).
func ensureRulePlans(tx Tx, payer string, period Period) error {
	if _, ok, err := tx.Get(payer, kindIndexBuilt, rulePlansBuilt, Timeless); err != nil || ok {
		return err
	}
	plans, err := listJSON[PricingPlan](tx, payer, kindPricingPlan, period)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if err := putRulePlans(tx, payer, p.ID, p.RuleIDs, period); err != nil {
			return err
		}
	}
	return putJSON(tx, payer, kindIndexBuilt, rulePlansBuilt, Timeless, period)
}

// syncPlanRules records, from period on, that the plan planID went from
// holding the rules before to holding after (nil for a created or deleted plan).
func syncPlanRules(tx Tx, payer, planID string, before, after []string, period Period) error {
	if err := ensureRulePlans(tx, payer, period); err != nil {
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
