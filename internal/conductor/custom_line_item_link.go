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

// links returns the live links at period.
func links(tx Tx, payer string, at Period) ([]itemLink, error) {
	return listJSON[itemLink](tx, payer, kindCLILink, at)
}

// associate links resources to a percentage item; per-resource problems are
// results, not errors.
func associate(tx Tx, payer string, target CustomLineItem, refs []string, start, end Period) ([]ResourceResult, error) {
	all, err := links(tx, payer, start)
	if err != nil {
		return nil, err
	}
	var results []ResourceResult
	for _, ref := range refs {
		arn, reason, msg, err := resolveResource(tx, payer, target, ref, start)
		if err != nil {
			return nil, err
		}
		if reason == "" {
			reason, msg = linkQuota(all, target.ID, arn)
		}
		if reason == "" && !hasLink(all, target.ID, arn) {
			l := itemLink{Target: target.ID, Resource: arn}
			if err := putVersioned(tx, payer, kindCLILink, linkID(l.Target, l.Resource), start, end, l); err != nil {
				return nil, err
			}
			all = append(all, l)
		}
		results = append(results, ResourceResult{ARN: orRef(arn, ref), Reason: reason, Message: msg})
	}
	return results, nil
}

func orRef(arn, ref string) string {
	if arn == "" {
		return ref
	}
	return arn
}

func hasLink(all []itemLink, target, resource string) bool {
	for _, l := range all {
		if l.Target == target && l.Resource == resource {
			return true
		}
	}
	return false
}

// linkQuota applies the source and parent limits (CLI-7).
func linkQuota(all []itemLink, target, resource string) (string, string) {
	var sources, parents int
	for _, l := range all {
		if l.Target == target {
			sources++
		}
		if l.Resource == resource {
			parents++
		}
	}
	if hasLink(all, target, resource) {
		return "", ""
	}
	if sources >= QuotaSourcesPerPercentage.Limit {
		return "SERVICE_LIMIT_EXCEEDED", fmt.Sprintf("At most %d %s.", QuotaSourcesPerPercentage.Limit, QuotaSourcesPerPercentage.Description)
	}
	if strings.Contains(resource, ":"+TypeCustomLineItem+"/") && parents >= QuotaPercentagePerFlat.Limit {
		return "SERVICE_LIMIT_EXCEEDED", fmt.Sprintf("At most %d %s.", QuotaPercentagePerFlat.Limit, QuotaPercentagePerFlat.Description)
	}
	return "", ""
}

// linkInitialValues links Percentage.AssociatedValues given at creation;
// here a bad value fails the whole request.
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
	id := linkID(item.ID, arn)
	if _, ok, err := tx.Get(payer, kindCLILink, id, start); err != nil || !ok {
		return ResourceResult{ARN: arn}, err
	}
	if err := tx.Truncate(payer, kindCLILink, id, start); err != nil {
		return ResourceResult{}, err
	}
	return ResourceResult{ARN: arn}, tx.Delete(payer, kindCLILink, id, start)
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
	var itemARN string
	err = s.view(ctx, func(tx Tx) error {
		item, err := loadItem(tx, c.Account, "Arn", arn, period, NotFound(TypeCustomLineItem, arn))
		if err != nil {
			return err
		}
		itemARN = ARN(c.Account, TypeCustomLineItem, item.ID)
		out, err = associatedResources(tx, c.Account, item, itemARN, period)
		return err
	})
	if err != nil {
		return nil, "", "", err
	}
	if relationship != "" {
		out = filterRelationship(out, relationship)
	}
	listing := listingID("ListResourcesAssociatedToCustomLineItem", period, []string{itemARN, relationship})
	page, next, err := paginate(out, func(r AssociatedResource) string { return r.ARN }, listing, pg, 100)
	return page, itemARN, next, err
}

func filterRelationship(rs []AssociatedResource, relationship string) []AssociatedResource {
	var out []AssociatedResource
	for _, r := range rs {
		if r.Relationship == relationship {
			out = append(out, r)
		}
	}
	return out
}

func associatedResources(tx Tx, payer string, item CustomLineItem, itemARN string, period Period) ([]AssociatedResource, error) {
	all, err := links(tx, payer, period)
	if err != nil {
		return nil, err
	}
	var out []AssociatedResource
	for _, l := range all {
		var r AssociatedResource
		switch {
		case l.Target == item.ID:
			r = AssociatedResource{ARN: l.Resource, Relationship: RelationshipChild}
		case l.Resource == itemARN:
			r = AssociatedResource{ARN: ARN(payer, TypeCustomLineItem, l.Target), Relationship: RelationshipParent}
		default:
			continue
		}
		if r.EndBillingPeriod, err = endAfter(tx, payer, kindCLILink, linkID(l.Target, l.Resource), period); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
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

// associationSizes counts, per item ID, its resources (percentage) or the
// percentage items using it (flat), at period.
func associationSizes(tx Tx, payer string, period Period) (map[string]int64, error) {
	all, err := links(tx, payer, period)
	sizes := map[string]int64{}
	prefix := ARN(payer, TypeCustomLineItem, "")
	for _, l := range all {
		sizes[l.Target]++
		if flat, ok := strings.CutPrefix(l.Resource, prefix); ok {
			sizes[flat]++
		}
	}
	return sizes, err
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
