package cur

// Line item types (lineItem/LineItemType, line_item_line_item_type). The
// values are case-sensitive, as AWS writes them.
const (
	LineItemUsage                   = "Usage"
	LineItemDiscountedUsage         = "DiscountedUsage"
	LineItemSavingsPlanCoveredUsage = "SavingsPlanCoveredUsage"
	LineItemSavingsPlanNegation     = "SavingsPlanNegation"
	LineItemSavingsPlanUpfrontFee   = "SavingsPlanUpfrontFee"
	LineItemSavingsPlanRecurringFee = "SavingsPlanRecurringFee"
	LineItemRIFee                   = "RIFee"
	LineItemFee                     = "Fee"
	LineItemRefund                  = "Refund"
	LineItemCredit                  = "Credit"
	LineItemTax                     = "Tax"
	LineItemBundledDiscount         = "BundledDiscount"
	LineItemEdpDiscount             = "EdpDiscount"
	LineItemPrivateRateDiscount     = "PrivateRateDiscount"
	LineItemSppDiscount             = "SppDiscount"
	LineItemDistributorDiscount     = "DistributorDiscount"
	LineItemRiVolumeDiscount        = "RiVolumeDiscount"
)

// LineItemTypes is the one list of accepted line item types: the values
// documented for lineItem/LineItemType (docs.aws.amazon.com/cur/latest/userguide/
// Lineitem-columns.html) plus the discount line items AWS writes when
// discounts are itemized ("manual discount compatibility" in CUR 2.0). A row
// with any other value is refused with [ErrLineItemType]; add new AWS values
// here. Callers must not modify it.
var LineItemTypes = []string{
	LineItemUsage,
	LineItemDiscountedUsage,
	LineItemSavingsPlanCoveredUsage,
	LineItemSavingsPlanNegation,
	LineItemSavingsPlanUpfrontFee,
	LineItemSavingsPlanRecurringFee,
	LineItemRIFee,
	LineItemFee,
	LineItemRefund,
	LineItemCredit,
	LineItemTax,
	LineItemBundledDiscount,
	LineItemEdpDiscount,
	LineItemPrivateRateDiscount,
	LineItemSppDiscount,
	LineItemDistributorDiscount,
	LineItemRiVolumeDiscount,
}

var knownLineItemTypes = func() map[string]string {
	m := make(map[string]string, len(LineItemTypes))
	for _, t := range LineItemTypes {
		m[t] = t
	}
	return m
}()

// canonicalLineItemType returns the interned constant for a known type, so a
// Record's LineItemType does not pin the row's memory.
func canonicalLineItemType(s string) (string, bool) {
	t, ok := knownLineItemTypes[s]
	return t, ok
}
