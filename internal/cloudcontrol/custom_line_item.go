package cloudcontrol

import (
	"context"
	"slices"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const customLineItemTypeName = "AWS::BillingConductor::CustomLineItem"

func init() {
	register(customLineItemTypeName, func(svc *conductor.Service) resourceType { return customLineItemType{svc: svc} })
}

// maxItemResourcesPerCall is the most resources one
// BatchAssociateResourcesToCustomLineItem or
// BatchDisassociateResourcesFromCustomLineItem call takes.
const maxItemResourcesPerCall = 30

// customLineItemType serves AWS::BillingConductor::CustomLineItem.
type customLineItemType struct{ svc *conductor.Service }

// itemModel is the schema's properties, in its order.
type itemModel struct {
	Name                        *string           `json:"Name,omitempty"`
	ComputationRule             *string           `json:"ComputationRule,omitempty"`
	PresentationDetails         *itemPresentation `json:"PresentationDetails,omitempty"`
	Description                 *string           `json:"Description,omitempty"`
	CustomLineItemChargeDetails *itemCharge       `json:"CustomLineItemChargeDetails,omitempty"`
	BillingGroupArn             *string           `json:"BillingGroupArn,omitempty"`
	BillingPeriodRange          *itemRange        `json:"BillingPeriodRange,omitempty"`
	Arn                         *string           `json:"Arn,omitempty"`
	CreationTime                *int64            `json:"CreationTime,omitempty"`
	LastModifiedTime            *int64            `json:"LastModifiedTime,omitempty"`
	AssociationSize             *int64            `json:"AssociationSize,omitempty"`
	ProductCode                 *string           `json:"ProductCode,omitempty"`
	CurrencyCode                *string           `json:"CurrencyCode,omitempty"`
	AccountId                   *string           `json:"AccountId,omitempty"`
	Tags                        []tag             `json:"Tags,omitempty"`
}

type itemPresentation struct {
	Service *string `json:"Service,omitempty"`
}

type itemRange struct {
	InclusiveStartBillingPeriod string `json:"InclusiveStartBillingPeriod,omitempty"`
	ExclusiveEndBillingPeriod   string `json:"ExclusiveEndBillingPeriod,omitempty"`
}

// itemCharge is the schema's CustomLineItemChargeDetails.
type itemCharge struct {
	Flat            *itemFlat       `json:"Flat,omitempty"`
	Percentage      *itemPercentage `json:"Percentage,omitempty"`
	Type            *string         `json:"Type,omitempty"`
	LineItemFilters []itemFilter    `json:"LineItemFilters,omitempty"`
}

type itemFlat struct {
	ChargeValue *float64 `json:"ChargeValue,omitempty"`
}

type itemPercentage struct {
	ChildAssociatedResources []string `json:"ChildAssociatedResources,omitempty"`
	PercentageValue          *float64 `json:"PercentageValue,omitempty"`
}

type itemFilter struct {
	Attribute       string   `json:"Attribute"`
	MatchOption     string   `json:"MatchOption"`
	Values          []string `json:"Values,omitempty"`
	AttributeValues []string `json:"AttributeValues,omitempty"`
}

func (customLineItemType) readOnly() []string {
	return []string{"Arn", "CreationTime", "LastModifiedTime", "AssociationSize", "CurrencyCode", "ProductCode"}
}

// createOnly names the top-level createOnlyProperties; both members of
// BillingPeriodRange are createOnly, so the whole range is. The nested
// /properties/CustomLineItemChargeDetails/Type is checked by update.
func (customLineItemType) createOnly() []string {
	return []string{"BillingGroupArn", "AccountId", "ComputationRule", "PresentationDetails", "BillingPeriodRange"}
}

func itemInvalid(msg string) error {
	return handlerFailure("InvalidRequest", "Model validation failed: "+msg)
}

// parseItem decodes a desired model, which validateModel has checked
// against the schema, and checks PresentationDetails' Service, which the
// service needs and the schema does not require.
func parseItem(m map[string]any) (itemModel, map[string]string, error) {
	var p itemModel
	if err := fromModel(m, &p); err != nil {
		return p, nil, err
	}
	if p.PresentationDetails != nil && p.PresentationDetails.Service == nil {
		return p, nil, itemInvalid("#/PresentationDetails: required key [Service] not found")
	}
	tags, err := tagMap(p.Tags)
	return p, tags, err
}

func itemFilters(fs []itemFilter) []conductor.LineItemFilter {
	if fs == nil {
		return nil
	}
	out := make([]conductor.LineItemFilter, 0, len(fs))
	for _, f := range fs {
		out = append(out, conductor.LineItemFilter{Attribute: f.Attribute, MatchOption: f.MatchOption,
			Values: f.Values, AttributeValues: f.AttributeValues})
	}
	return out
}

func (t customLineItemType) create(ctx context.Context, c conductor.Caller, desired map[string]any) (string, error) {
	p, tags, err := parseItem(desired)
	if err != nil {
		return "", err
	}
	in := conductor.CreateCustomLineItemInput{
		Name: *p.Name, Description: deref(p.Description), BillingGroupARN: *p.BillingGroupArn,
		AccountID: deref(p.AccountId), ComputationRule: deref(p.ComputationRule), Tags: tags,
	}
	if p.PresentationDetails != nil {
		in.PresentationService = deref(p.PresentationDetails.Service)
	}
	if r := p.BillingPeriodRange; r != nil {
		in.Range = &conductor.PeriodRange{Start: r.InclusiveStartBillingPeriod, End: r.ExclusiveEndBillingPeriod}
	}
	if ch := p.CustomLineItemChargeDetails; ch != nil {
		in.Charge = conductor.ChargeDetails{Type: *ch.Type, LineItemFilters: itemFilters(ch.LineItemFilters)}
		if ch.Flat != nil {
			in.Charge.Flat = ch.Flat.ChargeValue
		}
		if ch.Percentage != nil {
			in.Charge.Percentage = ch.Percentage.PercentageValue
			in.Charge.AssociatedValues = ch.Percentage.ChildAssociatedResources
		}
	}
	return t.svc.CreateCustomLineItem(ctx, c, in)
}

func (t customLineItemType) read(ctx context.Context, c conductor.Caller, id string) (map[string]any, error) {
	views, _, err := t.svc.ListCustomLineItems(ctx, c, conductor.ListCustomLineItemsInput{
		Filter: conductor.CustomLineItemFilter{ARNs: []string{id}}})
	if err != nil {
		return nil, err
	}
	if len(views) != 1 || views[0].ARN != id {
		return nil, notFound(customLineItemTypeName, id)
	}
	return t.model(ctx, c, views[0])
}

// model assembles an item's model: the item, its billing period range (from
// its versions), its child resources (sorted: the schema says
// insertionOrder false) and its tags (sorted by key).
func (t customLineItemType) model(ctx context.Context, c conductor.Caller, v conductor.CustomLineItemView) (map[string]any, error) {
	created, modified := v.CreationTime.Unix(), v.LastModifiedTime.Unix()
	product, currency := conductor.CustomLineItemProductCode, conductor.CurrencyUSD
	p := itemModel{
		Arn: &v.ARN, Name: &v.Name, BillingGroupArn: &v.BillingGroupARN, AccountId: &v.AccountID,
		CreationTime: &created, LastModifiedTime: &modified, AssociationSize: &v.AssociationSize,
		ProductCode: &product, CurrencyCode: &currency,
	}
	if v.Description != "" {
		p.Description = &v.Description
	}
	if v.ComputationRule != "" {
		p.ComputationRule = &v.ComputationRule
	}
	if v.PresentationService != "" {
		p.PresentationDetails = &itemPresentation{Service: &v.PresentationService}
	}
	ch := &itemCharge{Type: &v.Type}
	for _, f := range v.LineItemFilters {
		ch.LineItemFilters = append(ch.LineItemFilters, itemFilter{Attribute: f.Attribute, MatchOption: f.MatchOption,
			Values: slices.Sorted(slices.Values(f.Values)), AttributeValues: slices.Sorted(slices.Values(f.AttributeValues))})
	}
	slices.SortFunc(ch.LineItemFilters, func(a, b itemFilter) int {
		return strings.Compare(a.Attribute+"|"+a.MatchOption, b.Attribute+"|"+b.MatchOption)
	})
	if v.Flat != nil {
		ch.Flat = &itemFlat{ChargeValue: v.Flat}
	}
	if v.Percentage != nil {
		ch.Percentage = &itemPercentage{PercentageValue: v.Percentage}
		pg := conductor.Page{}
		for {
			res, _, next, err := t.svc.ListResourcesAssociatedToCustomLineItem(ctx, c, v.ARN, "", conductor.RelationshipChild, pg)
			if err != nil {
				return nil, err
			}
			for _, r := range res {
				ch.Percentage.ChildAssociatedResources = append(ch.Percentage.ChildAssociatedResources, r.ARN)
			}
			if next == "" {
				break
			}
			pg.NextToken = next
		}
		slices.Sort(ch.Percentage.ChildAssociatedResources)
	}
	p.CustomLineItemChargeDetails = ch
	r, err := t.periodRange(ctx, c, v.ARN)
	if err != nil {
		return nil, err
	}
	p.BillingPeriodRange = r
	if p.Tags, err = readTags(ctx, t.svc, c, v.ARN); err != nil {
		return nil, err
	}
	return normalize(p)
}

// periodRange is the range an item's versions cover: the first version's
// start and the last version's end (none when open-ended).
func (t customLineItemType) periodRange(ctx context.Context, c conductor.Caller, arn string) (*itemRange, error) {
	var r *itemRange
	pg := conductor.Page{}
	for {
		versions, next, err := t.svc.ListCustomLineItemVersions(ctx, c, conductor.ListCustomLineItemVersionsInput{ARN: arn, Page: pg})
		if err != nil {
			return nil, err
		}
		for _, v := range versions {
			start, end := string(v.StartBillingPeriod), string(v.EndBillingPeriod)
			if r == nil {
				r = &itemRange{InclusiveStartBillingPeriod: start, ExclusiveEndBillingPeriod: end}
				continue
			}
			if start < r.InclusiveStartBillingPeriod {
				r.InclusiveStartBillingPeriod = start
			}
			if r.ExclusiveEndBillingPeriod != "" && (end == "" || end > r.ExclusiveEndBillingPeriod) {
				r.ExclusiveEndBillingPeriod = end
			}
		}
		if next == "" {
			return r, nil
		}
		pg.NextToken = next
	}
}

func (t customLineItemType) update(ctx context.Context, c conductor.Caller, id string, current, desired map[string]any) error {
	var cur itemModel
	if err := fromModel(current, &cur); err != nil {
		return err
	}
	want, wantTags, err := parseItem(desired)
	if err != nil {
		return err
	}
	curCh, wantCh := cur.CustomLineItemChargeDetails, want.CustomLineItemChargeDetails
	if curCh == nil {
		curCh = &itemCharge{}
	}
	if wantCh == nil {
		wantCh = &itemCharge{}
	}
	if deref(curCh.Type) != deref(wantCh.Type) {
		return handlerFailure("NotUpdatable", "Property #/CustomLineItemChargeDetails/Type cannot be updated.")
	}
	in := conductor.UpdateCustomLineItemInput{ARN: id,
		Name: changedText(want.Name, cur.Name), Description: changedText(want.Description, cur.Description)}
	var charge conductor.ChargeDetails
	changed := false
	if wantCh.Flat != nil && (curCh.Flat == nil || *wantCh.Flat.ChargeValue != itemValue(curCh.Flat.ChargeValue)) {
		charge.Flat, changed = wantCh.Flat.ChargeValue, true
	}
	if wantCh.Percentage != nil && (curCh.Percentage == nil || *wantCh.Percentage.PercentageValue != itemValue(curCh.Percentage.PercentageValue)) {
		charge.Percentage, changed = wantCh.Percentage.PercentageValue, true
	}
	if !jsonEqual(itemFilterSet(curCh.LineItemFilters), itemFilterSet(wantCh.LineItemFilters)) {
		charge.LineItemFilters = itemFilters(wantCh.LineItemFilters)
		if charge.LineItemFilters == nil {
			charge.LineItemFilters = []conductor.LineItemFilter{}
		}
		changed = true
	}
	if changed {
		in.Charge = &charge
	}
	if in.Name != nil || in.Description != nil || in.Charge != nil {
		if _, err := t.svc.UpdateCustomLineItem(ctx, c, in); err != nil {
			return err
		}
	}
	var curChildren, wantChildren []string
	if curCh.Percentage != nil {
		curChildren = curCh.Percentage.ChildAssociatedResources
	}
	if wantCh.Percentage != nil {
		wantChildren = wantCh.Percentage.ChildAssociatedResources
	}
	removed, added := difference(curChildren, wantChildren), difference(wantChildren, curChildren)
	for chunk := range slices.Chunk(removed, maxItemResourcesPerCall) {
		res, err := t.svc.BatchDisassociateResourcesFromCustomLineItem(ctx, c, id, chunk, nil)
		if err := itemBatchError(res, err); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(added, maxItemResourcesPerCall) {
		res, err := t.svc.BatchAssociateResourcesToCustomLineItem(ctx, c, id, chunk, nil)
		if err := itemBatchError(res, err); err != nil {
			return err
		}
	}
	return t.retag(ctx, c, id, cur.Tags, wantTags)
}

// retag turns the tags of a resource from cur into want.
func (t customLineItemType) retag(ctx context.Context, c conductor.Caller, id string, cur []tag, want map[string]string) error {
	curTags, _ := tagMap(cur)
	return retag(ctx, t.svc, c, id, curTags, want)
}

// itemBatchError is the first failure of a batch (dis)association.
func itemBatchError(res []conductor.ResourceResult, err error) error {
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Reason != "" {
			return handlerFailure("InvalidRequest", r.Reason+": "+r.ARN+": "+r.Message)
		}
	}
	return nil
}

// itemFilterSet is filters as parsed JSON, in a canonical order.
func itemFilterSet(fs []itemFilter) any {
	if len(fs) == 0 {
		return nil
	}
	keyed := map[string]any{}
	for _, f := range fs {
		f.Values = slices.Sorted(slices.Values(f.Values))
		f.AttributeValues = slices.Sorted(slices.Values(f.AttributeValues))
		m, err := normalize(f)
		if err != nil {
			return modelString(map[string]any{"error": err.Error()})
		}
		keyed[modelString(m)] = m
	}
	return keyed
}

func itemValue(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func (t customLineItemType) delete(ctx context.Context, c conductor.Caller, id string) error {
	if _, err := t.read(ctx, c, id); err != nil {
		return err
	}
	_, err := t.svc.DeleteCustomLineItem(ctx, c, id, nil)
	return err
}

func (t customLineItemType) list(ctx context.Context, c conductor.Caller, pg conductor.Page) ([]resourceDescription, string, error) {
	views, next, err := t.svc.ListCustomLineItems(ctx, c, conductor.ListCustomLineItemsInput{Page: pg})
	if err != nil {
		return nil, "", err
	}
	out, err := describe(views, func(v conductor.CustomLineItemView) string { return v.ARN }, func(v conductor.CustomLineItemView) (map[string]any, error) {
		return t.model(ctx, c, v)
	})
	return out, next, err
}
