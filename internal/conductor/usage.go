package conductor

import (
	"context"
	"errors"
	"fmt"
)

// UsageEngine computes billing groups' costs from a payer's imported usage
// (spec/PROFORMA.md). The domain resolves what is in force in a period —
// members, the plan's rules, custom line items and their associations — and
// the engine, which owns the usage records it imported, does the arithmetic.
// cmd/proforma wires internal/usage's engine in.
type UsageEngine interface {
	// GroupCosts returns, for each group in order, its cost per product in
	// the period: the group's usage priced by its rules plus its custom line
	// items. Without imported usage for the period, only the items count.
	GroupCosts(ctx context.Context, tx Tx, payer string, period Period, groups []GroupAsOf) ([][]ProductCost, error)
}

// GroupAsOf is a billing group as of one billing period, as the engine prices it.
type GroupAsOf struct {
	ARN            string
	Name           string
	PrimaryAccount string
	Accounts       []string         // member accounts in the period, ordered
	Rules          []PricingRule    // the pricing plan's rules in the period; none: public prices
	Passthrough    bool             // the AWS-managed PassthroughPlan: pro forma = billable amounts
	Items          []CustomLineItem // the group's custom line items in force in the period
	// Associations maps a percentage item's ID to the ARNs of its resources:
	// the group and/or flat items of the group.
	Associations map[string][]string
}

// ProductCost is the cost of one PRODUCT_NAME of a group in one period.
type ProductCost struct {
	Product      string
	AWSCost      Money
	ProformaCost Money
}

// ErrNoUsageEngine is returned by the cost report operations of a Service
// built without a UsageEngine.
var ErrNoUsageEngine = errors.New("conductor: no usage engine configured")

// SetUsageEngine sets the engine that prices the cost report operations.
// Call it before serving requests.
func (s *Service) SetUsageEngine(e UsageEngine) { s.usage = e }

// groupsAsOf resolves billing groups (by ID) as of a period. The period's
// memberships, items and links are read once and grouped, so the cost of
// many groups stays linear.
func groupsAsOf(tx Tx, payer string, period Period, ids []string) ([]GroupAsOf, error) {
	member, err := memberships(tx, payer, period)
	if err != nil {
		return nil, err
	}
	items, err := listJSON[CustomLineItem](tx, payer, kindCustomLineItem, period)
	if err != nil {
		return nil, err
	}
	all, err := links(tx, payer, period)
	if err != nil {
		return nil, err
	}
	accounts, itemsOf, groupOfItem := map[string][]string{}, map[string][]CustomLineItem{}, map[string]string{}
	for _, a := range sortedKeys(member) {
		accounts[member[a]] = append(accounts[member[a]], a)
	}
	for _, it := range items {
		itemsOf[it.BillingGroupID] = append(itemsOf[it.BillingGroupID], it)
		groupOfItem[it.ID] = it.BillingGroupID
	}
	associations := map[string]map[string][]string{} // group → percentage item → resources
	for _, l := range all {
		group := groupOfItem[l.Target]
		if associations[group] == nil {
			associations[group] = map[string][]string{}
		}
		associations[group][l.Target] = append(associations[group][l.Target], l.Resource)
	}
	out := make([]GroupAsOf, 0, len(ids))
	for _, id := range ids {
		g := GroupAsOf{ARN: ARN(payer, TypeBillingGroup, id), Accounts: accounts[id], Items: itemsOf[id],
			Associations: associations[id]}
		if err := g.loadPlan(tx, payer, id, period); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// loadPlan sets the rules of the group's pricing plan in force at period.
func (g *GroupAsOf) loadPlan(tx Tx, payer, groupID string, period Period) error {
	var bg BillingGroup
	if ok, err := getJSON(tx, payer, kindBillingGroup, groupID, period, &bg); err != nil || !ok {
		return err
	}
	g.Name, g.PrimaryAccount = bg.Name, bg.PrimaryAccountID
	planID, managed, err := planRef(payer, "PricingPlanArn", bg.PricingPlanARN)
	if err != nil || managed {
		g.Passthrough = managed && planID == PassthroughPlan
		return nil // a managed plan has no rules; an unparsable ARN cannot be stored
	}
	plan, ok, err := loadPlan(tx, payer, planID, false, period)
	if err != nil || !ok {
		return err
	}
	for _, id := range plan.RuleIDs {
		var r PricingRule
		ok, err := getJSON(tx, payer, kindPricingRule, id, period, &r)
		if err != nil {
			return err
		}
		if ok {
			g.Rules = append(g.Rules, r)
		}
	}
	return nil
}

// ImportUsage commits an import of a payer's usage: in one transaction it
// registers the payer and the usage accounts missing from the organization
// (so a user's own CUR works without an org file; they are members since
// always) and runs write, which stores the usage. It returns the accounts
// it registered, the payer first when it was new. An account of another
// payer's organization is refused with ILLEGAL_ACCOUNTS, and nothing changes.
func (s *Service) ImportUsage(ctx context.Context, payer string, accounts []string, write func(Tx) error) ([]string, error) {
	if !IsAccountID(payer) {
		return nil, InvalidField("payer", fmt.Sprintf("The payer %q is not a 12-digit account ID.", payer))
	}
	var registered []string
	err := s.update(ctx, func(tx Tx) error {
		registered = nil
		if err := registerPayer(tx, payer, &registered); err != nil {
			return err
		}
		for _, a := range accounts {
			if err := registerAccount(tx, payer, a, &registered); err != nil {
				return err
			}
		}
		return write(tx)
	})
	return registered, err
}

func registerPayer(tx Tx, payer string, registered *[]string) error {
	if _, ok, err := tx.Get("", kindPayer, payer, Timeless); err != nil || ok {
		return err
	}
	if err := checkSingleFamily(tx, payer, payer); err != nil {
		return Invalid("ILLEGAL_ACCOUNTS", "The payer %s cannot be registered: %s.", payer, err)
	}
	*registered = append(*registered, payer)
	if err := putJSON(tx, "", kindPayer, payer, Timeless, Payer{ID: payer}); err != nil {
		return err
	}
	return putJSON(tx, payer, kindAccount, payer, Timeless, Account{ID: payer})
}

func registerAccount(tx Tx, payer, id string, registered *[]string) error {
	if !IsAccountID(id) {
		return Invalid("ILLEGAL_ACCOUNTS", "The usage account %q is not a 12-digit account ID.", id)
	}
	if _, ok, err := tx.Get(payer, kindAccount, id, Timeless); err != nil || ok {
		return err
	}
	if err := checkSingleFamily(tx, payer, id); err != nil {
		return Invalid("ILLEGAL_ACCOUNTS", "The usage account %s cannot join %s: %s.", id, payer, err)
	}
	*registered = append(*registered, id)
	return putJSON(tx, payer, kindAccount, id, Timeless, Account{ID: id})
}

// BillingGroupAsOf resolves one billing group (ARN or ID) as of a period,
// for the pro forma CUR export.
func (s *Service) BillingGroupAsOf(ctx context.Context, c Caller, ref string, period Period) (GroupAsOf, error) {
	var g GroupAsOf
	err := s.view(ctx, func(tx Tx) error {
		id, err := billingGroupRef(c.Account, "Arn", ref)
		if err != nil {
			return err
		}
		if _, ok, err := tx.Get(c.Account, kindBillingGroup, id, period); err != nil || !ok {
			if err == nil {
				err = NotFound(TypeBillingGroup, ref)
			}
			return err
		}
		groups, err := groupsAsOf(tx, c.Account, period, []string{id})
		if err == nil {
			g = groups[0]
		}
		return err
	})
	return g, err
}

// PayerIDs lists the management accounts known to the organization.
func (s *Service) PayerIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.view(ctx, func(tx Tx) error {
		recs, err := tx.List("", kindPayer, Timeless)
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		return err
	})
	return ids, err
}
