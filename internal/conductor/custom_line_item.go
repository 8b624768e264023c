package conductor

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Custom line item charge types, computation rules and the display defaults.
const (
	ChargeFee               = "FEE"
	ChargeCredit            = "CREDIT"
	ComputationItemized     = "ITEMIZED"
	ComputationConsolidated = "CONSOLIDATED"
	// DefaultPresentationService is the service a charge is shown under (CLI-12).
	DefaultPresentationService = "AWSBillingConductor"
	// CustomLineItemProductCode is the ProductCode of every custom line item.
	CustomLineItemProductCode = "AWSBillingConductor"
	CurrencyUSD               = "USD"
)

// The per-billing-group limits of BEHAVIOR.md §12 that concern custom line items.
var (
	QuotaFilteredItemsPerGroup = Quota{"L-FILTERED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP", "custom line items with line item filters per billing group", 10}
	QuotaItemizedPerGroup      = Quota{"L-ITEMIZED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP", "custom line items with the ITEMIZED computation rule per billing group", 5}
	QuotaSourcesPerPercentage  = Quota{"L-SOURCES-PER-PERCENTAGE-CUSTOM-LINE-ITEM", "source values per percentage custom line item", 100}
	QuotaPercentagePerFlat     = Quota{"L-PERCENTAGE-CUSTOM-LINE-ITEMS-PER-FLAT", "percentage custom line items per flat custom line item", 100}
)

// CustomLineItem is a fee or credit of a billing group: a flat amount, or a
// percentage of its associated resources (the group's cost and/or flat
// items of the group). Each record version is the item in force from its
// period on.
type CustomLineItem struct {
	ID                  string
	Name                string
	Description         string
	BillingGroupID      string
	AccountID           string   // the member account that receives the charge
	Type                string   // FEE or CREDIT
	Flat                *float64 // ChargeValue in USD, for a flat item
	Percentage          *float64 // PercentageValue, for a percentage item
	LineItemFilters     []LineItemFilter
	ComputationRule     string
	PresentationService string
	CreationTime        time.Time
	LastModifiedTime    time.Time
}

// LineItemFilter narrows the base of a percentage item (CLI-10).
type LineItemFilter struct {
	Attribute       string
	MatchOption     string
	Values          []string
	AttributeValues []string
}

// CustomLineItemView is a custom line item as reads return it.
type CustomLineItemView struct {
	CustomLineItem
	ARN             string
	BillingGroupARN string
	AssociationSize int64
	// StartBillingPeriod and EndBillingPeriod bound a version ("" = open end).
	StartBillingPeriod Period
	EndBillingPeriod   Period
}

// PeriodRange is a BillingPeriodRange as the caller gave it.
type PeriodRange struct {
	Start string
	End   string
}

// ChargeDetails is the charge of a create or an update; nil members are
// absent (on update: unchanged).
type ChargeDetails struct {
	Type             string
	Flat             *float64
	Percentage       *float64
	AssociatedValues []string
	LineItemFilters  []LineItemFilter // nil: absent
}

// itemPeriods resolves the BillingPeriodRange of a custom line item
// operation. The start is the current or the previous period (BP-8); the
// end, when given, is the month after the start (CLI-3: the service team's
// statement in TF-1863). With no range at all, the item covers the current
// period only when oneMonth is set, else the current period on.
func (s *Service) itemPeriods(r *PeriodRange, oneMonth bool) (start, end Period, err error) {
	current := s.CurrentPeriod()
	if r == nil {
		if oneMonth {
			return current, current.Next(), nil
		}
		return current, "", nil
	}
	start, ok := ParsePeriod(r.Start)
	if !ok || (start != current && start != current.Prev()) {
		return "", "", Invalid("ILLEGAL_BILLING_PERIOD", "Custom line items can change in the current period %s or the previous one, not %s.",
			current, r.Start).withField("BillingPeriodRange.InclusiveStartBillingPeriod")
	}
	if r.End == "" {
		return start, "", nil
	}
	end, ok = ParsePeriod(r.End)
	if !ok || end != start.Next() {
		return "", "", Invalid("ILLEGAL_BILLING_PERIOD_RANGE", "The exclusive end of a custom line item range is empty or the month after its start (%s).",
			start.Next()).withField("BillingPeriodRange.ExclusiveEndBillingPeriod")
	}
	return start, end, nil
}

// validateCharge checks charge details at creation (CLI-1, CLI-10, CLI-11).
func validateCharge(c ChargeDetails, computationRule string) error {
	if (c.Flat == nil) == (c.Percentage == nil) {
		return Invalid("ILLEGAL_CHARGE_DETAILS", "ChargeDetails takes exactly one of Flat and Percentage.").withField("ChargeDetails")
	}
	if c.Flat != nil && len(c.LineItemFilters) > 0 {
		return Invalid("ILLEGAL_LINE_ITEM_FILTER", "Line item filters apply to percentage custom line items only.").withField("ChargeDetails.LineItemFilters")
	}
	if c.Flat != nil && computationRule == ComputationItemized {
		return Invalid("ILLEGAL_COMPUTATION_RULE", "A flat custom line item is CONSOLIDATED.").withField("ComputationRule")
	}
	return validateFilters(c.LineItemFilters)
}

// validateFilters accepts the two documented filters: LINE_ITEM_TYPE
// NOT_EQUAL [SAVINGS_PLAN_NEGATION], and SERVICE EQUAL one service code.
func validateFilters(filters []LineItemFilter) error {
	for i, f := range filters {
		savingsPlans := f.Attribute == "LINE_ITEM_TYPE" && f.MatchOption == "NOT_EQUAL" &&
			len(f.Values) == 1 && f.Values[0] == "SAVINGS_PLAN_NEGATION" && len(f.AttributeValues) == 0
		service := f.Attribute == "SERVICE" && f.MatchOption == "EQUAL" && len(f.AttributeValues) == 1 && len(f.Values) == 0
		if !savingsPlans && !service {
			return Invalid("ILLEGAL_LINE_ITEM_FILTER",
				"Supported filters: LINE_ITEM_TYPE NOT_EQUAL Values [SAVINGS_PLAN_NEGATION], or SERVICE EQUAL AttributeValues [one service code].").
				withField(fmt.Sprintf("ChargeDetails.LineItemFilters[%d]", i))
		}
	}
	return nil
}

// CreateCustomLineItemInput is the input of CreateCustomLineItem.
type CreateCustomLineItemInput struct {
	Idempotency
	Name                string
	Description         string
	BillingGroupARN     string
	Range               *PeriodRange
	Charge              ChargeDetails
	AccountID           string
	ComputationRule     string
	PresentationService string
	Tags                map[string]string
}

// CreateCustomLineItem creates a custom line item for its period range and
// returns its ARN.
func (s *Service) CreateCustomLineItem(ctx context.Context, c Caller, in CreateCustomLineItemInput) (string, error) {
	if in.ComputationRule == "" {
		in.ComputationRule = ComputationConsolidated
	}
	if in.PresentationService == "" {
		in.PresentationService = DefaultPresentationService
	}
	if err := firstError(validateName("Name", in.Name), validateTags("Tags", in.Tags),
		validateCharge(in.Charge, in.ComputationRule)); err != nil {
		return "", err
	}
	start, end, err := s.itemPeriods(in.Range, true)
	if err != nil {
		return "", err
	}
	now := s.now()
	var arn string
	err = s.update(ctx, func(tx Tx) error {
		id, done, err := replay(tx, c.Account, "CreateCustomLineItem", in.Idempotency, now, TypeCustomLineItem)
		if err != nil || done {
			arn = ARN(c.Account, TypeCustomLineItem, id)
			return err
		}
		item, err := s.newCustomLineItem(tx, c, in, start, now)
		if err != nil {
			return err
		}
		arn = ARN(c.Account, TypeCustomLineItem, item.ID)
		itemEnd, err := groupBoundEnd(tx, c.Account, item.BillingGroupID, start, end)
		if err != nil {
			return err
		}
		err = trackItem(tx, c.Account, item.ID, start, func() error {
			return putVersioned(tx, c.Account, kindCustomLineItem, item.ID, start, itemEnd, item)
		})
		if err != nil {
			return err
		}
		if err := linkInitialValues(tx, c.Account, item, in.Charge.AssociatedValues, start, itemEnd); err != nil {
			return err
		}
		if err := putTags(tx, c.Account, arn, in.Tags); err != nil {
			return err
		}
		return remember(tx, c.Account, "CreateCustomLineItem", in.Idempotency, item.ID, now)
	})
	return arn, err
}

// groupBoundEnd is the end of a new item of the billing group groupID
// from start: end, or where the group ends when the item would otherwise
// go on after it. A group deleted in the current period still exists in
// the previous one, where an item can start; the item ends with the group,
// as the group's items did when it was deleted (deleteGroupItems).
func groupBoundEnd(tx Tx, payer, groupID string, start, end Period) (Period, error) {
	groupEnd, err := endAfter(tx, payer, kindBillingGroup, groupID, start)
	if err != nil || groupEnd == "" || (end != "" && end <= groupEnd) {
		return end, err
	}
	return groupEnd, nil
}

func (s *Service) newCustomLineItem(tx Tx, c Caller, in CreateCustomLineItemInput, start Period, now time.Time) (CustomLineItem, error) {
	item := CustomLineItem{
		ID: s.ids.Alphanumeric(10), Name: in.Name, Description: in.Description, AccountID: in.AccountID,
		Type: in.Charge.Type, Flat: in.Charge.Flat, Percentage: in.Charge.Percentage, LineItemFilters: in.Charge.LineItemFilters,
		ComputationRule: in.ComputationRule, PresentationService: in.PresentationService, CreationTime: now, LastModifiedTime: now,
	}
	g, err := loadGroup(tx, c.Account, in.BillingGroupARN, start,
		Invalid("MISSING_BILLINGGROUP", "Billing group %s does not exist in %s.", in.BillingGroupARN, start).withField("BillingGroupArn"))
	if err != nil {
		return item, fieldOf(err, "Arn", "BillingGroupArn")
	}
	item.BillingGroupID = g.ID
	if item.AccountID == "" {
		item.AccountID = g.PrimaryAccountID
	}
	if !IsAccountID(item.AccountID) { // as AssociateAccounts answers it (the model's pattern is searched, MI-6)
		return item, Invalid("ILLEGAL_ACCOUNTS", "%s is not a 12-digit account ID.", item.AccountID).withField("AccountId")
	}
	if group, err := membershipOf(tx, c.Account, item.AccountID, start); err != nil || group != g.ID {
		if err != nil {
			return item, err
		}
		return item, Invalid("ILLEGAL_ACCOUNT_ID", "Account %s is not a member of billing group %s in %s.", item.AccountID, g.Name, start).
			withField("AccountId")
	}
	return item, checkItemQuotas(tx, c.Account, item, start)
}

// checkItemQuotas applies the payer and billing group limits to a new
// item, reading the counters in force at start (custom_line_item_count.go).
func checkItemQuotas(tx Tx, payer string, item CustomLineItem, start Period) error {
	if err := ensureItemCounters(tx, payer, start); err != nil {
		return err
	}
	groupARN := ARN(payer, TypeBillingGroup, item.BillingGroupID)
	checks := []struct {
		counter itemCounter
		limit   int
		err     error
	}{
		{itemTotal, QuotaCustomLineItems.Limit, LimitExceeded(QuotaCustomLineItems, TypeCustomLineItem, "")},
		{itemFiltered, QuotaFilteredItemsPerGroup.Limit, LimitExceeded(QuotaFilteredItemsPerGroup, TypeBillingGroup, groupARN)},
		{itemItemized, QuotaItemizedPerGroup.Limit, Invalid("ILLEGAL_COMPUTATION_RULE", "Billing group %s already has %d ITEMIZED custom line items.",
			groupARN, QuotaItemizedPerGroup.Limit).withField("ComputationRule")},
	}
	for _, ch := range checks {
		if !ch.counter.matches(item) {
			continue
		}
		n, err := ch.counter.get(tx, payer, ch.counter.key(item), start)
		if err != nil || n >= ch.limit {
			return cmp.Or(err, ch.err)
		}
	}
	return nil
}

// putVersioned stores v from start, ending at end when end is set.
func putVersioned(tx Tx, ns, kind, id string, start, end Period, v any) error {
	if err := putJSON(tx, ns, kind, id, start, v); err != nil {
		return err
	}
	if end == "" {
		return nil
	}
	return tx.Delete(ns, kind, id, end)
}

// fieldOf renames the field of a validation error raised by a shared helper.
func fieldOf(err error, from, to string) error {
	if e, ok := AsError(err); ok {
		for i := range e.Fields {
			if e.Fields[i].Name == from {
				e.Fields[i].Name = to
			}
		}
	}
	return err
}

// groupItems returns the custom line items of a billing group in force at
// period, ordered by ID: the group's records of the group index, where it
// answers (custom_line_item_index.go), else a scan of the period.
func groupItems(tx Tx, payer, groupID string, at Period) ([]CustomLineItem, error) {
	ids, indexed, err := groupItemIDs(tx, payer, groupID, at, "", 0)
	if err != nil {
		return nil, err
	}
	if !indexed {
		items, err := listJSON[CustomLineItem](tx, payer, kindCustomLineItem, at)
		return slices.DeleteFunc(items, func(i CustomLineItem) bool { return i.BillingGroupID != groupID }), err
	}
	items := make([]CustomLineItem, 0, len(ids))
	for _, id := range ids {
		var item CustomLineItem
		if ok, err := getJSON(tx, payer, kindCustomLineItem, id, at, &item); err != nil {
			return nil, err
		} else if ok {
			items = append(items, item)
		}
	}
	return items, nil
}
