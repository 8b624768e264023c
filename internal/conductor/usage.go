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
	// A group's usage is the lines of its Accounts (rule 1), so an engine
	// need read no other account's usage: the cost report operations call
	// it with the groups of one page, or one group. Each group is priced on
	// its own, so groups may share accounts: CostReportsOf prices a payer's
	// groups live and in a scenario in one call.
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

// groupsAsOf resolves billing groups (by ID) as of a period; a group that
// does not exist in the period resolves to its ARN alone.
func groupsAsOf(tx Tx, payer string, period Period, ids []string) ([]GroupAsOf, error) {
	groups := make([]BillingGroup, len(ids))
	for i, id := range ids {
		if _, err := getJSON(tx, payer, kindBillingGroup, id, period, &groups[i]); err != nil {
			return nil, err
		}
		groups[i].ID = id
	}
	return resolveGroups(tx, payer, period, groups)
}

// resolveGroups resolves billing groups, as read at period, as of that
// period. Each group costs its own reads — its members (groupMembers), its
// custom line items (groupItems), the resources of its percentage items
// (itemResources) and its plan's rules, each plan read once per call — so
// resolving a page of groups does not grow with the other groups of the
// payer.
func resolveGroups(tx Tx, payer string, period Period, groups []BillingGroup) ([]GroupAsOf, error) {
	plans := map[string]planRules{}
	out := make([]GroupAsOf, 0, len(groups))
	for _, bg := range groups {
		id := bg.ID
		g := GroupAsOf{ARN: ARN(payer, TypeBillingGroup, id)}
		var err error
		if g.Accounts, err = groupMembers(tx, payer, id, period); err != nil {
			return nil, err
		}
		if g.Items, err = groupItems(tx, payer, id, period); err != nil {
			return nil, err
		}
		for _, it := range g.Items {
			if it.Percentage == nil {
				continue // only percentage items have resources
			}
			resources, err := itemResources(tx, payer, it.ID, period)
			if err != nil {
				return nil, err
			}
			if len(resources) > 0 {
				if g.Associations == nil {
					g.Associations = map[string][]string{}
				}
				g.Associations[it.ID] = resources
			}
		}
		if err := g.loadPlan(tx, payer, bg, period, plans); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// planRules are the rules of a pricing plan in a period, as loadPlan found
// them; ok is false for a plan that does not exist.
type planRules struct {
	rules []PricingRule
	ok    bool
}

// loadPlan sets the group's name and primary account and the rules of its
// pricing plan in force at period (none for a group not read: no plan).
// plans memoizes the plans read in one resolution (groups often share one).
func (g *GroupAsOf) loadPlan(tx Tx, payer string, bg BillingGroup, period Period, plans map[string]planRules) error {
	g.Name, g.PrimaryAccount = bg.Name, bg.PrimaryAccountID
	if bg.PricingPlanARN == "" {
		return nil
	}
	planID, managed, err := planRef(payer, "PricingPlanArn", bg.PricingPlanARN)
	if err != nil || managed {
		g.Passthrough = managed && planID == PassthroughPlan
		return nil // a managed plan has no rules; an unparsable ARN cannot be stored
	}
	if p, ok := plans[planID]; ok {
		g.Rules = p.rules
		return nil
	}
	plan, ok, err := loadPlan(tx, payer, planID, false, period)
	if err != nil || !ok {
		if err == nil {
			plans[planID] = planRules{}
		}
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
	plans[planID] = planRules{g.Rules, true}
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
