package conductor

import (
	"slices"
	"sort"
)

// listItems returns one page of the custom line items in force at period
// that match the filter, in ID order (a stable key: a page resumes after
// the last ID of the one before), and the next token. What it reads
// depends on the filter, so that its cost follows what it returns:
//
//   - with Arns: just those items, with one Get each;
//   - with BillingGroups: the named groups' items, through the group
//     index (custom_line_item_index.go), merged in ID order; a period the
//     index does not answer for is scanned as below;
//   - otherwise: a keyset over the payer's items.
//
// AccountIds and Names, and the members above when several are given,
// are applied while reading.
func listItems(tx Tx, payer string, at Period, f CustomLineItemFilter, listing string, pg Page) ([]CustomLineItem, string, error) {
	keep := f.matcher(payer)
	switch {
	case f.ARNs != nil:
		return itemPage(tx, payer, at, keep, listing, pg, idsAfter(sortedKeys(f.itemIDs(payer))))
	case f.BillingGroups != nil:
		indexed, err := itemIndexed(tx, payer, at)
		if err != nil {
			return nil, "", err
		}
		if indexed {
			return itemPage(tx, payer, at, keep, listing, pg, groupsAfter(tx, payer, at, sortedKeys(f.groupIDs(payer))))
		}
	}
	return jsonKeyset[CustomLineItem](kindCustomLineItem, keep).page(tx, payer, at, listing, pg, 100)
}

// itemSource returns, in order, at most n IDs of candidate items after the
// ID after; done is set when there is none after those.
type itemSource func(after string, n int) (ids []string, done bool, err error)

// itemPage reads the page after the token from the candidates of next,
// with one Get each, keeping the live items keep accepts: the keyset of
// page.go over IDs that come from elsewhere than the items' own records.
func itemPage(tx Tx, payer string, at Period, keep func(CustomLineItem) bool, listing string, pg Page, next itemSource) ([]CustomLineItem, string, error) {
	after, err := tokenAfter(listing, pg.NextToken)
	if err != nil {
		return nil, "", err
	}
	size := pg.size(100)
	batch := size + 1 // one more tells whether a next page exists
	var out []CustomLineItem
	last := ""
	for {
		ids, done, err := next(after, batch)
		if err != nil {
			return nil, "", err
		}
		for _, id := range ids {
			var item CustomLineItem
			ok, err := getJSON(tx, payer, kindCustomLineItem, id, at, &item)
			if err != nil {
				return nil, "", err
			}
			if ok && keep(item) {
				if len(out) == size {
					return out, encodeToken(pageToken{Listing: listing, After: last}), nil
				}
				out, last = append(out, item), id
			}
			after = id
		}
		if done || len(ids) == 0 {
			return out, "", nil
		}
		batch = max(batch, 100) // filtered: read on in larger batches
	}
}

// idsAfter is the source of a sorted list of IDs.
func idsAfter(ids []string) itemSource {
	return func(after string, n int) ([]string, bool, error) {
		i := sort.Search(len(ids), func(i int) bool { return ids[i] > after })
		end := min(i+n, len(ids))
		return ids[i:end], end == len(ids), nil
	}
}

// groupsAfter is the source of the items of billing groups (sorted, no
// duplicates), from the group index: each group gives at most n IDs after
// after, and the first n of them all are the first n of the union.
func groupsAfter(tx Tx, payer string, at Period, groups []string) itemSource {
	return func(after string, n int) ([]string, bool, error) {
		var ids []string
		done := true
		for _, g := range groups {
			more, _, err := groupItemIDs(tx, payer, g, at, after, n)
			if err != nil {
				return nil, false, err
			}
			ids = append(ids, more...)
			done = done && len(more) < n
		}
		slices.Sort(ids)
		if len(ids) > n {
			ids, done = ids[:n], false
		}
		return ids, done, nil
	}
}

// itemIDs is the set of item IDs the Arns filter names for payer.
func (f CustomLineItemFilter) itemIDs(payer string) map[string]bool {
	ids := map[string]bool{}
	for _, a := range f.ARNs {
		if ref, ok := ParseRef(a, TypeCustomLineItem); ok && ref.OwnedBy(payer) {
			ids[ref.ID] = true
		}
	}
	return ids
}

// groupIDs is the set of billing group IDs the BillingGroups filter names.
func (f CustomLineItemFilter) groupIDs(payer string) map[string]bool {
	groups := map[string]bool{}
	for _, a := range f.BillingGroups {
		if id, err := billingGroupRef(payer, "", a); err == nil {
			groups[id] = true
		}
	}
	return groups
}

// matcher compiles the filter into a predicate; members combine with AND.
func (f CustomLineItemFilter) matcher(payer string) func(CustomLineItem) bool {
	ids, groups := f.itemIDs(payer), f.groupIDs(payer)
	return func(i CustomLineItem) bool {
		return (f.AccountIDs == nil || slices.Contains(f.AccountIDs, i.AccountID)) &&
			(f.ARNs == nil || ids[i.ID]) &&
			(f.BillingGroups == nil || groups[i.BillingGroupID]) &&
			(f.Names == nil || slices.Contains(f.Names, i.Name))
	}
}
