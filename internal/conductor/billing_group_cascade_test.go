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

// cascadeNames lists the names of the items ListCustomLineItems returns
// for period and filter, sorted, as "name group-ID".
func cascadeNames(t *testing.T, e *itemEnv, period string, f conductor.CustomLineItemFilter) []string {
	t.Helper()
	items, _, err := e.svc.ListCustomLineItems(context.Background(), e.c, conductor.ListCustomLineItemsInput{BillingPeriod: period, Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Name+" "+it.BillingGroupARN[strings.LastIndex(it.BillingGroupARN, "/")+1:])
	}
	slices.Sort(out)
	return out
}

// cascadeVersions is ListCustomLineItemVersions as "start-end" ranges, or
// the error's reason.
func cascadeVersions(t *testing.T, e *itemEnv, arn string) []string {
	t.Helper()
	views, _, err := e.svc.ListCustomLineItemVersions(context.Background(), e.c, conductor.ListCustomLineItemVersionsInput{ARN: arn})
	if err != nil {
		if ce, ok := conductor.AsError(err); ok {
			return []string{ce.Reason}
		}
		t.Fatal(err)
	}
	var out []string
	for _, v := range views {
		out = append(out, fmt.Sprintf("%s-%s", v.StartBillingPeriod, v.EndBillingPeriod))
	}
	return out
}

// cascadeResources is ListResourcesAssociatedToCustomLineItem at period as
// "RELATIONSHIP ARN END" lines, or the error's code.
func cascadeResources(t *testing.T, e *itemEnv, arn, period string) []string {
	t.Helper()
	res, _, _, err := e.svc.ListResourcesAssociatedToCustomLineItem(context.Background(), e.c, arn, period, "", conductor.Page{})
	if err != nil {
		if ce, ok := conductor.AsError(err); ok {
			return []string{ce.Code}
		}
		t.Fatal(err)
	}
	var out []string
	for _, r := range res {
		out = append(out, fmt.Sprintf("%s %s %s", r.Relationship, r.ARN, r.EndBillingPeriod))
	}
	return out
}

// cascadeCounters compares the counter records with the items in force
// in each period, for every key the items use and for the given groups.
func cascadeCounters(t *testing.T, e *itemEnv, groups []string, periods ...conductor.Period) {
	t.Helper()
	err := e.store.View(context.Background(), func(tx conductor.Tx) error {
		for _, p := range periods {
			recs, err := tx.List(e.c.Account, "customlineitem", p)
			if err != nil {
				return err
			}
			want := map[string]int{"customlineitem.count/": len(recs)}
			for _, g := range groups {
				want["customlineitem.filtered/"+g], want["customlineitem.itemized/"+g] = 0, 0
			}
			for _, r := range recs {
				var item conductor.CustomLineItem
				if err := json.Unmarshal(r.Data, &item); err != nil {
					return err
				}
				if len(item.LineItemFilters) > 0 {
					want["customlineitem.filtered/"+item.BillingGroupID]++
				}
				if item.ComputationRule == conductor.ComputationItemized {
					want["customlineitem.itemized/"+item.BillingGroupID]++
				}
			}
			for key, n := range want {
				kind, id, _ := strings.Cut(key, "/")
				var got int
				if data, ok, err := tx.Get(e.c.Account, kind, id, p); err != nil {
					return err
				} else if ok {
					if err := json.Unmarshal(data, &got); err != nil {
						return err
					}
				}
				if got != n {
					t.Errorf("%s at %s = %d, want %d", key, p, got, n)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cascadeLinks returns the link and reverse-link records live at period, as
// "kind id" lines.
func cascadeLinks(t *testing.T, e *itemEnv, period conductor.Period) []string {
	t.Helper()
	var out []string
	err := e.store.View(context.Background(), func(tx conductor.Tx) error {
		for _, kind := range []string{"clilink", "clilink.parent"} {
			recs, err := tx.List(e.c.Account, kind, period)
			if err != nil {
				return err
			}
			for _, r := range recs {
				out = append(out, kind+" "+r.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Deleting a billing group deletes its custom line items from the current
// period on — one-month, recurring, started last month, taken out of this
// month only — with the associations of its percentage items; last
// month keeps them all, and the counters and indexes follow.
func TestDeleteBillingGroupDeletesItsItems(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t) // group g from 2026-10; now 2026-11
	g := e.groupID()
	e.clock.Pin(time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC))
	other, err := e.svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{
		Name: "other", PrimaryAccountID: "100000000002", LinkedAccountIDs: []string{"100000000002"}, PricingPlanARN: cascadeBasicPlan,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	otherID := other[strings.LastIndex(other, "/")+1:]
	october := &conductor.PeriodRange{Start: "2026-10"}
	november := &conductor.PeriodRange{Start: "2026-11"}
	create := func(group, name string, r *conductor.PeriodRange, edit func(*conductor.CreateCustomLineItemInput), percentage bool, resources ...string) string {
		t.Helper()
		in := itemInput(group, name, percentage, resources...)
		in.Range = r
		if edit != nil {
			edit(&in)
		}
		arn, err := e.svc.CreateCustomLineItem(ctx, e.c, in)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return arn
	}
	itemized := func(in *conductor.CreateCustomLineItemInput) { in.ComputationRule = conductor.ComputationItemized }
	filtered := func(in *conductor.CreateCustomLineItemInput) {
		in.Charge.LineItemFilters = []conductor.LineItemFilter{{Attribute: "SERVICE", MatchOption: "EQUAL", AttributeValues: []string{"AmazonEC2"}}}
	}

	flat := create(e.group, "flat", nil, nil, false)                    // this month only
	open := create(e.group, "open", november, filtered, true, e.group)  // recurring, on the group
	earlier := create(e.group, "earlier", october, nil, false)          // recurring, from last month
	pctGroup := create(e.group, "pct-group", october, itemized, true)   // associated with the group below
	pctFlat := create(e.group, "pct-flat", october, nil, true, earlier) // associated with a flat item
	gap := create(e.group, "gap", october, nil, false)
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, gap, &conductor.PeriodRange{Start: "2026-11", End: "2026-12"}); err != nil {
		t.Fatal(err) // out in November only: back in December
	}
	if _, err := e.svc.BatchAssociateResourcesToCustomLineItem(ctx, e.c, pctGroup, []string{e.group, earlier}, october); err != nil {
		t.Fatal(err)
	}
	kept := create(other, "kept", october, nil, false)
	keptPct := create(other, "kept-pct", nil, nil, true, other, kept)
	mine := []string{flat, open, earlier, pctGroup, pctFlat, gap}

	octoberBefore := cascadeNames(t, e, "2026-10", conductor.CustomLineItemFilter{})
	wantOctober := []string{"earlier " + g, "gap " + g, "kept " + otherID, "pct-flat " + g, "pct-group " + g}
	if !slices.Equal(octoberBefore, wantOctober) {
		t.Fatalf("October before = %v, want %v", octoberBefore, wantOctober)
	}
	resourcesBefore := map[string][]string{}
	for _, arn := range []string{pctGroup, pctFlat, earlier} {
		resourcesBefore[arn] = cascadeResources(t, e, arn, "2026-10")
	}

	conductor.QuotaCustomLineItems.Limit = 7 // the 7 items of November fill the payer's quota
	t.Cleanup(func() { conductor.QuotaCustomLineItems.Limit = 50000 })
	if _, err := e.create(flatItem, nil); err == nil {
		t.Fatal("an eighth item was created")
	}

	if _, err := e.svc.DeleteBillingGroup(ctx, e.c, e.group); err != nil {
		t.Fatal(err)
	}

	// November: nothing of g, with or without filters.
	want := []string{"kept " + otherID, "kept-pct " + otherID}
	if got := cascadeNames(t, e, "", conductor.CustomLineItemFilter{}); !slices.Equal(got, want) {
		t.Errorf("November = %v, want %v", got, want)
	}
	for name, f := range map[string]conductor.CustomLineItemFilter{
		"BillingGroups": {BillingGroups: []string{e.group}},
		"Arns":          {ARNs: mine},
		"Names":         {Names: []string{"flat", "open", "earlier", "pct-group", "pct-flat", "gap"}},
		"AccountIds":    {AccountIDs: []string{"100000000001"}},
	} {
		if got := cascadeNames(t, e, "2026-11", f); len(got) != 0 {
			t.Errorf("November, filter %s = %v", name, got)
		}
	}
	for name, f := range map[string]conductor.CustomLineItemFilter{
		"BillingGroups": {BillingGroups: []string{other, e.group}},
		"AccountIds":    {AccountIDs: []string{"100000000001", "100000000002"}},
	} {
		if got := cascadeNames(t, e, "2026-11", f); !slices.Equal(got, want) {
			t.Errorf("November, filter %s = %v, want %v", name, got, want)
		}
	}
	// October: as it was, associations included, ending in November.
	if got := cascadeNames(t, e, "2026-10", conductor.CustomLineItemFilter{}); !slices.Equal(got, octoberBefore) {
		t.Errorf("October = %v, want %v", got, octoberBefore)
	}
	if got := cascadeNames(t, e, "2026-10", conductor.CustomLineItemFilter{BillingGroups: []string{e.group}}); len(got) != 4 {
		t.Errorf("October, g's items = %v", got)
	}
	for arn, before := range resourcesBefore {
		var want []string
		for _, r := range before {
			want = append(want, strings.TrimSuffix(r, " ")+" 2026-11")
		}
		if got := cascadeResources(t, e, arn, "2026-10"); !slices.Equal(got, want) {
			t.Errorf("October resources of %s = %v, want %v", arn, got, want)
		}
		if got := cascadeResources(t, e, arn, "2026-11"); !slices.Equal(got, []string{conductor.CodeNotFound}) {
			t.Errorf("November resources of %s = %v, want not found", arn, got)
		}
	}
	// Versions: the earlier periods stay; an item of this month only never was.
	for arn, want := range map[string][]string{
		flat: {"MISSING_CUSTOMLINEITEM"}, open: {"MISSING_CUSTOMLINEITEM"},
		earlier: {"2026-10-2026-11"}, pctGroup: {"2026-10-2026-11"}, pctFlat: {"2026-10-2026-11"}, gap: {"2026-10-2026-11"},
		kept: {"2026-10-"}, keptPct: {"2026-11-2026-12"},
	} {
		if got := cascadeVersions(t, e, arn); !slices.Equal(got, want) {
			t.Errorf("versions of %s = %v, want %v", arn, got, want)
		}
	}
	// No link of g's items is live from November on; the other group's are.
	wantLinks := []string{
		"clilink " + cascadeItemID(keptPct) + "/" + kept, "clilink " + cascadeItemID(keptPct) + "/" + other,
		"clilink.parent " + cascadeItemID(kept) + "/" + cascadeItemID(keptPct),
	}
	slices.Sort(wantLinks)
	for _, p := range []conductor.Period{"2026-11", "2026-12"} {
		got := cascadeLinks(t, e, p)
		slices.Sort(got)
		if p == "2026-12" {
			wantLinks = nil // keptPct is a November item
		}
		if !slices.Equal(got, wantLinks) {
			t.Errorf("links at %s = %v, want %v", p, got, wantLinks)
		}
	}
	if got := cascadeResources(t, e, keptPct, "2026-11"); len(got) != 2 || strings.Contains(strings.Join(got, " "), g) {
		t.Errorf("resources of kept-pct = %v", got)
	}
	// The group index and the counters.
	err = e.store.View(ctx, func(tx conductor.Tx) error {
		for p, want := range map[conductor.Period]int{"2026-10": 4, "2026-11": 0, "2026-12": 0} {
			items, err := conductor.ItemGroupItems(tx, e.c.Account, g, p)
			if err != nil {
				return err
			}
			if len(items) != want {
				t.Errorf("group index at %s: %d items, want %d", p, len(items), want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cascadeCounters(t, e, []string{g, otherID}, "2026-10", "2026-11", "2026-12", "2027-01")

	// The places g's five November items held are free again, for the other group.
	for i := range 5 {
		create(other, fmt.Sprintf("new-%d", i), nil, nil, false)
	}
	if _, err := e.svc.CreateCustomLineItem(ctx, e.c, itemInput(other, "one-too-many", false)); err == nil {
		t.Error("the payer's quota is not full again")
	} else if ce, ok := conductor.AsError(err); !ok || ce.LimitCode != conductor.QuotaCustomLineItems.Code {
		t.Errorf("one more item: %v", err)
	}
	conductor.QuotaCustomLineItems.Limit = 50000
	for i := range 5 { // g's ITEMIZED and filtered items counted for g only
		create(other, fmt.Sprintf("itemized-%d", i), nil, itemized, true)
	}
	cascadeCounters(t, e, []string{g, otherID}, "2026-10", "2026-11", "2026-12")

	// An item started last month, when g existed, ends where g ends.
	late := create(e.group, "late", october, nil, false)
	if got := cascadeVersions(t, e, late); !slices.Equal(got, []string{"2026-10-2026-11"}) {
		t.Errorf("versions of an item of g started last month = %v", got)
	}
	if _, err := e.svc.CreateCustomLineItem(ctx, e.c, itemInput(e.group, "now", false)); !hasReason(err, "MISSING_BILLINGGROUP") {
		t.Errorf("creating an item of the deleted group: %v", err)
	}

	// December: nothing of g.
	e.clock.Pin(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC))
	if got := cascadeNames(t, e, "", conductor.CustomLineItemFilter{BillingGroups: []string{e.group}}); len(got) != 0 {
		t.Errorf("December, g's items = %v", got)
	}
	if got := cascadeNames(t, e, "", conductor.CustomLineItemFilter{}); !slices.Equal(got, []string{"kept " + otherID}) {
		t.Errorf("December = %v", got)
	}
	cascadeCounters(t, e, []string{g, otherID}, "2026-11", "2026-12", "2027-01")
}

// cascadeItemID is the ID of an item ARN.
func cascadeItemID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

const cascadeBasicPlan = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"

// DeleteBillingGroup reads its group's items and links, not the payer's:
// the same with 2 or 60 items in another group.
func TestDeleteBillingGroupReadsItsOwnItems(t *testing.T) {
	measure := func(others int) int64 {
		ctx := context.Background()
		store := &readCounter{Store: memoryStore(t)}
		svc, _ := seededService(t, store, conductor.DemoOrganization(), time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
		c := conductor.Caller{Account: "123456789012"}
		group := func(name, account string) string {
			arn, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{
				Name: name, PrimaryAccountID: account, LinkedAccountIDs: []string{account}, PricingPlanARN: cascadeBasicPlan,
			})
			if err != nil {
				t.Fatal(err)
			}
			return arn
		}
		item := func(group, name string, percentage bool, resources ...string) string {
			arn, err := svc.CreateCustomLineItem(ctx, c, itemInput(group, name, percentage, resources...))
			if err != nil {
				t.Fatal(err)
			}
			return arn
		}
		doomed, kept := group("doomed", "100000000001"), group("kept", "100000000002")
		flat := item(doomed, "flat", false)
		item(doomed, "pct", true, doomed, flat)
		item(doomed, "flat2", false)
		for i := range others {
			f := item(kept, fmt.Sprintf("f-%d", i), false)
			item(kept, fmt.Sprintf("p-%d", i), true, kept, f)
		}
		return store.reads(func() {
			if _, err := svc.DeleteBillingGroup(ctx, c, doomed); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := measure(1), measure(30)
	if small != large {
		t.Errorf("DeleteBillingGroup read %d records with 2 other items, %d with 60", small, large)
	}
}

// A percentage item deleted from a period on loses its resources there, as
// the items of a deleted group do: the flat item it used can be deleted
// next, and still shows the association in the months before.
func TestDeletePercentageItemEndsItsLinks(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t) // group from 2026-10; now 2026-11
	october := &conductor.PeriodRange{Start: "2026-10"}
	create := func(name string, percentage bool, resources ...string) string {
		t.Helper()
		in := itemInput(e.group, name, percentage, resources...)
		in.Range = october
		arn, err := e.svc.CreateCustomLineItem(ctx, e.c, in)
		if err != nil {
			t.Fatal(err)
		}
		return arn
	}
	flat := create("flat", false)
	pct := create("pct", true, flat, e.group)
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, pct, nil); err != nil {
		t.Fatal(err)
	}
	if got := cascadeLinks(t, e, "2026-11"); len(got) != 0 {
		t.Errorf("links left in November: %v", got)
	}
	if got, want := cascadeResources(t, e, flat, "2026-10"), []string{"PARENT " + pct + " 2026-11"}; !slices.Equal(got, want) {
		t.Errorf("October resources of the flat item = %v, want %v", got, want)
	}
	if got := cascadeResources(t, e, flat, "2026-11"); len(got) != 0 {
		t.Errorf("November resources of the flat item = %v", got)
	}
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, flat, nil); err != nil {
		t.Errorf("deleting the flat item its deleted percentage item used: %v", err)
	}
}
