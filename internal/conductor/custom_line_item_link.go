package conductor

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Relationships of ListResourcesAssociatedToCustomLineItem (CLI-9).
const (
	RelationshipChild  = "CHILD"  // a resource of a percentage item
	RelationshipParent = "PARENT" // a percentage item using a flat item
)

// itemLink associates a percentage item with one of its resources: its
// billing group, or a flat item of that group.
type itemLink struct {
	Target   string // percentage item ID
	Resource string // full ARN
}

func linkID(target, resource string) string { return target + "/" + resource }

// ResourceResult is one resource of a batch (dis)association; Reason is
// empty on success.
type ResourceResult struct {
	ARN     string
	Reason  string
	Message string
	quota   *Quota // the limit a SERVICE_LIMIT_EXCEEDED result hit
}

var associationElement = regexp.MustCompile(`^(arn:aws:billingconductor::([0-9]{12}):(customlineitem|billinggroup)/)?([a-zA-Z0-9]{10,12})$`)

// resolveResource returns the full ARN of a resource a percentage item can
// use, or the per-item failure reason.
func resolveResource(tx Tx, payer string, target CustomLineItem, ref string, at Period) (string, string, string, error) {
	m := associationElement.FindStringSubmatch(ref)
	if m == nil || (m[2] != "" && m[2] != payer) {
		return "", "INVALID_ARN", fmt.Sprintf("%s is not a billing group or custom line item ARN of account %s.", ref, payer), nil
	}
	kind := m[3]
	if kind == "" && len(m[4]) == 12 && IsAccountID(m[4]) {
		kind = TypeBillingGroup
	} else if kind == "" {
		kind = TypeCustomLineItem
	}
	if kind == TypeBillingGroup {
		if m[4] != target.BillingGroupID {
			return "", "ILLEGAL_CUSTOMLINEITEM", "A custom line item can only use its own billing group.", nil
		}
		return ARN(payer, TypeBillingGroup, m[4]), "", "", nil
	}
	var item CustomLineItem
	ok, err := getJSON(tx, payer, kindCustomLineItem, m[4], at, &item)
	switch {
	case err != nil:
		return "", "", "", err
	case !ok:
		return "", "INVALID_ARN", fmt.Sprintf("Custom line item %s does not exist in %s.", ref, at), nil
	case item.Percentage != nil:
		return "", "ILLEGAL_CUSTOMLINEITEM", "A percentage custom line item cannot be the resource of another.", nil
	case item.BillingGroupID != target.BillingGroupID:
		return "", "ILLEGAL_CUSTOMLINEITEM", "A flat custom line item of another billing group cannot be used.", nil
	}
	return ARN(payer, TypeCustomLineItem, item.ID), "", "", nil
}

// links returns every live link of the payer at period. The custom line
// item operations read it only for a period the indexes do not answer for
// (custom_line_item_index.go); a cost report reads it (groupsAsOf).
func links(tx Tx, payer string, at Period) ([]itemLink, error) {
	return listJSON[itemLink](tx, payer, kindCLILink, at)
}

// associate links resources to a percentage item; per-resource problems are
// results, not errors. It reads the target's links and, for a flat
// resource, the percentage items using it: never the payer's other links.
func associate(tx Tx, payer string, target CustomLineItem, refs []string, start, end Period) ([]ResourceResult, error) {
	if err := ensureItemIndexes(tx, payer, start); err != nil {
		return nil, err
	}
	resources, err := itemResources(tx, payer, target.ID, start)
	if err != nil {
		return nil, err
	}
	linked := map[string]bool{}
	for _, r := range resources {
		linked[r] = true
	}
	var results []ResourceResult
	for _, ref := range refs {
		arn, reason, msg, err := resolveResource(tx, payer, target, ref, start)
		if err != nil {
			return nil, err
		}
		var quota *Quota
		if reason == "" && !linked[arn] {
			if quota, err = linkQuota(tx, payer, len(linked), arn, start); err != nil {
				return nil, err
			}
			if quota != nil {
				reason, msg = "SERVICE_LIMIT_EXCEEDED", fmt.Sprintf("At most %d %s.", quota.Limit, quota.Description)
			} else {
				if err := putLink(tx, payer, itemLink{Target: target.ID, Resource: arn}, start, end); err != nil {
					return nil, err
				}
				linked[arn] = true
			}
		}
		results = append(results, ResourceResult{ARN: orRef(arn, ref), Reason: reason, Message: msg, quota: quota})
	}
	return results, nil
}

func orRef(arn, ref string) string {
	if arn == "" {
		return ref
	}
	return arn
}

// linkQuota applies the source and parent limits (CLI-7) to a new link of
// a percentage item that has sources resources already: the limit the
// link would break, or nil.
func linkQuota(tx Tx, payer string, sources int, resource string, at Period) (*Quota, error) {
	if sources >= QuotaSourcesPerPercentage.Limit {
		return &QuotaSourcesPerPercentage, nil
	}
	flat, ok := flatOf(payer, resource)
	if !ok {
		return nil, nil
	}
	parents, err := itemParents(tx, payer, flat, at, QuotaPercentagePerFlat.Limit)
	if err != nil || len(parents) < QuotaPercentagePerFlat.Limit {
		return nil, err
	}
	return &QuotaPercentagePerFlat, nil
}

// linkInitialValues links Percentage.AssociatedValues given at creation;
// here a bad value fails the whole request, and a limit it hits is the
// create's ServiceLimitExceededException (§12), as for the item itself.
func linkInitialValues(tx Tx, payer string, item CustomLineItem, refs []string, start, end Period) error {
	if len(refs) == 0 {
		return nil
	}
	if item.Percentage == nil {
		return Invalid("ILLEGAL_CHARGE_DETAILS", "Only percentage custom line items have associated values.").
			withField("ChargeDetails.Percentage.AssociatedValues")
	}
	results, err := associate(tx, payer, item, refs, start, end)
	if err != nil {
		return err
	}
	for i, r := range results {
		if r.quota != nil {
			return LimitExceeded(*r.quota, TypeCustomLineItem, r.ARN)
		}
		if r.Reason != "" {
			return Invalid("ILLEGAL_RESOURCE_ARNS", "%s", r.Message).withField(fmt.Sprintf("ChargeDetails.Percentage.AssociatedValues[%d]", i))
		}
	}
	return nil
}

// loadItem returns the custom line item in force at period.
func loadItem(tx Tx, payer, field, arn string, at Period, missing error) (CustomLineItem, error) {
	var item CustomLineItem
	ref, ok := ParseRef(arn, TypeCustomLineItem)
	if !ok || !ref.OwnedBy(payer) {
		return item, Invalid("MISMATCHED_CUSTOMLINEITEM_ARN", "%s is not a custom line item of account %s.", arn, payer).withField(field)
	}
	found, err := getJSON(tx, payer, kindCustomLineItem, ref.ID, at, &item)
	if err == nil && !found {
		err = missing
	}
	return item, err
}

// loadPercentageTarget resolves the TargetArn of a batch call: a percentage
// item existing at period.
func loadPercentageTarget(tx Tx, payer, arn string, at Period) (CustomLineItem, error) {
	item, err := loadItem(tx, payer, "TargetArn", arn, at, NotFound(TypeCustomLineItem, arn))
	if err == nil && item.Percentage == nil {
		err = Invalid("ILLEGAL_CUSTOMLINEITEM", "Resources are associated with percentage custom line items; %s is flat.", arn).
			withField("TargetArn")
	}
	return item, err
}

// BatchAssociateResourcesToCustomLineItem links up to 30 resources to a
// percentage item, reporting each resource's outcome.
func (s *Service) BatchAssociateResourcesToCustomLineItem(ctx context.Context, c Caller, target string, refs []string, r *PeriodRange) ([]ResourceResult, error) {
	return s.batchOnTarget(ctx, c, target, r, func(tx Tx, item CustomLineItem, start, end Period) ([]ResourceResult, error) {
		if end == "" { // a link ends with its item
			var err error
			if end, err = endAfter(tx, c.Account, kindCustomLineItem, item.ID, start); err != nil {
				return nil, err
			}
		}
		return associate(tx, c.Account, item, refs, start, end)
	})
}

// BatchDisassociateResourcesFromCustomLineItem unlinks up to 30 resources
// from the start of the range on. Unlinking a resource that is not linked
// succeeds (the operation is idempotent).
func (s *Service) BatchDisassociateResourcesFromCustomLineItem(ctx context.Context, c Caller, target string, refs []string, r *PeriodRange) ([]ResourceResult, error) {
	return s.batchOnTarget(ctx, c, target, r, func(tx Tx, item CustomLineItem, start, _ Period) ([]ResourceResult, error) {
		if err := ensureItemIndexes(tx, c.Account, start); err != nil {
			return nil, err
		}
		var results []ResourceResult
		for _, ref := range refs {
			res, err := disassociate(tx, c.Account, item, ref, start)
			if err != nil {
				return nil, err
			}
			results = append(results, res)
		}
		return results, nil
	})
}

// batchOnTarget resolves the range and the percentage target of a batch
// call and runs apply in one write transaction.
func (s *Service) batchOnTarget(ctx context.Context, c Caller, target string, r *PeriodRange,
	apply func(tx Tx, item CustomLineItem, start, end Period) ([]ResourceResult, error)) ([]ResourceResult, error) {
	start, end, err := s.itemPeriods(r, false)
	if err != nil {
		return nil, err
	}
	var results []ResourceResult
	err = s.update(ctx, func(tx Tx) error {
		item, err := loadPercentageTarget(tx, c.Account, target, start)
		if err != nil {
			return err
		}
		results, err = apply(tx, item, start, end)
		return err
	})
	return results, err
}

func disassociate(tx Tx, payer string, item CustomLineItem, ref string, start Period) (ResourceResult, error) {
	arn, reason, msg, err := resolveResource(tx, payer, item, ref, start)
	if err != nil || reason != "" {
		return ResourceResult{ARN: orRef(arn, ref), Reason: reason, Message: msg}, err
	}
	if _, ok, err := tx.Get(payer, kindCLILink, linkID(item.ID, arn), start); err != nil || !ok {
		return ResourceResult{ARN: arn}, err
	}
	return ResourceResult{ARN: arn}, dropLink(tx, payer, itemLink{Target: item.ID, Resource: arn}, start)
}

// AssociatedResource is one row of ListResourcesAssociatedToCustomLineItem.
type AssociatedResource struct {
	ARN              string
	Relationship     string
	EndBillingPeriod Period
}

// ListResourcesAssociatedToCustomLineItem lists the resources of a
// percentage item (CHILD) or the percentage items using a flat item (PARENT).
func (s *Service) ListResourcesAssociatedToCustomLineItem(ctx context.Context, c Caller, arn, billingPeriod, relationship string, pg Page) ([]AssociatedResource, string, string, error) {
	period, err := s.readPeriod(billingPeriod)
	if err != nil {
		return nil, "", "", err
	}
	var out []AssociatedResource
	var itemARN, next string
	err = s.view(ctx, func(tx Tx) error {
		item, err := loadItem(tx, c.Account, "Arn", arn, period, NotFound(TypeCustomLineItem, arn))
		if err != nil {
			return err
		}
		itemARN = ARN(c.Account, TypeCustomLineItem, item.ID)
		all, err := associatedResources(tx, c.Account, item, period, relationship)
		if err != nil {
			return err
		}
		listing := listingID(c.Account, "ListResourcesAssociatedToCustomLineItem", period, []string{itemARN, relationship})
		if out, next, err = paginate(all, func(r AssociatedResource) string { return r.ARN }, listing, pg, 100); err != nil {
			return err
		}
		return linkEnds(tx, c.Account, item.ID, itemARN, out, period)
	})
	if err != nil {
		return nil, "", "", err
	}
	return out, itemARN, next, nil
}

// associatedResources returns the resources of a percentage item (CHILD:
// its links) or the percentage items using a flat item (PARENT: the
// reverse index), with the relationship asked for ("" = both), without
// their ends. A percentage item is no one's resource and a flat item has
// none, so only one direction is read.
func associatedResources(tx Tx, payer string, item CustomLineItem, period Period, relationship string) ([]AssociatedResource, error) {
	var out []AssociatedResource
	if item.Percentage != nil && (relationship == "" || relationship == RelationshipChild) {
		resources, err := itemResources(tx, payer, item.ID, period)
		if err != nil {
			return nil, err
		}
		for _, r := range resources {
			out = append(out, AssociatedResource{ARN: r, Relationship: RelationshipChild})
		}
	}
	if item.Percentage == nil && (relationship == "" || relationship == RelationshipParent) {
		parents, err := itemParents(tx, payer, item.ID, period, 0)
		if err != nil {
			return nil, err
		}
		for _, p := range parents {
			out = append(out, AssociatedResource{ARN: ARN(payer, TypeCustomLineItem, p), Relationship: RelationshipParent})
		}
	}
	return out, nil
}

// linkEnds sets the EndBillingPeriod of a page of associatedResources of
// the item itemID: the end of each one's link.
func linkEnds(tx Tx, payer, itemID, itemARN string, page []AssociatedResource, period Period) error {
	for i, r := range page {
		id := linkID(itemID, r.ARN)
		if r.Relationship == RelationshipParent {
			id = linkID(r.ARN[strings.LastIndex(r.ARN, "/")+1:], itemARN)
		}
		end, err := endAfter(tx, payer, kindCLILink, id, period)
		if err != nil {
			return err
		}
		page[i].EndBillingPeriod = end
	}
	return nil
}

// endAfter returns the period of the first version after period that ends
// the record, or "" when it stays open.
func endAfter(tx Tx, ns, kind, id string, period Period) (Period, error) {
	versions, err := tx.Versions(ns, kind, id)
	for _, v := range versions {
		if v.Period > period && v.Deleted {
			return v.Period, err
		}
	}
	return "", err
}

// associationSizes counts, per item ID of items, its resources
// (percentage) or the percentage items using it (flat), at period: the
// links of those items only, where the reverse index answers.
func associationSizes(tx Tx, payer string, items []CustomLineItem, period Period) (map[string]int64, error) {
	sizes := map[string]int64{}
	indexed, err := itemIndexed(tx, payer, period)
	if err != nil {
		return nil, err
	}
	if !indexed { // a store older than the index: one scan of the period
		all, err := links(tx, payer, period)
		for _, l := range all {
			sizes[l.Target]++
			if flat, ok := flatOf(payer, l.Resource); ok {
				sizes[flat]++
			}
		}
		return sizes, err
	}
	for _, item := range items {
		var n int
		if item.Percentage != nil {
			recs, err := tx.ListRange(payer, kindCLILink, period, Range{Prefix: item.ID + "/"})
			if err != nil {
				return nil, err
			}
			n = len(recs)
		} else {
			parents, err := indexedParents(tx, payer, item.ID, period, 0)
			if err != nil {
				return nil, err
			}
			n = len(parents)
		}
		if n > 0 {
			sizes[item.ID] = int64(n)
		}
	}
	return sizes, nil
}

// itemResources returns the ARNs of the resources linked to a percentage
// item at period, ordered: the links whose id starts with the item's ID.
func itemResources(tx Tx, payer, itemID string, at Period) ([]string, error) {
	recs, err := tx.ListRange(payer, kindCLILink, at, Range{Prefix: itemID + "/"})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		var l itemLink
		if err := json.Unmarshal(r.Data, &l); err != nil {
			return nil, err
		}
		out = append(out, l.Resource)
	}
	return out, nil
}
