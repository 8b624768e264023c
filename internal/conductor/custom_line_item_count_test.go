package conductor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// itemEnv is a service over SQLite in memory with one billing group.
type itemEnv struct {
	t     *testing.T
	store conductor.Store
	clock *conductor.PinnableClock
	svc   *conductor.Service
	c     conductor.Caller
	group string
	n     int
}

func newItemEnv(t *testing.T) *itemEnv {
	t.Helper()
	ctx := context.Background()
	store := memoryStore(t)
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)) // the group exists in the previous period too
	svc := conductor.NewService(store, clock, nil)
	if err := svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		t.Fatal(err)
	}
	e := &itemEnv{t: t, store: store, clock: clock, svc: svc, c: conductor.Caller{Account: "123456789012"}}
	plan, err := svc.CreatePricingPlan(ctx, e.c, conductor.CreatePricingPlanInput{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	e.group, err = svc.CreateBillingGroup(ctx, e.c, conductor.CreateBillingGroupInput{
		Name: "g", PrimaryAccountID: "100000000001", LinkedAccountIDs: []string{"100000000001"}, PricingPlanARN: plan,
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	return e
}

// groupID is the ID of the env's billing group.
func (e *itemEnv) groupID() string { return e.group[strings.LastIndex(e.group, "/")+1:] }

// itemKind is what an item counts for: a plain flat item, a percentage
// item with a line item filter, or an ITEMIZED percentage item.
type itemKind int

const (
	flatItem itemKind = iota
	filteredItem
	itemizedItem
)

// create makes an item of the kind over r (nil: the current month only).
func (e *itemEnv) create(kind itemKind, r *conductor.PeriodRange) (string, error) {
	e.n++
	in := conductor.CreateCustomLineItemInput{Name: fmt.Sprintf("item-%d", e.n), BillingGroupARN: e.group, Range: r,
		Charge: conductor.ChargeDetails{Type: conductor.ChargeFee}}
	one, ten := 1.0, 10.0
	switch kind {
	case flatItem:
		in.Charge.Flat = &one
	case filteredItem:
		in.Charge.Percentage = &ten
		in.Charge.LineItemFilters = []conductor.LineItemFilter{{Attribute: "SERVICE", MatchOption: "EQUAL", AttributeValues: []string{"AmazonEC2"}}}
	case itemizedItem:
		in.Charge.Percentage = &ten
		in.ComputationRule = conductor.ComputationItemized
	}
	return e.svc.CreateCustomLineItem(context.Background(), e.c, in)
}

func (e *itemEnv) mustCreate(kind itemKind, r *conductor.PeriodRange) string {
	e.t.Helper()
	arn, err := e.create(kind, r)
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// refused checks that creating one more item of the kind fails with reason.
func (e *itemEnv) refused(kind itemKind, r *conductor.PeriodRange, reason string) {
	e.t.Helper()
	_, err := e.create(kind, r)
	if ce, ok := conductor.AsError(err); !ok || ce.Reason != reason && ce.LimitCode != reason {
		e.t.Errorf("creating one more item of kind %d: %v, want %s", kind, err, reason)
	}
}

// checkCounters compares every counter record with the items in force, in
// the months around the current one.
func (e *itemEnv) checkCounters() {
	e.t.Helper()
	now := e.svc.CurrentPeriod()
	err := e.store.View(context.Background(), func(tx conductor.Tx) error {
		for _, p := range []conductor.Period{now.Prev(), now, now.Next()} {
			recs, err := tx.List(e.c.Account, "customlineitem", p)
			if err != nil {
				return err
			}
			want := map[string]int{"customlineitem.count/": len(recs)}
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
			groupID := e.groupID()
			for _, key := range []string{"customlineitem.count/", "customlineitem.filtered/" + groupID, "customlineitem.itemized/" + groupID} {
				kind, id := key[:len(key)-len(groupID)-1], groupID
				if key == "customlineitem.count/" {
					kind, id = "customlineitem.count", ""
				}
				var got int
				if data, ok, err := tx.Get(e.c.Account, kind, id, p); err != nil {
					return err
				} else if ok {
					if err := json.Unmarshal(data, &got); err != nil {
						return err
					}
				}
				if got != want[key] {
					e.t.Errorf("%s at %s = %d, want %d", key, p, got, want[key])
				}
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// The counters follow every create, update and delete, over one-month and
// open ranges and the previous period, and across a month boundary; the
// quota errors are those of BEHAVIOR.md §12.
func TestItemCountersFollowChanges(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t)
	prev := &conductor.PeriodRange{Start: string(e.svc.CurrentPeriod().Prev())}
	for range 9 {
		e.mustCreate(filteredItem, nil)
	}
	open := e.mustCreate(filteredItem, prev) // from the previous period on
	e.refused(filteredItem, nil, "L-FILTERED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP")
	e.checkCounters()
	// Nor can an update give filters to an eleventh item (CLI-10, §12).
	plain := e.mustCreate(itemizedItem, nil)
	filters := []conductor.LineItemFilter{{Attribute: "SERVICE", MatchOption: "EQUAL", AttributeValues: []string{"AmazonEC2"}}}
	_, err := e.svc.UpdateCustomLineItem(ctx, e.c, conductor.UpdateCustomLineItemInput{ARN: plain,
		Charge: &conductor.ChargeDetails{LineItemFilters: filters}})
	if ce, ok := conductor.AsError(err); !ok || ce.Reason != "ILLEGAL_LINE_ITEM_FILTER" {
		t.Errorf("filters for an eleventh item by update: %v, want ILLEGAL_LINE_ITEM_FILTER", err)
	}
	e.checkCounters()
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, plain, nil); err != nil {
		t.Fatal(err)
	}

	none := []conductor.LineItemFilter{}
	if _, err := e.svc.UpdateCustomLineItem(ctx, e.c, conductor.UpdateCustomLineItemInput{ARN: open,
		Charge: &conductor.ChargeDetails{LineItemFilters: none}}); err != nil {
		t.Fatal(err)
	}
	e.checkCounters()
	extra := e.mustCreate(filteredItem, nil) // the update freed a place
	e.refused(filteredItem, nil, "L-FILTERED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP")
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, extra, nil); err != nil {
		t.Fatal(err)
	}
	e.checkCounters()
	e.mustCreate(filteredItem, nil) // the delete freed a place

	for range 5 {
		e.mustCreate(itemizedItem, nil)
	}
	e.refused(itemizedItem, nil, "ILLEGAL_COMPUTATION_RULE")
	month := &conductor.PeriodRange{Start: string(e.svc.CurrentPeriod()), End: string(e.svc.CurrentPeriod().Next())}
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, open, month); err != nil { // out for this month only
		t.Fatal(err)
	}
	e.checkCounters()

	e.clock.Pin(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)) // the one-month items have ended
	e.checkCounters()
	for range 10 {
		e.mustCreate(filteredItem, nil)
	}
	e.refused(filteredItem, nil, "L-FILTERED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP")
	for range 5 {
		e.mustCreate(itemizedItem, nil)
	}
	e.refused(itemizedItem, nil, "ILLEGAL_COMPUTATION_RULE")
	e.checkCounters()
	e.mustCreate(flatItem, &conductor.PeriodRange{Start: string(e.svc.CurrentPeriod().Prev())})
	e.checkCounters()
}

// A store written before the counters existed has items and no counter
// records: the first create builds them, so the quotas still hold.
func TestItemCountersOfAnOlderStore(t *testing.T) {
	ctx := context.Background()
	e := newItemEnv(t)
	for range 10 {
		e.mustCreate(filteredItem, nil)
	}
	for range 4 {
		e.mustCreate(itemizedItem, &conductor.PeriodRange{Start: string(e.svc.CurrentPeriod().Prev())})
	}
	groupID := e.groupID()
	err := e.store.Update(ctx, func(tx conductor.Tx) error { // forget the counters, as an older version never wrote them
		for _, r := range [][2]string{{"customlineitem.count", ""}, {"customlineitem.filtered", groupID},
			{"customlineitem.itemized", groupID}, {"indexbuilt", "customlineitem.counters"}} {
			if err := tx.Truncate(e.c.Account, r[0], r[1], conductor.Timeless); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.refused(filteredItem, nil, "L-FILTERED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP") // builds them, and rolls back
	e.mustCreate(itemizedItem, nil)
	e.refused(itemizedItem, nil, "ILLEGAL_COMPUTATION_RULE")
	e.checkCounters()
}
