package conductor

import (
	"context"
	"slices"
	"strings"
)

// groupView adds the ARN and Size of a billing group at period.
func groupView(tx Tx, payer string, g BillingGroup, period Period) (BillingGroupView, error) {
	size, err := groupSize(tx, payer, g.ID, period)
	return BillingGroupView{BillingGroup: g, ARN: ARN(payer, TypeBillingGroup, g.ID), Size: int64(size)}, err
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

// ListBillingGroups lists the billing groups of a period (default
// current) in ID order, a page read straight from the store.
func (s *Service) ListBillingGroups(ctx context.Context, c Caller, in ListBillingGroupsInput) ([]BillingGroupView, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", err
	}
	var views []BillingGroupView
	var next string
	err = s.view(ctx, func(tx Tx) error {
		listing := listingID(c.Account, "ListBillingGroups", period, in.Filter)
		groups, token, err := groupPage(tx, c.Account, period, in.Filter, listing, in.Page)
		if err != nil {
			return err
		}
		sizes, err := groupSizes(tx, c.Account, groups, period)
		next, views = token, make([]BillingGroupView, len(groups))
		for i, g := range groups {
			views[i] = BillingGroupView{BillingGroup: g, ARN: ARN(c.Account, TypeBillingGroup, g.ID), Size: int64(sizes[i])}
		}
		return err
	})
	return views, next, err
}

// groupPage reads one page of the billing groups matching filter. Groups
// named by Arns are read one by one; the others are read in ID order, from
// the plan's groups when the filter names a plan.
func groupPage(tx Tx, payer string, period Period, f BillingGroupFilter, listing string, pg Page) ([]BillingGroup, string, error) {
	keep := f.matcher(payer)
	if f.ARNs != nil {
		return named(tx, payer, kindBillingGroup, f.groupIDs(payer), period, keep, listing, pg, 100)
	}
	if f.PricingPlan != "" {
		if indexed, err := planGroupsIndex.answers(tx, payer, period); err != nil || indexed {
			if err != nil {
				return nil, "", err
			}
			return planGroups(tx, payer, f.PricingPlan, period, keep).page(tx, payer, period, listing, pg, 100)
		}
	}
	return jsonKeyset(kindBillingGroup, keep).page(tx, payer, period, listing, pg, 100)
}

// groupIDs are the IDs the Arns filter names, sorted, without duplicates;
// ARNs of another payer or not of billing groups name none.
func (f BillingGroupFilter) groupIDs(payer string) []string {
	return sortedIDs(f.ARNs, func(ref string) (string, error) { return billingGroupRef(payer, "", ref) })
}

// matcher compiles the filter into a predicate.
func (f BillingGroupFilter) matcher(payer string) func(BillingGroup) bool {
	ids := f.groupIDs(payer)
	return func(g BillingGroup) bool {
		_, named := slices.BinarySearch(ids, g.ID)
		return (f.ARNs == nil || named) &&
			(f.PricingPlan == "" || f.PricingPlan == g.PricingPlanARN) &&
			(f.Statuses == nil || slices.Contains(f.Statuses, g.Status)) &&
			(f.AutoAssociate == nil || *f.AutoAssociate == g.AutoAssociate) &&
			(f.PrimaryAccountIDs == nil || slices.Contains(f.PrimaryAccountIDs, g.PrimaryAccountID)) &&
			(f.BillingGroupTypes == nil || slices.Contains(f.BillingGroupTypes, g.Type)) &&
			(f.NamePrefix == nil || strings.HasPrefix(g.Name, *f.NamePrefix)) &&
			(f.ResponsibilityTransferARNs == nil || slices.Contains(f.ResponsibilityTransferARNs, g.ResponsibilityTransferARN))
	}
}
