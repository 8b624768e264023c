package conductor

import "context"

// PeriodCostReport is one billing group's cost in one period, as the cost
// report operations price it: Total is what ListBillingGroupCostReports
// answers for the group, and Products (when asked for) what
// GetBillingGroupCostReport answers for that period with GroupBy
// PRODUCT_NAME, one report per product, in the same order.
type PeriodCostReport struct {
	ARN      string
	Name     string
	Period   Period
	Total    CostReport
	Products []CostReport
}

// ResolvePeriod resolves every billing group of a period ("" = the current
// one) for pricing, in billing group ID order, in one read transaction:
// one listing of each kind the groups depend on, not reads per group.
// With CostReportsOf it is the whole-period entry point of what-if
// comparisons; the figures are the cost report operations' own (same
// resolution, same engine, same sums: groupBy).
func (s *Service) ResolvePeriod(ctx context.Context, c Caller, billingPeriod string) (Period, []GroupAsOf, error) {
	period, err := s.readPeriod(billingPeriod)
	if err != nil {
		return "", nil, err
	}
	var groups []GroupAsOf
	err = s.view(ctx, func(tx Tx) (err error) {
		groups, err = resolveAll(tx, c.Account, period)
		return err
	})
	return period, groups, err
}

// CostReportsOf prices sets of the caller's billing groups of one period,
// as ResolvePeriod resolved them from s or from any Service over the same
// imported usage (a scenario's), in one read transaction and one engine
// call: an account's usage is read and decoded once however many sets
// name it. Each set's groups are mutually exclusive; sets may overlap (a
// payer's groups live and in a scenario). The reports are in the sets'
// order, with Products when byProduct.
func (s *Service) CostReportsOf(ctx context.Context, c Caller, period Period, sets [][]GroupAsOf, byProduct bool) ([][]PeriodCostReport, error) {
	if s.usage == nil {
		return nil, ErrNoUsageEngine
	}
	out := make([][]PeriodCostReport, len(sets))
	type at struct{ set, group int }
	var all []GroupAsOf
	var where []at // all[n] is sets[where[n].set][where[n].group]
	for k, set := range sets {
		out[k] = make([]PeriodCostReport, len(set))
		for i := range set {
			all, where = append(all, set[i]), append(where, at{k, i})
		}
	}
	if len(all) == 0 {
		return out, nil
	}
	var costs [][]ProductCost
	err := s.view(ctx, func(tx Tx) (err error) {
		costs, err = s.usage.GroupCosts(ctx, tx, c.Account, period, all)
		return err
	})
	if err != nil {
		return nil, err
	}
	for n, g := range all {
		pc := make([]periodCost, len(costs[n]))
		for j, p := range costs[n] {
			pc[j] = periodCost{period, p}
		}
		r := &out[where[n].set][where[n].group]
		*r = PeriodCostReport{ARN: g.ARN, Name: g.Name, Period: period, Total: groupBy(g.ARN, pc, nil)[0]}
		if byProduct {
			r.Products = groupBy(g.ARN, pc, []string{"PRODUCT_NAME"})
		}
	}
	return out, nil
}

// resolveAll resolves every billing group of payer in period.
func resolveAll(tx Tx, payer string, period Period) ([]GroupAsOf, error) {
	read, err := listJSON[BillingGroup](tx, payer, kindBillingGroup, period)
	if err != nil {
		return nil, err
	}
	return resolvePeriod(tx, payer, period, read)
}

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
