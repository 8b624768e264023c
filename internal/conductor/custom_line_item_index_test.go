package conductor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// itemIDs numbers the IDs of custom line items, plans and rules: prefix,
// then a counter, 10 characters in all, so a test knows how they sort.
// Billing group IDs stay random.
type itemIDs struct {
	conductor.RandomIDs
	prefix string
	n      int
}

func (g *itemIDs) Alphanumeric(n int) string {
	g.n++
	return fmt.Sprintf("%s%0*d", g.prefix, n-len(g.prefix), g.n)
}

// itemScale is a payer whose billing group A holds a few items (IDs
// starting with A, so they sort first) and whose groups B and C hold
// others (IDs starting with Z): flat items, and every tenth a percentage
// item using a flat item of its group. Its store counts the reads.
type itemScale struct {
	t      *testing.T
	reads  *readCounter
	clock  *conductor.PinnableClock
	svc    *conductor.Service
	c      conductor.Caller
	groups []string // A, B, C
	// In group A: flat is used by pct, which also uses group A; spare is
	// used by nothing; three more flat items follow.
	flat, pct, spare string
}

func itemScaleOf(t *testing.T, others int) *itemScale {
	t.Helper()
	ctx := context.Background()
	store := memoryStore(t)
	e := &itemScale{t: t, reads: &readCounter{Store: store}, clock: &conductor.PinnableClock{}, c: conductor.Caller{Account: "123456789012"}}
	e.clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	ids := &itemIDs{prefix: "P"}
	e.svc = conductor.NewService(e.reads, e.clock, ids)
	if err := e.svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		t.Fatal(err)
	}
	plan, err := e.svc.CreatePricingPlan(ctx, e.c, conductor.CreatePricingPlanInput{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	for i, account := range []string{"100000000001", "100000000002", "100000000003"} {
		g, err := e.svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{Name: fmt.Sprint("g", i),
			PrimaryAccountID: account, LinkedAccountIDs: []string{account}, PricingPlanARN: plan})
		if err != nil {
			t.Fatal(err)
		}
		e.groups = append(e.groups, g)
	}
	ids.prefix = "Z"
	lastFlat := map[string]string{}
	for i := range others {
		g := e.groups[1+i%2]
		if i%10 == 9 {
			e.create(g, fmt.Sprint("other-", i), true, lastFlat[g], g)
		} else {
			lastFlat[g] = e.create(g, fmt.Sprint("other-", i), false)
		}
	}
	ids.prefix = "A"
	e.flat = e.create(e.groups[0], "flat", false)
	e.pct = e.create(e.groups[0], "pct", true, e.flat, e.groups[0])
	e.spare = e.create(e.groups[0], "spare", false)
	for i := range 3 {
		e.create(e.groups[0], fmt.Sprint("a-", i), false)
	}
	return e
}

// create makes a flat item, or a percentage item using resources, in group.
func (e *itemScale) create(group, name string, percentage bool, resources ...string) string {
	e.t.Helper()
	arn, err := e.svc.CreateCustomLineItem(context.Background(), e.c, itemInput(group, name, percentage, resources...))
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// itemInput is the input creating a FEE of 1 USD, or of 10 %, in group.
func itemInput(group, name string, percentage bool, resources ...string) conductor.CreateCustomLineItemInput {
	in := conductor.CreateCustomLineItemInput{Name: name, BillingGroupARN: group, Charge: conductor.ChargeDetails{Type: conductor.ChargeFee}}
	one, ten := 1.0, 10.0
	if percentage {
		in.Charge.Percentage, in.Charge.AssociatedValues = &ten, resources
	} else {
		in.Charge.Flat = &one
	}
	return in
}

// measure runs each operation once and returns the records it read.
func (e *itemScale) measure() map[string]int64 {
	e.t.Helper()
	ctx := context.Background()
	reads := map[string]int64{}
	run := func(op string, f func() error) {
		e.t.Helper()
		var err error
		reads[op] = e.reads.reads(func() { err = f() })
		if err != nil {
			e.t.Fatalf("%s: %v", op, err)
		}
	}
	var created string
	run("CreateCustomLineItem", func() (err error) {
		created, err = e.svc.CreateCustomLineItem(ctx, e.c, itemInput(e.groups[0], "new", false))
		return err
	})
	run("UpdateCustomLineItem", func() error {
		description := "changed"
		_, err := e.svc.UpdateCustomLineItem(ctx, e.c, conductor.UpdateCustomLineItemInput{ARN: created, Description: &description})
		return err
	})
	batch := func(f func(context.Context, conductor.Caller, string, []string, *conductor.PeriodRange) ([]conductor.ResourceResult, error)) func() error {
		return func() error {
			res, err := f(ctx, e.c, e.pct, []string{e.spare}, nil)
			if err == nil && (len(res) != 1 || res[0].Reason != "") {
				err = fmt.Errorf("results %+v", res)
			}
			return err
		}
	}
	run("BatchAssociateResourcesToCustomLineItem", batch(e.svc.BatchAssociateResourcesToCustomLineItem))
	resources := func(arn, relationship string, want int) func() error {
		return func() error {
			rs, _, _, err := e.svc.ListResourcesAssociatedToCustomLineItem(ctx, e.c, arn, "", relationship, conductor.Page{})
			if err == nil && len(rs) != want {
				err = fmt.Errorf("%d resources, want %d", len(rs), want)
			}
			return err
		}
	}
	run("ListResourcesAssociatedToCustomLineItem CHILD", resources(e.pct, conductor.RelationshipChild, 3))
	run("ListResourcesAssociatedToCustomLineItem PARENT", resources(e.flat, conductor.RelationshipParent, 1))
	run("ListResourcesAssociatedToCustomLineItem", resources(e.spare, "", 1))
	run("BatchDisassociateResourcesFromCustomLineItem", batch(e.svc.BatchDisassociateResourcesFromCustomLineItem))
	run("DeleteCustomLineItem", func() error {
		_, err := e.svc.DeleteCustomLineItem(ctx, e.c, created, nil)
		return err
	})
	list := func(f conductor.CustomLineItemFilter, want int) func() error {
		return func() error {
			items, _, err := e.svc.ListCustomLineItems(ctx, e.c, conductor.ListCustomLineItemsInput{Filter: f, Page: conductor.Page{MaxResults: 5}})
			if err == nil && len(items) != want {
				err = fmt.Errorf("%d items, want %d", len(items), want)
			}
			return err
		}
	}
	run("ListCustomLineItems first page", list(conductor.CustomLineItemFilter{}, 5))
	run("ListCustomLineItems BillingGroups", list(conductor.CustomLineItemFilter{BillingGroups: e.groups[:1]}, 5))
	run("ListCustomLineItems Arns", list(conductor.CustomLineItemFilter{ARNs: []string{e.flat, e.pct}}, 2))
	return reads
}

// Every custom line item operation reads the same number of records
// whether the payer's other groups hold 10 items or 500.
func TestItemOperationsReadOnlyTheirItems(t *testing.T) {
	small, large := itemScaleOf(t, 10).measure(), itemScaleOf(t, 500).measure()
	for _, op := range slices.Sorted(func(yield func(string) bool) {
		for op := range small {
			if !yield(op) {
				return
			}
		}
	}) {
		if small[op] != large[op] {
			t.Errorf("%s reads %d records with 10 other items, %d with 500", op, small[op], large[op])
		} else {
			t.Logf("%s: %d records", op, small[op])
		}
	}
}

// itemLive decodes the records of a kind live at period, by ID.
func itemLive[T any](t *testing.T, tx conductor.Tx, payer, kind string, at conductor.Period) map[string]T {
	t.Helper()
	recs, err := tx.List(payer, kind, at)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]T{}
	for _, r := range recs {
		var v T
		if err := json.Unmarshal(r.Data, &v); err != nil {
			t.Fatal(err)
		}
		out[r.ID] = v
	}
	return out
}

// itemWalk lists every page of ListCustomLineItems, size at a time, as
// "ID size" lines.
func itemWalk(t *testing.T, svc *conductor.Service, c conductor.Caller, period string, f conductor.CustomLineItemFilter, size int) []string {
	t.Helper()
	var out []string
	token := ""
	for range 1000 {
		items, next, err := svc.ListCustomLineItems(context.Background(), c,
			conductor.ListCustomLineItemsInput{BillingPeriod: period, Filter: f, Page: conductor.Page{MaxResults: size, NextToken: token}})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > size || (next != "" && len(items) < size) {
			t.Errorf("page of %d items, next %q, size %d", len(items), next, size)
		}
		for _, it := range items {
			out = append(out, fmt.Sprint(it.ID, " ", it.AssociationSize))
		}
		if token = next; token == "" {
			return out
		}
	}
	t.Fatal("too many pages")
	return nil
}

// ListCustomLineItems returns, in ID order, the items each filter keeps
// and their association sizes, read straight from the records, over pages
// of any size; a token belongs to its listing.
func TestItemListingFiltersAndPages(t *testing.T) {
	e := itemScaleOf(t, 40)
	ctx := context.Background()
	period := e.svc.CurrentPeriod()
	var items map[string]conductor.CustomLineItem
	var links map[string]struct{ Target, Resource string }
	err := e.reads.Store.View(ctx, func(tx conductor.Tx) error {
		items = itemLive[conductor.CustomLineItem](t, tx, e.c.Account, "customlineitem", period)
		links = itemLive[struct{ Target, Resource string }](t, tx, e.c.Account, "clilink", period)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	for _, l := range links {
		sizes[l.Target]++
		if id, ok := strings.CutPrefix(l.Resource, "arn:aws:billingconductor::123456789012:customlineitem/"); ok {
			sizes[id]++
		}
	}
	groupID := func(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
	want := func(keep func(conductor.CustomLineItem) bool) []string {
		var out []string
		for _, id := range slices.Sorted(func(yield func(string) bool) {
			for id := range items {
				if !yield(id) {
					return
				}
			}
		}) {
			if keep(items[id]) {
				out = append(out, fmt.Sprint(id, " ", sizes[id]))
			}
		}
		return out
	}
	inGroups := func(groups ...string) func(conductor.CustomLineItem) bool {
		return func(i conductor.CustomLineItem) bool {
			return slices.ContainsFunc(groups, func(g string) bool { return groupID(g) == i.BillingGroupID })
		}
	}
	other := e.create(e.groups[1], "b-extra", false) // an item of B by the ARN filter
	items[groupID(other)] = conductor.CustomLineItem{ID: groupID(other), Name: "b-extra", BillingGroupID: groupID(e.groups[1]), AccountID: "100000000002"}
	a, b := e.groups[0], e.groups[1]
	arns := []string{e.pct, other, e.flat, "arn:aws:billingconductor::123456789012:customlineitem/Q000000000", "not an arn"}
	named := func(names ...string) func(conductor.CustomLineItem) bool {
		return func(i conductor.CustomLineItem) bool { return slices.Contains(names, i.Name) }
	}
	cases := []struct {
		name string
		f    conductor.CustomLineItemFilter
		keep func(conductor.CustomLineItem) bool
	}{
		{"none", conductor.CustomLineItemFilter{}, func(conductor.CustomLineItem) bool { return true }},
		{"group A", conductor.CustomLineItemFilter{BillingGroups: []string{a}}, inGroups(a)},
		{"groups A B", conductor.CustomLineItemFilter{BillingGroups: []string{b, a, b}}, inGroups(a, b)},
		{"group B by ID", conductor.CustomLineItemFilter{BillingGroups: []string{groupID(b)}}, inGroups(b)},
		{"groups and names", conductor.CustomLineItemFilter{BillingGroups: []string{a, b}, Names: []string{"pct", "other-3", "other-4", "nope"}},
			func(i conductor.CustomLineItem) bool {
				return inGroups(a, b)(i) && named("pct", "other-3", "other-4")(i)
			}},
		{"no group", conductor.CustomLineItemFilter{BillingGroups: []string{}}, func(conductor.CustomLineItem) bool { return false }},
		{"arns", conductor.CustomLineItemFilter{ARNs: arns}, named("pct", "flat", "b-extra")},
		{"arns and group", conductor.CustomLineItemFilter{ARNs: arns, BillingGroups: []string{a}}, named("pct", "flat")},
		{"accounts", conductor.CustomLineItemFilter{AccountIDs: []string{"100000000003"}}, inGroups(e.groups[2])},
		{"names", conductor.CustomLineItemFilter{Names: []string{"spare", "other-7", "nope"}}, named("spare", "other-7")},
	}
	for _, c := range cases {
		w := want(c.keep)
		for _, size := range []int{1, 3, 100} {
			if got := itemWalk(t, e.svc, e.c, "", c.f, size); !slices.Equal(got, w) {
				t.Errorf("%s, pages of %d: %v, want %v", c.name, size, got, w)
			}
		}
	}
	_, next, err := e.svc.ListCustomLineItems(ctx, e.c, conductor.ListCustomLineItemsInput{Page: conductor.Page{MaxResults: 1}})
	if err != nil || next == "" {
		t.Fatalf("first page: next %q, %v", next, err)
	}
	_, _, err = e.svc.ListCustomLineItems(ctx, e.c, conductor.ListCustomLineItemsInput{
		Filter: conductor.CustomLineItemFilter{BillingGroups: []string{a}}, Page: conductor.Page{NextToken: next}})
	if ce, ok := conductor.AsError(err); !ok || ce.Code != "ValidationException" {
		t.Errorf("a token of another listing: %v, want a ValidationException", err)
	}
}

// itemAnswers is what the reads answer about the items of an itemEnv, per
// period: the group's items (groupItems and ListCustomLineItems by group,
// in pages of 2), every item, and each item's associated resources.
func itemAnswers(t *testing.T, e *itemEnv, arns []string, periods []conductor.Period) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, p := range periods {
		err := e.store.View(ctx, func(tx conductor.Tx) error {
			items, err := conductor.ItemGroupItems(tx, e.c.Account, e.groupID(), p)
			for _, it := range items {
				out = append(out, fmt.Sprint(p, " groupItems ", it.ID, " ", it.Name))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range itemWalk(t, e.svc, e.c, string(p), conductor.CustomLineItemFilter{BillingGroups: []string{e.group}}, 2) {
			out = append(out, fmt.Sprint(p, " group ", line))
		}
		for _, line := range itemWalk(t, e.svc, e.c, string(p), conductor.CustomLineItemFilter{}, 2) {
			out = append(out, fmt.Sprint(p, " all ", line))
		}
		for _, arn := range arns {
			rs, _, _, err := e.svc.ListResourcesAssociatedToCustomLineItem(ctx, e.c, arn, string(p), "", conductor.Page{MaxResults: 1})
			if err != nil {
				out = append(out, fmt.Sprint(p, " ", arn, " ", err))
			}
			for _, r := range rs {
				out = append(out, fmt.Sprint(p, " ", arn, " ", r.Relationship, " ", r.ARN, " ", r.EndBillingPeriod))
			}
		}
	}
	return out
}

// itemIndexRecords returns the versions of every index record live in a
// period from first to last, by kind and id.
func itemIndexRecords(t *testing.T, e *itemEnv, first, last conductor.Period) map[string][]conductor.Version {
	t.Helper()
	out := map[string][]conductor.Version{}
	err := e.store.View(context.Background(), func(tx conductor.Tx) error {
		for _, kind := range []string{"customlineitem.group", "clilink.parent"} {
			for p := first; p <= last; p = p.Next() {
				recs, err := tx.List(e.c.Account, kind, p)
				if err != nil {
					return err
				}
				for _, r := range recs {
					if out[kind+" "+r.ID], err = tx.Versions(e.c.Account, kind, r.ID); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A store written before the indexes has items and links and no index
// records: reads scan until a change builds the indexes, from two months
// before it on; then the indexes hold the same records as those kept up
// since the start, and every read, of a past period too, answers as before.
func TestItemIndexesOfAnOlderStore(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t) // the group exists from 2026-10; now 2026-11
	october := &conductor.PeriodRange{Start: "2026-10"}
	create := func(name string, r *conductor.PeriodRange, percentage bool, resources ...string) string {
		t.Helper()
		in := itemInput(e.group, name, percentage, resources...)
		in.Range = r
		arn, err := e.svc.CreateCustomLineItem(ctx, e.c, in)
		if err != nil {
			t.Fatal(err)
		}
		return arn
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	old := create("old", &conductor.PeriodRange{Start: "2026-10", End: "2026-11"}, false) // October only
	flat := create("flat", october, false)
	pct := create("pct", october, true, flat, e.group)
	flat2 := create("flat2", nil, false)
	must(e.svc.DeleteCustomLineItem(ctx, e.c, flat2, nil)) // a one-month item, deleted
	flat2 = create("flat2", october, false)
	must(e.svc.BatchAssociateResourcesToCustomLineItem(ctx, e.c, pct, []string{flat2}, nil))
	gap := create("gap", october, false)
	must(e.svc.DeleteCustomLineItem(ctx, e.c, gap, &conductor.PeriodRange{Start: "2026-11", End: "2026-12"})) // out in November only

	e.clock.Pin(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC))
	must(e.svc.BatchDisassociateResourcesFromCustomLineItem(ctx, e.c, pct, []string{flat2}, nil))
	name := "pct-renamed"
	must(e.svc.UpdateCustomLineItem(ctx, e.c, conductor.UpdateCustomLineItemInput{ARN: pct, Name: &name}))
	e.clock.Pin(time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC))
	late := create("late", nil, false)
	must(e.svc.BatchAssociateResourcesToCustomLineItem(ctx, e.c, pct, []string{flat2}, nil))

	arns := []string{old, flat, pct, flat2, gap, late}
	var periods []conductor.Period
	for p := conductor.Period("2026-10"); p <= "2027-03"; p = p.Next() {
		periods = append(periods, p)
	}
	want := itemAnswers(t, e, arns, periods)
	kept := itemIndexRecords(t, e, "2027-01", "2027-05")
	if len(kept) == 0 || len(want) == 0 {
		t.Fatal("nothing indexed")
	}
	all := itemIndexRecords(t, e, "2026-09", "2027-05")
	err := e.store.Update(ctx, func(tx conductor.Tx) error { // forget the indexes, as an older version never wrote them
		for key := range all {
			kind, id, _ := strings.Cut(key, " ")
			if err := tx.Truncate(e.c.Account, kind, id, conductor.Timeless); err != nil {
				return err
			}
		}
		return tx.Truncate(e.c.Account, "indexbuilt", "customlineitem.indexes", conductor.Timeless)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIndexRecords(t, e, "2026-09", "2027-05"); len(got) != 0 {
		t.Fatalf("index records left: %v", got)
	}
	if got := itemAnswers(t, e, arns, periods); !slices.Equal(got, want) {
		t.Errorf("without the indexes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	must(e.svc.BatchDisassociateResourcesFromCustomLineItem(ctx, e.c, pct, []string{late}, nil)) // a change: builds them, changes nothing
	err = e.store.View(ctx, func(tx conductor.Tx) error {
		data, ok, err := tx.Get(e.c.Account, "indexbuilt", "customlineitem.indexes", conductor.Timeless)
		if err == nil && (!ok || string(data) != `"2027-01"`) {
			t.Errorf("indexes built from %s (%v), want 2027-01", data, ok)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := itemIndexRecords(t, e, "2027-01", "2027-05")
	if len(got) != len(kept) {
		t.Errorf("built %d index records live from 2027-01 on, want %d", len(got), len(kept))
	}
	for key, versions := range kept {
		if !slices.EqualFunc(got[key], versions, func(a, b conductor.Version) bool {
			return a.Period == b.Period && a.Deleted == b.Deleted && string(a.Data) == string(b.Data)
		}) {
			t.Errorf("built %s = %+v, want %+v", key, got[key], versions)
		}
	}
	if got := itemAnswers(t, e, arns, periods); !slices.Equal(got, want) {
		t.Errorf("with the built indexes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
