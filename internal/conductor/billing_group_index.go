package conductor

import (
	"cmp"
	"encoding/json"
)

// The indexes that follow the billing groups, so that no operation reads
// every group of the payer: the unique names (groupNames), the count
// (groupCount), the one AutoAssociate group (autoGroup: the claim of the
// value "true") and, per pricing plan, the groups it prices (planGroups).
// saveGroup keeps them all with every change of a group.

var autoGroup = index{kindBillingGroup, "autoassociate", autoOf, "billing group", TypeBillingGroup}

// autoOf is "true" for an AutoAssociate billing group, "" for the others.
func autoOf(data []byte) (string, error) {
	var g BillingGroup
	if err := json.Unmarshal(data, &g); err != nil || !g.AutoAssociate {
		return "", err
	}
	return "true", nil
}

// planGroupsIndex: kind "pricingplan.groups/<plan ARN>", id a billing group ID.
var planGroupsIndex = sinceIndex{name: planGroupsName, build: buildPlanGroups}

const planGroupsName = "pricingplan.groups"

func planGroupsKind(planARN string) string { return planGroupsName + "/" + planARN }

func buildPlanGroups(tx Tx, payer string, at Period) error {
	groups, err := listJSON[BillingGroup](tx, payer, kindBillingGroup, at)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := tx.Put(payer, planGroupsKind(g.PricingPlanARN), g.ID, at, nil); err != nil {
			return err
		}
	}
	return nil
}

// saveGroup writes a change of a billing group from period on — before nil
// for a create, after nil for a delete — with every index that follows it.
func saveGroup(tx Tx, payer string, before, after *BillingGroup, period Period) error {
	var was, is BillingGroup
	if before != nil {
		was = *before
	}
	if after != nil {
		is = *after
	}
	id := cmp.Or(is.ID, was.ID)
	if err := syncUnique(tx, payer, groupNames, was.Name, is.Name, id, period); err != nil {
		return err
	}
	if err := syncUnique(tx, payer, autoGroup, flag(was.AutoAssociate), flag(is.AutoAssociate), id, period); err != nil {
		return err
	}
	if err := planGroupsIndex.ensure(tx, payer, period); err != nil {
		return err
	}
	if was.PricingPlanARN != is.PricingPlanARN {
		if before != nil {
			if err := tx.Delete(payer, planGroupsKind(was.PricingPlanARN), id, period); err != nil {
				return err
			}
		}
		if after != nil {
			if err := tx.Put(payer, planGroupsKind(is.PricingPlanARN), id, period, nil); err != nil {
				return err
			}
		}
	}
	switch {
	case before == nil:
		if err := groupCount.add(tx, payer, period, 1); err != nil {
			return err
		}
	case after == nil:
		if err := groupCount.add(tx, payer, period, -1); err != nil {
			return err
		}
		return tx.Delete(payer, kindBillingGroup, id, period)
	}
	return putJSON(tx, payer, kindBillingGroup, id, period, is)
}

// syncUnique moves a resource's claim of a unique key from one value to
// another ("" = none) at period.
func syncUnique(tx Tx, payer string, ix index, from, to, id string, period Period) error {
	if from == to {
		return nil
	}
	if err := ix.ensure(tx, payer, period); err != nil {
		return err
	}
	if from != "" {
		if err := ix.release(tx, payer, from, period); err != nil {
			return err
		}
	}
	if to == "" {
		return nil
	}
	return ix.claim(tx, payer, to, id, period)
}

func flag(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// planGroups pages through the billing groups a plan prices, kept by keep.
func planGroups(tx Tx, payer, planARN string, at Period, keep func(BillingGroup) bool) keyset[BillingGroup] {
	return keyset[BillingGroup]{kind: planGroupsKind(planARN), decode: func(r Record) (BillingGroup, bool, error) {
		var g BillingGroup
		ok, err := getJSON(tx, payer, kindBillingGroup, r.ID, at, &g)
		return g, ok && keep(g), err
	}}
}

// groupWithPlan returns a billing group the plan prices at period, if any.
func groupWithPlan(tx Tx, payer, planARN string, at Period) (BillingGroup, bool, error) {
	indexed, err := planGroupsIndex.answers(tx, payer, at)
	if err != nil {
		return BillingGroup{}, false, err
	}
	if !indexed {
		groups, err := listJSON[BillingGroup](tx, payer, kindBillingGroup, at)
		for _, g := range groups {
			if g.PricingPlanARN == planARN {
				return g, true, err
			}
		}
		return BillingGroup{}, false, err
	}
	groups, _, err := planGroups(tx, payer, planARN, at, func(BillingGroup) bool { return true }).page(tx, payer, at, "", Page{MaxResults: 1}, 1)
	if err != nil || len(groups) == 0 {
		return BillingGroup{}, false, err
	}
	return groups[0], true, nil
}

// autoAssociateGroup returns the payer's AutoAssociate billing group at period, if any.
func autoAssociateGroup(tx Tx, payer string, at Period) (BillingGroup, bool, error) {
	var g BillingGroup
	id, err := autoGroup.owner(tx, payer, "true", at)
	if err != nil || id == "" {
		return g, false, err
	}
	ok, err := getJSON(tx, payer, kindBillingGroup, id, at, &g)
	return g, ok, err
}
