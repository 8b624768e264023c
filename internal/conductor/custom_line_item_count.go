package conductor

import (
	"cmp"
	"encoding/json"
	"slices"
)

// Custom line item quotas are checked with one Get per counter instead of
// decoding every item of the payer. Three counters follow the items, each
// a versioned record like the items themselves, so a read at period P sees
// the count in force at P:
//
//   - "customlineitem.count", id "": the payer's items;
//   - "customlineitem.filtered", id a billing group ID: the group's items
//     with line item filters;
//   - "customlineitem.itemized", id a billing group ID: the group's ITEMIZED items.
//
// Every change of an item's versions (create, update, delete, the month
// taken out of a range) goes through an itemChange in the same
// transaction: it compares the item's versions before and after and moves
// each counter by the difference over the periods where it differs.
// Billing groups never change an item's group (CLI-4); deleting a group
// deletes its items through itemChanges too (deleteGroupItems), so the
// counters follow every change of an item.

// itemCounter counts, per period, the items that match and share a key.
type itemCounter struct {
	kind    string
	key     func(CustomLineItem) string
	matches func(CustomLineItem) bool
}

var (
	itemTotal    = itemCounter{kindCustomLineItem + ".count", func(CustomLineItem) string { return "" }, func(CustomLineItem) bool { return true }}
	itemFiltered = itemCounter{kindCustomLineItem + ".filtered", groupOfItem, func(i CustomLineItem) bool { return len(i.LineItemFilters) > 0 }}
	itemItemized = itemCounter{kindCustomLineItem + ".itemized", groupOfItem, func(i CustomLineItem) bool { return i.ComputationRule == ComputationItemized }}
	itemCounters = []itemCounter{itemTotal, itemFiltered, itemItemized}
)

func groupOfItem(i CustomLineItem) string { return i.BillingGroupID }

// get returns the count in force at period for key.
func (c itemCounter) get(tx Tx, payer, key string, at Period) (int, error) {
	var n int
	_, err := getJSON(tx, payer, c.kind, key, at, &n)
	return n, err
}

// add moves the count of key by delta over [from, to) (to "" = open end),
// keeping the count in force at to and later periods as it was.
func (c itemCounter) add(tx Tx, payer, key string, from, to Period, delta int) error {
	versions, err := tx.Versions(payer, c.kind, key)
	if err != nil {
		return err
	}
	counts := counterVersions(versions)
	if to != "" {
		if _, ok := counts[to]; !ok {
			counts[to] = countAt(versions, to)
		}
	}
	if _, ok := counts[from]; !ok {
		counts[from] = countAt(versions, from)
	}
	for p, n := range counts {
		if p >= from && (to == "" || p < to) {
			n += delta
		} else if p != to {
			continue // unchanged
		}
		if err := putJSON(tx, payer, c.kind, key, p, n); err != nil {
			return err
		}
	}
	return nil
}

// counterVersions maps the start of each live version of a counter to its count.
func counterVersions(versions []Version) map[Period]int {
	counts := map[Period]int{}
	for _, v := range versions {
		if v.Deleted {
			continue
		}
		var n int
		if json.Unmarshal(v.Data, &n) == nil {
			counts[v.Period] = n
		}
	}
	return counts
}

// countAt is the count in force at period.
func countAt(versions []Version, at Period) int {
	n := 0
	for _, v := range versions {
		if v.Period > at {
			break
		}
		n = 0
		if !v.Deleted {
			_ = json.Unmarshal(v.Data, &n)
		}
	}
	return n
}

// itemChange records an item's versions before a change, so that finish
// can move the counters by what the change did.
type itemChange struct {
	payer, id string
	before    []Version
}

// trackItem runs change, which rewrites versions of the item id, and moves
// the counters by what it did, in the same transaction.
func trackItem(tx Tx, payer, id string, at Period, change func() error) error {
	ch, err := beginItemChange(tx, payer, id, at)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	return ch.finish(tx)
}

// beginItemChange makes sure the counters and indexes exist (see
// ensureItemCounters and ensureItemIndexes) and notes the item's versions
// before the change.
func beginItemChange(tx Tx, payer, id string, at Period) (itemChange, error) {
	if err := ensureItemCounters(tx, payer, at); err != nil {
		return itemChange{}, err
	}
	if err := ensureItemIndexes(tx, payer, at); err != nil {
		return itemChange{}, err
	}
	before, err := tx.Versions(payer, kindCustomLineItem, id)
	return itemChange{payer, id, before}, err
}

// finish moves every counter by the difference between the item's
// versions before the change and now, and rewrites the item's record of
// the group index (custom_line_item_index.go) to follow them.
func (ch itemChange) finish(tx Tx) error {
	after, err := tx.Versions(ch.payer, kindCustomLineItem, ch.id)
	if err != nil {
		return err
	}
	old, err := itemTimeline(ch.before)
	if err != nil {
		return err
	}
	now, err := itemTimeline(after)
	if err != nil {
		return err
	}
	for _, c := range itemCounters {
		if err := c.apply(tx, ch.payer, old, now); err != nil {
			return err
		}
	}
	group := cmp.Or(timelineGroup(now), timelineGroup(old)) // an item keeps its group (CLI-4)
	return syncGroupIndex(tx, ch.payer, ch.id, group, old, now)
}

// itemVersion is the item in force from a period on (nil: none).
type itemVersion struct {
	period Period
	item   *CustomLineItem
}

func itemTimeline(versions []Version) ([]itemVersion, error) {
	out := make([]itemVersion, 0, len(versions))
	for _, v := range versions {
		iv := itemVersion{period: v.Period}
		if !v.Deleted {
			iv.item = new(CustomLineItem)
			if err := json.Unmarshal(v.Data, iv.item); err != nil {
				return nil, err
			}
		}
		out = append(out, iv)
	}
	return out, nil
}

// itemAt returns the item in force at period, nil when none.
func itemAt(timeline []itemVersion, at Period) *CustomLineItem {
	var item *CustomLineItem
	for _, v := range timeline {
		if v.period > at {
			break
		}
		item = v.item
	}
	return item
}

// apply moves the counter of the item's key by the change from old to now,
// one range of periods at a time between the versions' starts.
func (c itemCounter) apply(tx Tx, payer string, old, now []itemVersion) error {
	bounds := timelineBounds(old, now)
	for i, from := range bounds {
		to := Period("")
		if i+1 < len(bounds) {
			to = bounds[i+1]
		}
		if err := c.applyAt(tx, payer, itemAt(old, from), itemAt(now, from), from, to); err != nil {
			return err
		}
	}
	return nil
}

// applyAt moves the counters of [from, to) for one item that went from
// before to after there (either may be nil).
func (c itemCounter) applyAt(tx Tx, payer string, before, after *CustomLineItem, from, to Period) error {
	counted := func(i *CustomLineItem) bool { return i != nil && c.matches(*i) }
	if counted(before) == counted(after) && (before == nil || after == nil || c.key(*before) == c.key(*after)) {
		return nil
	}
	if counted(before) {
		if err := c.add(tx, payer, c.key(*before), from, to, -1); err != nil {
			return err
		}
	}
	if counted(after) {
		return c.add(tx, payer, c.key(*after), from, to, 1)
	}
	return nil
}

// timelineBounds is every period where either timeline starts a version, in order.
func timelineBounds(a, b []itemVersion) []Period {
	var bounds []Period
	for _, v := range append(slices.Clone(a), b...) {
		bounds = append(bounds, v.period)
	}
	slices.Sort(bounds)
	return slices.Compact(bounds)
}

// itemCountersBuilt marks the counters built (kindIndexBuilt record).
const itemCountersBuilt = kindCustomLineItem + ".counters"

// ensureItemCounters builds the counters once per payer: stores written
// before they existed have none. It counts the items in force in each
// month from two before period to two after it, which holds every version
// an item operation can write (its start is the current or previous
// period, its end the month after); the count of the last month stays in
// force after it. [choice] Months before that window count nothing; no
// quota check reads them.
func ensureItemCounters(tx Tx, payer string, at Period) error {
	return buildOnce(tx, payer, itemCountersBuilt, func() error {
		for p := at.Prev().Prev(); p <= at.Next().Next(); p = p.Next() {
			if err := buildItemCounters(tx, payer, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// buildItemCounters writes the version of every counter starting at period
// from the items in force then. A key counted in an earlier month and not
// in this one is set to zero.
func buildItemCounters(tx Tx, payer string, at Period) error {
	items, err := listJSON[CustomLineItem](tx, payer, kindCustomLineItem, at)
	if err != nil {
		return err
	}
	for _, c := range itemCounters {
		counts := map[string]int{}
		recs, err := tx.List(payer, c.kind, at) // keys already counted in earlier months
		if err != nil {
			return err
		}
		for _, r := range recs {
			counts[r.ID] = 0
		}
		for _, item := range items {
			if c.matches(item) {
				counts[c.key(item)]++
			}
		}
		for key, n := range counts {
			if err := putJSON(tx, payer, c.kind, key, at, n); err != nil {
				return err
			}
		}
	}
	return nil
}
