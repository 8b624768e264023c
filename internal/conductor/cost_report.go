package conductor

import (
	"context"
	"fmt"
	"slices"
)

// The cost report operations resolve each billing group as of each period
// and let the UsageEngine price it (PROFORMA.md rules 12–17); this file
// sums the per-product costs into the requested breakdown. Both price only
// the groups they return: GetBillingGroupCostReport its one group, and
// ListBillingGroupCostReports the groups of the page, chosen before pricing
// (groupsAsOf and the engine read per group, see UsageEngine).

// CostReport is the cost of one billing group, for one or more periods, in
// USD; Attributes name the GroupBy values it is broken down by.
type CostReport struct {
	BillingGroupARN string
	AWSCost         Money
	ProformaCost    Money
	Attributes      []Attribute
}

// Margin is ProformaCost − AWSCost.
func (r CostReport) Margin() Money { return r.ProformaCost.Sub(r.AWSCost) }

// MarginPercentage is Margin / ProformaCost × 100, 0 for no pro forma cost.
func (r CostReport) MarginPercentage() Money { return r.Margin().Ratio(r.ProformaCost) }

// Attribute is a GroupBy key and its value, e.g. BILLING_PERIOD "Nov 2026".
type Attribute struct{ Key, Value string }

// periodCost is the cost of one product of a group in one period.
type periodCost struct {
	Period Period
	ProductCost
}

// groupCosts prices billing groups, as read at period, in that period
// through the usage engine; the result has one cost list per group, in
// order.
func (s *Service) groupCosts(ctx context.Context, tx Tx, payer string, period Period, read []BillingGroup) ([][]periodCost, error) {
	if s.usage == nil {
		return nil, ErrNoUsageEngine
	}
	groups, err := resolveGroups(tx, payer, period, read)
	if err != nil {
		return nil, err
	}
	priced, err := s.usage.GroupCosts(ctx, tx, payer, period, groups)
	if err != nil {
		return nil, err
	}
	out := make([][]periodCost, len(priced))
	for i, products := range priced {
		for _, p := range products {
			out[i] = append(out[i], periodCost{period, p})
		}
	}
	return out, nil
}

// GetBillingGroupCostReportInput is the input of GetBillingGroupCostReport.
type GetBillingGroupCostReportInput struct {
	ARN     string
	Range   *PeriodRange // nil: the current period
	GroupBy []string     // PRODUCT_NAME, BILLING_PERIOD
	Page
}

// MaxCostReportPeriods is the longest range GetBillingGroupCostReport covers.
const MaxCostReportPeriods = 12

// GetBillingGroupCostReport reports one group over up to 12 periods,
// optionally broken down by product and/or period.
func (s *Service) GetBillingGroupCostReport(ctx context.Context, c Caller, in GetBillingGroupCostReportInput) ([]CostReport, string, error) {
	periods, err := s.reportPeriods(in.Range)
	if err != nil {
		return nil, "", err
	}
	var costs []periodCost
	var groupARN string
	err = s.view(ctx, func(tx Tx) error {
		id, err := billingGroupRef(c.Account, "Arn", in.ARN)
		if err != nil {
			return err
		}
		groupARN = ARN(c.Account, TypeBillingGroup, id)
		found := false
		for _, p := range periods {
			var g BillingGroup
			if ok, err := getJSON(tx, c.Account, kindBillingGroup, id, p, &g); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			found = true
			pc, err := s.groupCosts(ctx, tx, c.Account, p, []BillingGroup{g})
			if err != nil {
				return err
			}
			costs = append(costs, pc[0]...)
		}
		if !found {
			return NotFound(TypeBillingGroup, in.ARN)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	reports := groupBy(groupARN, costs, in.GroupBy)
	listing := listingID(c.Account, "GetBillingGroupCostReport", periods[0], []any{groupARN, periods, in.GroupBy})
	type indexed struct {
		i int
		r CostReport
	}
	items := make([]indexed, len(reports))
	for i, r := range reports {
		items[i] = indexed{i, r}
	}
	page, next, err := paginate(items, func(x indexed) string { return fmt.Sprintf("%08d", x.i) }, listing, in.Page, 300)
	out := make([]CostReport, len(page))
	for i, x := range page {
		out[i] = x.r
	}
	return out, next, err
}

// reportPeriods resolves a cost report range: both ends given, end after
// start, at most 12 periods, not in the future (CR-2).
func (s *Service) reportPeriods(r *PeriodRange) ([]Period, error) {
	current := s.CurrentPeriod()
	if r == nil {
		return []Period{current}, nil
	}
	start, okStart := ParsePeriod(r.Start)
	end, okEnd := ParsePeriod(r.End)
	switch {
	case !okStart || !okEnd || end <= start:
		return nil, Invalid("ILLEGAL_BILLING_PERIOD_RANGE", "The range must end after it starts.").withField("BillingPeriodRange")
	case start > current:
		return nil, Invalid("ILLEGAL_BILLING_PERIOD", "The range starts after the current period %s.", current).
			withField("BillingPeriodRange.InclusiveStartBillingPeriod")
	}
	var periods []Period
	for p := start; p < end && p <= current; p = p.Next() {
		periods = append(periods, p)
	}
	if len(periods) > MaxCostReportPeriods || start.addMonths(MaxCostReportPeriods) < end {
		return nil, Invalid("ILLEGAL_BILLING_PERIOD_RANGE", "A cost report covers at most %d billing periods.", MaxCostReportPeriods).
			withField("BillingPeriodRange")
	}
	return periods, nil
}

func (p Period) addMonths(n int) Period { return PeriodOf(p.Start().AddDate(0, n, 0)) }

// displayPeriod renders a period as the API's attribute value, e.g. "Nov 2026".
func displayPeriod(p Period) string { return p.Start().Format("Jan 2006") }

// groupBy sums costs into one report per distinct GroupBy value set.
func groupBy(groupARN string, costs []periodCost, keys []string) []CostReport {
	byPeriod, byProduct := slices.Contains(keys, "BILLING_PERIOD"), slices.Contains(keys, "PRODUCT_NAME")
	var reports []CostReport
	index := map[string]int{}
	for _, c := range costs {
		var attrs []Attribute
		if byProduct {
			attrs = append(attrs, Attribute{"PRODUCT_NAME", c.Product})
		}
		if byPeriod {
			attrs = append(attrs, Attribute{"BILLING_PERIOD", displayPeriod(c.Period)})
		}
		key := fmt.Sprint(attrs)
		i, ok := index[key]
		if !ok {
			i, index[key] = len(reports), len(reports)
			reports = append(reports, CostReport{BillingGroupARN: groupARN, Attributes: attrs})
		}
		reports[i].AWSCost = reports[i].AWSCost.Add(c.AWSCost)
		reports[i].ProformaCost = reports[i].ProformaCost.Add(c.ProformaCost)
	}
	if len(reports) == 0 && !byPeriod && !byProduct {
		reports = append(reports, CostReport{BillingGroupARN: groupARN})
	}
	return reports
}

// ListBillingGroupCostReportsInput is the input of ListBillingGroupCostReports.
type ListBillingGroupCostReportsInput struct {
	BillingPeriod    string
	BillingGroupARNs []string
	Page
}

// ListBillingGroupCostReports reports every billing group of a period, in
// billing group ID order. It pages the groups first — straight from the
// store (keyset), or, with BillingGroupARNs, among those groups read one
// by one — and prices that page's groups only, in one engine call, so a
// page costs the same however many groups the payer has.
func (s *Service) ListBillingGroupCostReports(ctx context.Context, c Caller, in ListBillingGroupCostReportsInput) ([]CostReport, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", err
	}
	listing := listingID(c.Account, "ListBillingGroupCostReports", period, in.BillingGroupARNs)
	var reports []CostReport
	var next string
	err = s.view(ctx, func(tx Tx) error {
		var groups []BillingGroup
		var err error
		if in.BillingGroupARNs == nil {
			groups, next, err = jsonKeyset[BillingGroup](kindBillingGroup, nil).page(tx, c.Account, period, listing, in.Page, 100)
		} else {
			groups, next, err = reportGroupsByARN(tx, c.Account, period, in.BillingGroupARNs, listing, in.Page)
		}
		if err != nil {
			return err
		}
		costs, err := s.groupCosts(ctx, tx, c.Account, period, groups)
		if err != nil {
			return err
		}
		for i, g := range groups {
			reports = append(reports, groupBy(ARN(c.Account, TypeBillingGroup, g.ID), costs[i], nil)...)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return reports, next, nil
}

// reportGroupsByARN returns the page of the groups named by arns (ARNs or
// IDs of the payer's groups; others and groups absent in the period are
// left out, as the ListBillingGroups filter does) in ID order.
func reportGroupsByARN(tx Tx, payer string, period Period, arns []string, listing string, pg Page) ([]BillingGroup, string, error) {
	seen := map[string]bool{}
	var groups []BillingGroup
	for _, a := range arns {
		id, err := billingGroupRef(payer, "", a)
		if err != nil || seen[id] {
			continue
		}
		seen[id] = true
		var g BillingGroup
		ok, err := getJSON(tx, payer, kindBillingGroup, id, period, &g)
		if err != nil {
			return nil, "", err
		}
		if ok {
			groups = append(groups, g)
		}
	}
	return paginate(groups, func(g BillingGroup) string { return g.ID }, listing, pg, 100)
}
