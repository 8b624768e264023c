package conductor

import (
	"context"
	"slices"
	"strings"
)

// groupView adds the ARN and Size of a billing group at period.
func groupView(tx Tx, payer string, g BillingGroup, period Period) (BillingGroupView, error) {
	members, err := groupMembers(tx, payer, g.ID, period)
	return BillingGroupView{BillingGroup: g, ARN: ARN(payer, TypeBillingGroup, g.ID), Size: int64(len(members))}, err
}

// BillingGroupFilter is ListBillingGroupsFilter; empty members do not filter.
// Members combine with AND.
type BillingGroupFilter struct {
	ARNs                       []string
	PricingPlan                string
	Statuses                   []string
	AutoAssociate              *bool
	PrimaryAccountIDs          []string
	BillingGroupTypes          []string
	NamePrefix                 *string // the one STARTS_WITH search of Names
	ResponsibilityTransferARNs []string
}

// ListBillingGroupsInput is the input of ListBillingGroups.
type ListBillingGroupsInput struct {
	BillingPeriod string
	Filter        BillingGroupFilter
	Page
}

// ListBillingGroups lists the billing groups of a period (default current),
// oldest first.
func (s *Service) ListBillingGroups(ctx context.Context, c Caller, in ListBillingGroupsInput) ([]BillingGroupView, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", err
	}
	var views []BillingGroupView
	err = s.view(ctx, func(tx Tx) error {
		views, err = billingGroupViews(tx, c.Account, period)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	keep := in.Filter.matcher(c.Account)
	views = slices.DeleteFunc(views, func(v BillingGroupView) bool { return !keep(v) })
	listing := listingID("ListBillingGroups", period, in.Filter)
	key := func(v BillingGroupView) string { return sortKey(v.CreationTime, v.ID) }
	return paginate(views, key, listing, in.Page, 100)
}

// billingGroupViews returns every billing group of the period with its size.
func billingGroupViews(tx Tx, payer string, period Period) ([]BillingGroupView, error) {
	groups, err := listJSON[BillingGroup](tx, payer, kindBillingGroup, period)
	if err != nil {
		return nil, err
	}
	member, err := memberships(tx, payer, period)
	if err != nil {
		return nil, err
	}
	size := map[string]int64{}
	for _, g := range member {
		size[g]++
	}
	views := make([]BillingGroupView, len(groups))
	for i, g := range groups {
		views[i] = BillingGroupView{BillingGroup: g, ARN: ARN(payer, TypeBillingGroup, g.ID), Size: size[g.ID]}
	}
	return views, nil
}

// matcher compiles the filter into a predicate.
func (f BillingGroupFilter) matcher(payer string) func(BillingGroupView) bool {
	ids := map[string]bool{}
	for _, a := range f.ARNs {
		if id, err := billingGroupRef(payer, "", a); err == nil {
			ids[id] = true
		}
	}
	return func(v BillingGroupView) bool {
		return (f.ARNs == nil || ids[v.ID]) &&
			(f.PricingPlan == "" || f.PricingPlan == v.PricingPlanARN) &&
			(f.Statuses == nil || slices.Contains(f.Statuses, v.Status)) &&
			(f.AutoAssociate == nil || *f.AutoAssociate == v.AutoAssociate) &&
			(f.PrimaryAccountIDs == nil || slices.Contains(f.PrimaryAccountIDs, v.PrimaryAccountID)) &&
			(f.BillingGroupTypes == nil || slices.Contains(f.BillingGroupTypes, v.Type)) &&
			(f.NamePrefix == nil || strings.HasPrefix(v.Name, *f.NamePrefix)) &&
			(f.ResponsibilityTransferARNs == nil || slices.Contains(f.ResponsibilityTransferARNs, v.ResponsibilityTransferARN))
	}
}
