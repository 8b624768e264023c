package conductor

import (
	"context"
	"reflect"
)

// PeriodCostReport is one billing group's cost in one period, as the cost
// report operations price it: Total is what ListBillingGroupCostReports
// answers for the group, and Products (when asked for) what
// GetBillingGroupCostReport answers for that period with GroupBy
// PRODUCT_NAME, one report per product, in the same order. Group is the
// group as the engine priced it, in Period.
type PeriodCostReport struct {
	ARN      string
	Name     string
	Period   Period
	Total    CostReport
	Products []CostReport
	Group    GroupAsOf
}

// CostReportsOfPeriodInput is the input of CostReportsOfPeriod.
type CostReportsOfPeriodInput struct {
	BillingPeriod string // "" = the current period
	ByProduct     bool   // fill PeriodCostReport.Products
	// Priced are reports of an earlier call with the same ByProduct, over
	// the same imported usage (another branch of the payer, in what-if):
	// a group that resolves exactly as its report there (same ARN and
	// period, same GroupAsOf: name, accounts, rules, items, associations) takes that
	// report rather than being priced again, the engine pricing each group
	// from its GroupAsOf and its accounts' usage alone (UsageEngine).
	Priced []PeriodCostReport
}

// CostReportsOfPeriod reports every billing group of a period, in billing
// group ID order, in one read transaction and at most one engine call —
// the whole-period entry point of what-if comparisons. The period's groups
// are read in one listing and resolved together (resolvePeriod: one
// listing of each kind they depend on, not reads per group), and those not
// in in.Priced are priced together, so each member account's aggregates
// are read once (groups are mutually exclusive) rather than once per page.
// Its figures are the cost report operations' own: same resolution, same
// engine, same sums (groupBy).
func (s *Service) CostReportsOfPeriod(ctx context.Context, c Caller, in CostReportsOfPeriodInput) (Period, []PeriodCostReport, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return "", nil, err
	}
	if s.usage == nil {
		return "", nil, ErrNoUsageEngine
	}
	priced := make(map[string]*PeriodCostReport, len(in.Priced))
	for i := range in.Priced {
		priced[in.Priced[i].ARN] = &in.Priced[i]
	}
	var out []PeriodCostReport
	err = s.view(ctx, func(tx Tx) error {
		read, err := listJSON[BillingGroup](tx, c.Account, kindBillingGroup, period)
		if err != nil {
			return err
		}
		groups, err := resolvePeriod(tx, c.Account, period, read)
		if err != nil {
			return err
		}
		out = make([]PeriodCostReport, len(groups))
		var todo []int // indexes of the groups to price
		for i, g := range groups {
			if p := priced[g.ARN]; p != nil && p.Period == period && sameGroup(p.Group, g) {
				out[i] = *p
				continue
			}
			todo = append(todo, i)
		}
		if len(todo) == 0 {
			return nil
		}
		price := make([]GroupAsOf, len(todo))
		for k, i := range todo {
			price[k] = groups[i]
		}
		costs, err := s.usage.GroupCosts(ctx, tx, c.Account, period, price)
		if err != nil {
			return err
		}
		for k, i := range todo {
			g := groups[i]
			pc := make([]periodCost, len(costs[k]))
			for j, p := range costs[k] {
				pc[j] = periodCost{period, p}
			}
			out[i] = PeriodCostReport{ARN: g.ARN, Name: g.Name, Period: period, Total: groupBy(g.ARN, pc, nil)[0], Group: g}
			if in.ByProduct {
				out[i].Products = groupBy(g.ARN, pc, []string{"PRODUCT_NAME"})
			}
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return period, out, nil
}

// sameGroup tells whether two resolutions of a group are the same: every
// field the engine reads, deeply (both decoded from stored JSON, so equal
// records give equal values; a difference only costs a pricing).
func sameGroup(a, b GroupAsOf) bool { return reflect.DeepEqual(a, b) }

// resolvePeriod resolves billing groups, as read at period, as of that
// period, as resolveGroups does, but for many groups at once: it lists
// the period's memberships, custom line items and item links once, and
// preloads the payer's pricing plans and rules for loadPlan, instead of
// reading each group's. Its results equal resolveGroups' (members in
// account order, items in ID order, resources in link order), except that
// a group with no members or items has nil slices.
func resolvePeriod(tx Tx, payer string, period Period, groups []BillingGroup) ([]GroupAsOf, error) {
	members, err := memberships(tx, payer, period)
	if err != nil {
		return nil, err
	}
	accounts := map[string][]string{}
	for _, a := range sortedKeys(members) {
		accounts[members[a]] = append(accounts[members[a]], a)
	}
	all, err := listJSON[CustomLineItem](tx, payer, kindCustomLineItem, period)
	if err != nil {
		return nil, err
	}
	items := map[string][]CustomLineItem{}
	for _, it := range all {
		items[it.BillingGroupID] = append(items[it.BillingGroupID], it)
	}
	links, err := listJSON[itemLink](tx, payer, kindCLILink, period)
	if err != nil {
		return nil, err
	}
	resources := map[string][]string{}
	for _, l := range links {
		resources[l.Target] = append(resources[l.Target], l.Resource)
	}
	ptx, err := preload(tx, payer, period, kindPricingPlan, kindPricingRule)
	if err != nil {
		return nil, err
	}
	plans := map[string]planRules{}
	out := make([]GroupAsOf, 0, len(groups))
	for _, bg := range groups {
		g := GroupAsOf{ARN: ARN(payer, TypeBillingGroup, bg.ID), Accounts: accounts[bg.ID], Items: items[bg.ID]}
		for _, it := range g.Items {
			if r := resources[it.ID]; it.Percentage != nil && len(r) > 0 {
				if g.Associations == nil {
					g.Associations = map[string][]string{}
				}
				g.Associations[it.ID] = r
			}
		}
		if err := g.loadPlan(ptx, payer, bg, period, plans); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// preloadedTx answers Get of some kinds of one namespace at one period
// from records listed once; every other call goes to the transaction.
type preloadedTx struct {
	Tx
	ns     string
	period Period
	kinds  map[string]map[string][]byte // kind → id → data
}

// preload lists kinds of ns at period for a preloadedTx over tx.
func preload(tx Tx, ns string, period Period, kinds ...string) (Tx, error) {
	p := preloadedTx{Tx: tx, ns: ns, period: period, kinds: map[string]map[string][]byte{}}
	for _, k := range kinds {
		recs, err := tx.List(ns, k, period)
		if err != nil {
			return nil, err
		}
		byID := make(map[string][]byte, len(recs))
		for _, r := range recs {
			byID[r.ID] = r.Data
		}
		p.kinds[k] = byID
	}
	return p, nil
}

func (p preloadedTx) Get(ns, kind, id string, at Period) ([]byte, bool, error) {
	if byID, ok := p.kinds[kind]; ok && ns == p.ns && at == p.period {
		data, ok := byID[id]
		return data, ok, nil
	}
	return p.Tx.Get(ns, kind, id, at)
}
