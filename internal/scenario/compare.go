package scenario

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"sync"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/parallel"
)

// Comparison is what a scenario changes in its billing period's cost
// reports: GET /_proforma/scenarios/<Id>/compare. Every amount is an exact
// decimal in USD as a string, rendered as the cost report operations
// render theirs (conductor.Money.String: at most 10 fractional digits).
//
// Example (one group whose markup went from 10% to 12% in the scenario):
//
//	{"BillingPeriod": "2026-11",
//	 "BillingGroups": [{"Arn": "arn:aws:billingconductor::123456789012:billinggroup/1234567890",
//	   "Name": "acme", "AWSCost": "100",
//	   "Live": {"AWSCost": "100", "ProformaCost": "110", "Margin": "10"},
//	   "Scenario": {"AWSCost": "100", "ProformaCost": "112", "Margin": "12"},
//	   "ProformaCostChange": "2"}],
//	 "Total": {"AWSCost": "100", "Live": {…}, "Scenario": {…}, "ProformaCostChange": "2"}}
type Comparison struct {
	BillingPeriod string
	BillingGroups []GroupComparison
	Total         Columns
}

// Columns are the figures of one row of a Comparison: a group, a product
// of a group, or the total.
//
//   - Live and Scenario are the row's cost report on each side; a side on
//     which the row does not exist (a group deleted, or created, in the
//     scenario; a product a group has on one side only) is absent (nil,
//     left out of the JSON).
//   - Each side carries its own AWSCost: the row's usage priced at AWS
//     cost on that side. The two differ when accounts moved between groups
//     in the scenario.
//   - AWSCost (the row's own) is the scenario side's AWS cost when the row
//     exists in the scenario, else the live side's: the AWS cost of the row
//     as it would be if the scenario went live, or as it is for a row the
//     scenario removes.
//   - ProformaCostChange is Scenario.ProformaCost − Live.ProformaCost, an
//     absent side counting 0: a row only in the scenario changes by its
//     whole pro forma cost, a row only live by minus its live one.
//
// In Total every figure is the exact sum of the same figure over the
// groups (absent sides counting 0), so Total's Margin is its ProformaCost −
// its AWSCost on each side; Total has both sides always.
type Columns struct {
	AWSCost            string
	Live               *Side `json:",omitempty"`
	Scenario           *Side `json:",omitempty"`
	ProformaCostChange string
}

// GroupComparison is one billing group's row. Groups are ordered by ARN
// (that is, by billing group ID: a payer's ARNs differ by ID only).
// Services, with byService, break the row down by PRODUCT_NAME as the cost
// report's GroupBy PRODUCT_NAME names products (custom line items are
// AWSBillingConductor), ordered by product name; a group without cost on
// either side has none (the key is left out).
type GroupComparison struct {
	Arn  string
	Name string // the scenario's name of the group when it exists there, else live's
	Columns
	Services []ServiceComparison `json:",omitempty"`
}

// ServiceComparison is one product of a group's row.
type ServiceComparison struct {
	ProductName string
	Columns
}

// Side is a row's cost report on one side. Margin is ProformaCost −
// AWSCost, as the cost report operations define it (CostReport.Margin).
type Side struct {
	AWSCost      string
	ProformaCost string
	Margin       string
}

// Compare prices the scenario's billing period twice — live and in the
// scenario — and returns, per billing group of either side, both cost
// reports and the change of pro forma cost (see Comparison and Columns for
// the rules). Each side's groups are resolved in a read transaction of
// its own (conductor's Service.ResolvePeriod; the two in parallel), then
// priced together in one engine call (Service.CostReportsOf), so each
// account's usage is read and decoded once for both sides; the figures
// equal the cost report operations'. A scenario group that resolves exactly as live (same name,
// accounts, plan rules, items) costs what it costs live, the usage being
// shared: only the groups the scenario changed are priced a second time.
// The scenario is the caller's (another payer's is not found).
func (m *Manager) Compare(ctx context.Context, c conductor.Caller, id string, byService bool) (*Comparison, error) {
	sc, err := m.Get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	live := m.live()
	var period conductor.Period
	var liveGroups, draftGroups []conductor.GroupAsOf
	var liveErr, draftErr error
	var wg sync.WaitGroup // the sides are resolved in parallel
	wg.Go(func() {
		liveErr = parallel.Safe(func() (err error) {
			period, liveGroups, err = live.ResolvePeriod(ctx, c, string(sc.BillingPeriod))
			return err
		})
	})
	_, draftGroups, draftErr = m.Service(sc).ResolvePeriod(ctx, c, string(sc.BillingPeriod))
	wg.Wait()
	if err := cmp.Or(liveErr, draftErr); err != nil {
		return nil, err
	}
	changed := changedGroups(liveGroups, draftGroups)
	reports, err := live.CostReportsOf(ctx, c, period, [][]conductor.GroupAsOf{liveGroups, changed}, byService)
	if err != nil {
		return nil, err
	}
	draft := draftReports(draftGroups, reports[0], reports[1])
	return compare(string(period), reports[0], draft, byService), nil
}

// changedGroups returns the draft groups (in ID order) that do not resolve
// exactly as the live group of their ARN, or have none.
func changedGroups(live, draft []conductor.GroupAsOf) []conductor.GroupAsOf {
	byARN := make(map[string]*conductor.GroupAsOf, len(live))
	for i := range live {
		byARN[live[i].ARN] = &live[i]
	}
	var out []conductor.GroupAsOf
	for _, g := range draft {
		if l := byARN[g.ARN]; l == nil || !sameGroup(*l, g) {
			out = append(out, g)
		}
	}
	return out
}

// draftReports are the reports of the draft groups, in their order: a
// changed group's own (changed holds them in that order), else live's.
func draftReports(draft []conductor.GroupAsOf, live, changed []conductor.PeriodCostReport) []conductor.PeriodCostReport {
	byARN := make(map[string]*conductor.PeriodCostReport, len(live))
	for i := range live {
		byARN[live[i].ARN] = &live[i]
	}
	out := make([]conductor.PeriodCostReport, len(draft))
	for i, g := range draft {
		if len(changed) > 0 && changed[0].ARN == g.ARN {
			out[i], changed = changed[0], changed[1:]
			continue
		}
		out[i] = *byARN[g.ARN]
	}
	return out
}

// sameGroup tells whether two resolutions of a group are the same: every
// field the engine reads, deeply (both decoded from stored JSON, so equal
// records give equal values; a difference only costs a pricing).
func sameGroup(a, b conductor.GroupAsOf) bool { return reflect.DeepEqual(a, b) }

// live is the live Billing Conductor service, as the server runs it.
func (m *Manager) live() *conductor.Service {
	svc := conductor.NewService(m.store, m.clock, nil)
	if m.usage != nil {
		svc.SetUsageEngine(m.usage)
	}
	return svc
}

// costs are a row's exact figures on one side.
type costs struct{ aws, proforma conductor.Money }

func (c costs) add(o costs) costs { return costs{c.aws.Add(o.aws), c.proforma.Add(o.proforma)} }

// row is a row's figures on both sides before rendering; nil: absent.
type row struct{ live, draft *costs }

// compare merges the two sides' reports (each in ID order) into a
// Comparison; the groups' rows are rendered over the CPUs.
func compare(period string, live, draft []conductor.PeriodCostReport, byService bool) *Comparison {
	type pair struct{ live, draft *conductor.PeriodCostReport }
	var pairs []pair
	for i, j := 0, 0; i < len(live) || j < len(draft); {
		switch {
		case j == len(draft) || (i < len(live) && live[i].ARN < draft[j].ARN):
			pairs, i = append(pairs, pair{live: &live[i]}), i+1
		case i == len(live) || draft[j].ARN < live[i].ARN:
			pairs, j = append(pairs, pair{draft: &draft[j]}), j+1
		default:
			pairs, i, j = append(pairs, pair{&live[i], &draft[j]}), i+1, j+1
		}
	}
	out := &Comparison{BillingPeriod: period, BillingGroups: make([]GroupComparison, len(pairs))}
	rows := make([]row, len(pairs))
	parallel.Each(len(pairs), func(k int) {
		l, d, g, r := pairs[k].live, pairs[k].draft, &out.BillingGroups[k], &rows[k]
		if l != nil {
			g.Arn, g.Name = l.ARN, l.Name
			r.live = &costs{l.Total.AWSCost, l.Total.ProformaCost}
		}
		if d != nil {
			g.Arn, g.Name = d.ARN, d.Name
			r.draft = &costs{d.Total.AWSCost, d.Total.ProformaCost}
		}
		g.Columns = r.columns()
		if byService {
			g.Services = services(l, d)
		}
	})
	total := row{live: &costs{}, draft: &costs{}}
	var own conductor.Money // the sum of the groups' own AWSCost
	for _, r := range rows {
		if r.live != nil {
			*total.live = total.live.add(*r.live)
		}
		if r.draft != nil {
			*total.draft = total.draft.add(*r.draft)
		}
		own = own.Add(r.own())
	}
	out.Total = total.columns()
	out.Total.AWSCost = own.String() // the sum of the groups' own, not the scenario's total
	return out
}

// services is a group's per-product rows, ordered by product name.
func services(l, d *conductor.PeriodCostReport) []ServiceComparison {
	rows := map[string]*row{}
	side := func(g *conductor.PeriodCostReport, draft bool) {
		if g == nil {
			return
		}
		for _, p := range g.Products {
			name := productName(p)
			r := rows[name]
			if r == nil {
				r = &row{}
				rows[name] = r
			}
			c := &costs{p.AWSCost, p.ProformaCost}
			if draft {
				r.draft = c
			} else {
				r.live = c
			}
		}
	}
	side(l, false)
	side(d, true)
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]ServiceComparison, len(names))
	for k, n := range names {
		out[k] = ServiceComparison{ProductName: n, Columns: rows[n].columns()}
	}
	return out
}

// productName is the PRODUCT_NAME attribute of a per-product report.
func productName(r conductor.CostReport) string {
	for _, a := range r.Attributes {
		if a.Key == "PRODUCT_NAME" {
			return a.Value
		}
	}
	return ""
}

// own is the row's own AWSCost (see Columns).
func (r row) own() conductor.Money {
	if r.draft != nil {
		return r.draft.aws
	}
	return r.live.aws
}

// columns renders a row (see Columns for the rules).
func (r row) columns() Columns {
	var c Columns
	var change conductor.Money
	if r.live != nil {
		c.Live = r.live.side()
		change = change.Sub(r.live.proforma)
	}
	if r.draft != nil {
		c.Scenario = r.draft.side()
		change = change.Add(r.draft.proforma)
	}
	c.AWSCost = r.own().String()
	c.ProformaCostChange = change.String()
	return c
}

func (c costs) side() *Side {
	return &Side{AWSCost: c.aws.String(), ProformaCost: c.proforma.String(),
		Margin: conductor.CostReport{AWSCost: c.aws, ProformaCost: c.proforma}.Margin().String()}
}
