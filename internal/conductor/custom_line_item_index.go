package conductor

import (
	"encoding/json"
	"slices"
	"strings"
)

// Two indexes let the custom line item operations read what they return,
// not every item or link of the payer:
//
//   - kindItemGroup, id "<billing group ID>/<item ID>": the items of a
//     billing group. The record is live exactly where the item is (data
//     "true"; the item itself is read with Get). An item never changes
//     group (CLI-4) and every change of its versions goes through an
//     itemChange, whose finish rewrites the record where the item's
//     liveness changed (syncGroupIndex).
//   - kindCLIParent, id "<flat item ID>/<percentage item ID>": the
//     reverse of a link whose resource is a flat item, written with the
//     same Put, Delete and Truncate as the link itself (putLink,
//     dropLink), so both records have the same versions and data.
//
// The forward direction of a link needs no index: a link's id starts
// with its percentage item's ID (itemResources).
//
// Stores written before the indexes build them once per payer, on the
// first item or link change or billing group deletion (ensureItemIndexes).
// Reads, which may run in a read-only transaction, use the indexes only
// where they are complete (itemIndexed) and otherwise scan the period as
// before.
const (
	kindItemGroup = kindCustomLineItem + ".group" // ns payer, per period: group ID/item ID → true
	kindCLIParent = kindCLILink + ".parent"       // ns payer, per period: flat item ID/percentage item ID → the link
)

// itemIndexesBuilt is the kindIndexBuilt record of the two indexes. Its
// data is the first period from which they are complete.
const itemIndexesBuilt = kindCustomLineItem + ".indexes"

func groupIndexID(groupID, itemID string) string { return groupID + "/" + itemID }

func parentID(flatID, percentageID string) string { return flatID + "/" + percentageID }

// flatOf returns the ID of the flat item a link resource names, ok false
// when the resource is a billing group.
func flatOf(payer, resource string) (string, bool) {
	return strings.CutPrefix(resource, ARN(payer, TypeCustomLineItem, ""))
}

// itemIndexed reports whether the indexes answer for period at: built,
// and at or after the first period they are complete from.
func itemIndexed(tx Tx, payer string, at Period) (bool, error) {
	data, ok, err := tx.Get(payer, kindIndexBuilt, itemIndexesBuilt, Timeless)
	if err != nil || !ok {
		return false, err
	}
	var from Period
	if err := json.Unmarshal(data, &from); err != nil {
		return false, err
	}
	return at >= from, nil
}

// ensureItemIndexes builds the indexes once per payer (see buildOnce): a
// store written before they existed has none. Every item and link change
// calls it before changing anything, with at its start period (the
// current or the previous one).
//
// A record's id can only be found through a period it is live in, so the
// build lists the items and links in force in each month from two before
// at to two after it, and indexes every version of each one found.
// Versions written before the build start no later than the month after
// the current one (an item or link change starts in the current or the
// previous period and ends at most a month later; the clock does not go
// back), so every record live
// from the window's first month on is found, and the indexes are
// complete from that month: the period the marker records. [choice]
// Earlier periods are read by scanning them, as before the indexes
// existed; only the history of stores older than the indexes is read so.
func ensureItemIndexes(tx Tx, payer string, at Period) error {
	if _, ok, err := tx.Get(payer, kindIndexBuilt, itemIndexesBuilt, Timeless); err != nil || ok {
		return err
	}
	from := at.Prev().Prev()
	items, linkIDs := map[string]bool{}, map[string]bool{}
	for p := from; p <= at.Next().Next(); p = p.Next() {
		recs, err := tx.List(payer, kindCustomLineItem, p)
		if err != nil {
			return err
		}
		for _, r := range recs {
			items[r.ID] = true
		}
		if recs, err = tx.List(payer, kindCLILink, p); err != nil {
			return err
		}
		for _, r := range recs {
			linkIDs[r.ID] = true
		}
	}
	for _, id := range sortedKeys(items) {
		versions, err := tx.Versions(payer, kindCustomLineItem, id)
		if err != nil {
			return err
		}
		timeline, err := itemTimeline(versions)
		if err != nil {
			return err
		}
		if err := syncGroupIndex(tx, payer, id, timelineGroup(timeline), nil, timeline); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(linkIDs) {
		if err := copyParent(tx, payer, id); err != nil {
			return err
		}
	}
	marker, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return tx.Put(payer, kindIndexBuilt, itemIndexesBuilt, Timeless, marker)
}

// copyParent writes the reverse record of the link id with the link's
// versions, when its resource is a flat item.
func copyParent(tx Tx, payer, id string) error {
	versions, err := tx.Versions(payer, kindCLILink, id)
	if err != nil {
		return err
	}
	var l itemLink
	for _, v := range versions {
		if !v.Deleted {
			if err := json.Unmarshal(v.Data, &l); err != nil {
				return err
			}
			break
		}
	}
	flat, ok := flatOf(payer, l.Resource)
	if !ok {
		return nil
	}
	pid := parentID(flat, l.Target)
	if err := tx.Truncate(payer, kindCLIParent, pid, Timeless); err != nil {
		return err
	}
	for _, v := range versions {
		var err error
		if v.Deleted {
			err = tx.Delete(payer, kindCLIParent, pid, v.Period)
		} else {
			err = tx.Put(payer, kindCLIParent, pid, v.Period, v.Data)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// timelineGroup is the billing group of an item's versions, "" when none is live.
func timelineGroup(timeline []itemVersion) string {
	for _, v := range timeline {
		if v.item != nil {
			return v.item.BillingGroupID
		}
	}
	return ""
}

// liveFrom is where an item starts or stops being live.
type liveFrom struct {
	period Period
	live   bool
}

// liveness is where the item of a timeline changes liveness, in order.
func liveness(timeline []itemVersion) []liveFrom {
	var out []liveFrom
	live := false
	for _, v := range timeline {
		if (v.item != nil) != live {
			live = !live
			out = append(out, liveFrom{v.period, live})
		}
	}
	return out
}

// syncGroupIndex makes the index record of the item id in group live
// exactly where its versions now are, when that differs from where they
// were: the versions the record follows so far (none for a new item, and
// in the build, which writes records that do not exist yet).
func syncGroupIndex(tx Tx, payer, id, group string, was, now []itemVersion) error {
	before, want := liveness(was), liveness(now)
	if group == "" || slices.Equal(before, want) {
		return nil // never live, or live where it was
	}
	key := groupIndexID(group, id)
	if len(before) > 0 {
		if err := tx.Truncate(payer, kindItemGroup, key, Timeless); err != nil {
			return err
		}
	}
	for _, v := range want {
		var err error
		if v.live {
			err = tx.Put(payer, kindItemGroup, key, v.period, []byte("true"))
		} else {
			err = tx.Delete(payer, kindItemGroup, key, v.period)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// putLink writes a link from start, ending at end when end is set, and
// its reverse record when the resource is a flat item.
func putLink(tx Tx, payer string, l itemLink, start, end Period) error {
	if err := putVersioned(tx, payer, kindCLILink, linkID(l.Target, l.Resource), start, end, l); err != nil {
		return err
	}
	if flat, ok := flatOf(payer, l.Resource); ok {
		return putVersioned(tx, payer, kindCLIParent, parentID(flat, l.Target), start, end, l)
	}
	return nil
}

// dropLink ends a link at start, and its reverse record.
func dropLink(tx Tx, payer string, l itemLink, start Period) error {
	drop := func(kind, id string) error {
		if err := tx.Truncate(payer, kind, id, start); err != nil {
			return err
		}
		return tx.Delete(payer, kind, id, start)
	}
	if err := drop(kindCLILink, linkID(l.Target, l.Resource)); err != nil {
		return err
	}
	if flat, ok := flatOf(payer, l.Resource); ok {
		return drop(kindCLIParent, parentID(flat, l.Target))
	}
	return nil
}

// itemParents returns the IDs of the percentage items using the flat item
// flatID at period, ordered, at most limit of them (0 = all).
func itemParents(tx Tx, payer, flatID string, at Period, limit int) ([]string, error) {
	indexed, err := itemIndexed(tx, payer, at)
	if err != nil {
		return nil, err
	}
	if indexed {
		return indexedParents(tx, payer, flatID, at, limit)
	}
	all, err := links(tx, payer, at) // ordered by link id, so by percentage item
	if err != nil {
		return nil, err
	}
	var out []string
	flatARN := ARN(payer, TypeCustomLineItem, flatID)
	for _, l := range all {
		if l.Resource == flatARN && (limit == 0 || len(out) < limit) {
			out = append(out, l.Target)
		}
	}
	return out, nil
}

// indexedParents is itemParents read from the reverse index, for a period
// it answers for.
func indexedParents(tx Tx, payer, flatID string, at Period, limit int) ([]string, error) {
	recs, err := tx.ListRange(payer, kindCLIParent, at, Range{Prefix: flatID + "/", Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID[len(flatID)+1:]
	}
	return out, nil
}

// groupItemIDs returns the IDs of the items of a billing group in force at
// period, ordered, read from the group index: at most limit of them (0 =
// all) after the ID after. ok is false when the index does not answer for
// the period (see itemIndexed).
func groupItemIDs(tx Tx, payer, groupID string, at Period, after string, limit int) (ids []string, ok bool, err error) {
	if ok, err := itemIndexed(tx, payer, at); err != nil || !ok {
		return nil, false, err
	}
	r := Range{Prefix: groupID + "/", Limit: limit}
	if after != "" {
		r.After = groupIndexID(groupID, after)
	}
	recs, err := tx.ListRange(payer, kindItemGroup, at, r)
	if err != nil {
		return nil, false, err
	}
	ids = make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID[len(groupID)+1:]
	}
	return ids, true, nil
}
