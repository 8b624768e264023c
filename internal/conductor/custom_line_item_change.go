package conductor

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// UpdateCustomLineItemInput is the input of UpdateCustomLineItem; nil members
// are unchanged.
type UpdateCustomLineItemInput struct {
	ARN         string
	Name        *string
	Description *string
	Charge      *ChargeDetails // Flat, Percentage and LineItemFilters only
	Range       *PeriodRange
}

// UpdateCustomLineItem changes an item from the range's start (the current
// or previous period; default current) on: the version in force then and
// every later version. The billing group, account, charge kind and type are
// fixed (CLI-4).
func (s *Service) UpdateCustomLineItem(ctx context.Context, c Caller, in UpdateCustomLineItemInput) (CustomLineItemView, error) {
	if in.Name != nil {
		if err := validateName("Name", *in.Name); err != nil {
			return CustomLineItemView{}, err
		}
	}
	start, end, err := s.itemPeriods(in.Range, false)
	if err != nil {
		return CustomLineItemView{}, err
	}
	now := s.now()
	var view CustomLineItemView
	err = s.update(ctx, func(tx Tx) error {
		item, err := loadItem(tx, c.Account, "Arn", in.ARN, start, NotFound(TypeCustomLineItem, in.ARN))
		if err != nil {
			return err
		}
		if err := checkUpdateEnd(tx, c.Account, item.ID, start, end); err != nil {
			return err
		}
		wasFiltered := itemFiltered.matches(item)
		if err := applyItemUpdate(&item, in, now); err != nil {
			return err
		}
		if !wasFiltered && itemFiltered.matches(item) {
			if err := checkFilteredRoom(tx, c.Account, item, start); err != nil {
				return err
			}
		}
		err = trackItem(tx, c.Account, item.ID, start, func() error {
			if err := updateLaterVersions(tx, c.Account, item.ID, start, in, now); err != nil {
				return err
			}
			return putJSON(tx, c.Account, kindCustomLineItem, item.ID, start, item)
		})
		if err != nil {
			return err
		}
		view, err = itemView(tx, c.Account, item, start)
		return err
	})
	return view, err
}

// checkFilteredRoom refuses filters added by an update when the item's
// group already has QuotaFilteredItemsPerGroup filtered items: the limit
// holds however an item got its filters. UpdateCustomLineItem models no
// ServiceLimitExceededException, so it is ILLEGAL_LINE_ITEM_FILTER.
func checkFilteredRoom(tx Tx, payer string, item CustomLineItem, start Period) error {
	if err := ensureItemCounters(tx, payer, start); err != nil {
		return err
	}
	n, err := itemFiltered.get(tx, payer, itemFiltered.key(item), start)
	if err != nil || n < QuotaFilteredItemsPerGroup.Limit {
		return err
	}
	return Invalid("ILLEGAL_LINE_ITEM_FILTER", "Billing group %s already has %d custom line items with line item filters.",
		ARN(payer, TypeBillingGroup, item.BillingGroupID), QuotaFilteredItemsPerGroup.Limit).withField("ChargeDetails.LineItemFilters")
}

// checkUpdateEnd accepts an ExclusiveEndBillingPeriod only when it repeats
// the item's own end: an update applies from its start on, and an item is
// ended with DeleteCustomLineItem.
func checkUpdateEnd(tx Tx, payer, id string, start, end Period) error {
	if end == "" {
		return nil
	}
	current, err := endAfter(tx, payer, kindCustomLineItem, id, start)
	if err == nil && current != end {
		err = Invalid("ILLEGAL_CUSTOMLINEITEM_UPDATE", "An update applies from its start period on; end the item with DeleteCustomLineItem.").
			withField("BillingPeriodRange.ExclusiveEndBillingPeriod")
	}
	return err
}

func applyItemUpdate(item *CustomLineItem, in UpdateCustomLineItemInput, now time.Time) error {
	if in.Name != nil {
		item.Name = *in.Name
	}
	if in.Description != nil {
		item.Description = *in.Description
	}
	item.LastModifiedTime = now
	ch := in.Charge
	if ch == nil {
		return nil
	}
	switch {
	case ch.Flat != nil && ch.Percentage != nil:
		return Invalid("ILLEGAL_CHARGE_DETAILS", "ChargeDetails takes at most one of Flat and Percentage.").withField("ChargeDetails")
	case ch.Flat != nil && item.Flat == nil:
		return Invalid("ILLEGAL_UPDATE_CHARGE_DETAILS", "A percentage custom line item cannot become flat.").withField("ChargeDetails.Flat")
	case ch.Percentage != nil && item.Percentage == nil:
		return Invalid("ILLEGAL_UPDATE_CHARGE_DETAILS", "A flat custom line item cannot become a percentage.").withField("ChargeDetails.Percentage")
	case ch.LineItemFilters != nil && item.Flat != nil:
		return Invalid("ILLEGAL_LINE_ITEM_FILTER", "Line item filters apply to percentage custom line items only.").withField("ChargeDetails.LineItemFilters")
	}
	if err := validateFilters(ch.LineItemFilters); err != nil {
		return err
	}
	if ch.Flat != nil {
		item.Flat = ch.Flat
	}
	if ch.Percentage != nil {
		item.Percentage = ch.Percentage
	}
	if ch.LineItemFilters != nil {
		item.LineItemFilters = ch.LineItemFilters
	}
	return nil
}

// updateLaterVersions applies the update to the versions after start.
func updateLaterVersions(tx Tx, payer, id string, start Period, in UpdateCustomLineItemInput, now time.Time) error {
	versions, err := tx.Versions(payer, kindCustomLineItem, id)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if v.Period <= start || v.Deleted {
			continue
		}
		var later CustomLineItem
		if err := json.Unmarshal(v.Data, &later); err != nil {
			return err
		}
		if err := applyItemUpdate(&later, in, now); err != nil {
			return err
		}
		if err := putJSON(tx, payer, kindCustomLineItem, id, v.Period, later); err != nil {
			return err
		}
	}
	return nil
}

// DeleteCustomLineItem removes an item from the range's start (current or
// previous period; default current) on, or for that one month when the
// range ends the month after. A flat item still used by a percentage item
// cannot be deleted; a percentage item removed from the start on loses its
// resources there (a link ends with its item). The operation has no modeled
// ResourceNotFoundException: an unknown item is MISSING_CUSTOMLINEITEM.
func (s *Service) DeleteCustomLineItem(ctx context.Context, c Caller, arn string, r *PeriodRange) (string, error) {
	start, end, err := s.itemPeriods(r, false)
	if err != nil {
		return "", err
	}
	var out string
	err = s.update(ctx, func(tx Tx) error {
		item, err := loadItem(tx, c.Account, "Arn", arn, start,
			Invalid("MISSING_CUSTOMLINEITEM", "Custom line item %s does not exist in %s.", arn, start).withField("Arn"))
		if err != nil {
			return err
		}
		out = ARN(c.Account, TypeCustomLineItem, item.ID)
		if err := checkNoParents(tx, c.Account, item.ID, start); err != nil {
			return err
		}
		if end == "" && item.Percentage != nil { // its links end with it
			if err := dropItemLinks(tx, c.Account, item, start); err != nil {
				return err
			}
		}
		return trackItem(tx, c.Account, item.ID, start, func() error { return removeItem(tx, c.Account, item.ID, start, end) })
	})
	return out, err
}

// checkNoParents refuses to delete a flat item a percentage item uses at
// period: one read of the reverse index (custom_line_item_index.go).
func checkNoParents(tx Tx, payer, itemID string, period Period) error {
	if err := ensureItemIndexes(tx, payer, period); err != nil {
		return err
	}
	parents, err := itemParents(tx, payer, itemID, period, 1)
	if err != nil || len(parents) == 0 {
		return err
	}
	return Invalid("CUSTOM_LINE_ITEM_ASSOCIATION_EXISTS", "Percentage custom line item %s uses %s; disassociate it first.",
		ARN(payer, TypeCustomLineItem, parents[0]), ARN(payer, TypeCustomLineItem, itemID)).withField("Arn")
}

// removeItem ends the item at start, or takes out the month [start, end)
// when end is set and the item goes on after it.
func removeItem(tx Tx, payer, id string, start, end Period) error {
	if end == "" {
		if err := tx.Truncate(payer, kindCustomLineItem, id, start); err != nil {
			return err
		}
		return tx.Delete(payer, kindCustomLineItem, id, start)
	}
	after, live, err := tx.Get(payer, kindCustomLineItem, id, end)
	if err != nil {
		return err
	}
	if err := tx.Delete(payer, kindCustomLineItem, id, start); err != nil {
		return err
	}
	if !live {
		return nil
	}
	return tx.Put(payer, kindCustomLineItem, id, end, after)
}

// deleteGroupItems deletes the custom line items of a billing group from
// at on, where the group's deletion starts (DeleteBillingGroup): an item
// belongs to one group for its lifetime (CLI-2), so none outlives it.
// Recurring items and items started earlier end at at, as with
// DeleteCustomLineItem; their earlier versions stay. Every change goes
// through an itemChange, which moves the counters and the group index.
//
// The items are those of the group index at at and at the month after:
// an item taken out of this month only (removeItem) is live again then,
// and no version starts later (an item change ends at most a month after
// the current period). The links of the items end at at too: the
// resources of the group's percentage items (the group itself or flat
// items, both of the same group: resolveResource) and the percentage
// items using its flat items (the reverse index). Everything read is the
// group's own: its index records, items and links.
func deleteGroupItems(tx Tx, payer, groupID string, at Period) error {
	if err := ensureItemIndexes(tx, payer, at); err != nil {
		return err
	}
	seen := map[string]bool{}
	var items []CustomLineItem
	for _, p := range []Period{at, at.Next()} {
		found, err := groupItems(tx, payer, groupID, p)
		if err != nil {
			return err
		}
		for _, item := range found {
			if !seen[item.ID] {
				seen[item.ID] = true
				items = append(items, item)
			}
		}
	}
	for _, item := range items {
		if err := dropItemLinks(tx, payer, item, at); err != nil {
			return err
		}
		if err := trackItem(tx, payer, item.ID, at, func() error { return removeItem(tx, payer, item.ID, at, "") }); err != nil {
			return err
		}
	}
	return nil
}

// dropItemLinks ends at at the links live then whose target or resource is
// item: its resources when it is a percentage item, the percentage items
// using it when it is flat.
func dropItemLinks(tx Tx, payer string, item CustomLineItem, at Period) error {
	if item.Percentage != nil {
		resources, err := itemResources(tx, payer, item.ID, at)
		if err != nil {
			return err
		}
		for _, r := range resources {
			if err := dropLink(tx, payer, itemLink{Target: item.ID, Resource: r}, at); err != nil {
				return err
			}
		}
		return nil
	}
	parents, err := indexedParents(tx, payer, item.ID, at, 0)
	if err != nil {
		return err
	}
	for _, p := range parents {
		if err := dropLink(tx, payer, itemLink{Target: p, Resource: ARN(payer, TypeCustomLineItem, item.ID)}, at); err != nil {
			return err
		}
	}
	return nil
}

func itemView(tx Tx, payer string, item CustomLineItem, period Period) (CustomLineItemView, error) {
	sizes, err := associationSizes(tx, payer, []CustomLineItem{item}, period)
	return newItemView(payer, item, sizes), err
}

func newItemView(payer string, item CustomLineItem, sizes map[string]int64) CustomLineItemView {
	return CustomLineItemView{
		CustomLineItem: item, ARN: ARN(payer, TypeCustomLineItem, item.ID),
		BillingGroupARN: ARN(payer, TypeBillingGroup, item.BillingGroupID), AssociationSize: sizes[item.ID],
	}
}

// CustomLineItemFilter is ListCustomLineItemsFilter; members combine with AND.
type CustomLineItemFilter struct {
	AccountIDs    []string
	ARNs          []string
	BillingGroups []string
	Names         []string
}

// ListCustomLineItemsInput is the input of ListCustomLineItems.
type ListCustomLineItemsInput struct {
	BillingPeriod string
	Filter        CustomLineItemFilter
	Page
}

// ListCustomLineItems lists the items in force in a period, in ID order
// (custom_line_item_list.go).
func (s *Service) ListCustomLineItems(ctx context.Context, c Caller, in ListCustomLineItemsInput) ([]CustomLineItemView, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", err
	}
	listing := listingID(c.Account, "ListCustomLineItems", period, in.Filter)
	var views []CustomLineItemView
	var next string
	err = s.view(ctx, func(tx Tx) error {
		items, token, err := listItems(tx, c.Account, period, in.Filter, listing, in.Page)
		if err != nil {
			return err
		}
		next = token
		sizes, err := associationSizes(tx, c.Account, items, period)
		for _, item := range items {
			views = append(views, newItemView(c.Account, item, sizes))
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return views, next, nil
}

// ListCustomLineItemVersionsInput is the input of ListCustomLineItemVersions.
type ListCustomLineItemVersionsInput struct {
	ARN         string
	StartPeriod string // versions in force at or after it
	EndPeriod   string // versions starting at or before it
	Page
}

// ListCustomLineItemVersions lists every version of an item with the
// periods it covers. The operation has no modeled ResourceNotFoundException:
// an unknown item is MISSING_CUSTOMLINEITEM.
func (s *Service) ListCustomLineItemVersions(ctx context.Context, c Caller, in ListCustomLineItemVersionsInput) ([]CustomLineItemView, string, error) {
	ref, ok := ParseRef(in.ARN, TypeCustomLineItem)
	if !ok || !ref.OwnedBy(c.Account) {
		return nil, "", Invalid("MISMATCHED_CUSTOMLINEITEM_ARN", "%s is not a custom line item of account %s.", in.ARN, c.Account).withField("Arn")
	}
	var views []CustomLineItemView
	err := s.view(ctx, func(tx Tx) error {
		versions, err := tx.Versions(c.Account, kindCustomLineItem, ref.ID)
		if err != nil {
			return err
		}
		views, err = versionViews(tx, c.Account, versions)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(views) == 0 {
		return nil, "", Invalid("MISSING_CUSTOMLINEITEM", "Custom line item %s does not exist.", in.ARN).withField("Arn")
	}
	views = slices.DeleteFunc(views, func(v CustomLineItemView) bool {
		return (in.StartPeriod != "" && v.EndBillingPeriod != "" && string(v.EndBillingPeriod) <= normalPeriod(in.StartPeriod)) ||
			(in.EndPeriod != "" && string(v.StartBillingPeriod) > normalPeriod(in.EndPeriod))
	})
	listing := listingID(c.Account, "ListCustomLineItemVersions", "", in.ARN+"|"+in.StartPeriod+"|"+in.EndPeriod)
	return paginate(views, func(v CustomLineItemView) string { return string(v.StartBillingPeriod) }, listing, in.Page, 100)
}

func normalPeriod(s string) string {
	if p, ok := ParsePeriod(s); ok {
		return string(p)
	}
	return s
}

// versionViews turns record versions into item versions with their ranges.
func versionViews(tx Tx, payer string, versions []Version) ([]CustomLineItemView, error) {
	var views []CustomLineItemView
	for i, v := range versions {
		if v.Deleted {
			continue
		}
		var item CustomLineItem
		if err := json.Unmarshal(v.Data, &item); err != nil {
			return nil, err
		}
		view, err := itemView(tx, payer, item, v.Period)
		if err != nil {
			return nil, err
		}
		view.StartBillingPeriod = v.Period
		if i+1 < len(versions) {
			view.EndBillingPeriod = versions[i+1].Period
		}
		views = append(views, view)
	}
	return views, nil
}
