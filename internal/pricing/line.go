package pricing

import (
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/shopspring/decimal"
)

// Line item types of the CUR (lineItem/LineItemType) that the rules name.
const (
	TypeUsage                   = "Usage"
	TypeFee                     = "Fee"
	TypeTax                     = "Tax"
	TypeCredit                  = "Credit"
	TypeRefund                  = "Refund"
	TypeDiscountedUsage         = "DiscountedUsage"
	TypeRIFee                   = "RIFee"
	TypeSavingsPlanCoveredUsage = "SavingsPlanCoveredUsage"
	TypeSavingsPlanNegation     = "SavingsPlanNegation"
	TypeSavingsPlanRecurringFee = "SavingsPlanRecurringFee"
	TypeSavingsPlanUpfrontFee   = "SavingsPlanUpfrontFee"
)

// Line is one CUR line as the engine needs it. Text fields hold the CUR
// values verbatim; the zero value of an optional text field means absent.
type Line struct {
	BillingPeriod       conductor.Period
	UsageAccount        string // lineItem/UsageAccountId
	BillingEntity       string // bill/BillingEntity: AWS, AWS Marketplace, AISPL
	LineItemType        string // lineItem/LineItemType
	ProductCode         string // lineItem/ProductCode
	ServiceCode         string // product/servicecode, "" when absent
	ProductName         string // product/ProductName, "" when absent
	UsageType           string // lineItem/UsageType
	Operation           string // lineItem/Operation
	UsageAmount         decimal.Decimal
	UnblendedCost       decimal.Decimal
	PublicOnDemandCost  decimal.NullDecimal // pricing/publicOnDemandCost; Valid false when absent
	PublicOnDemandRate  decimal.NullDecimal // pricing/publicOnDemandRate; Valid false when absent
	LineItemDescription string
	SavingsPlanARN      string // savingsPlan/SavingsPlanARN
	ReservationARN      string // reservation/ReservationARN
	// FreeTier says whether the line is free-tier usage (rule 10). The zero
	// value recognizes it from the line itself; a line that sums several
	// CUR lines carries the mark their recognition gave.
	FreeTier FreeTierMark
}

// FreeTierMark tells how a Line's free-tier status is known (rule 10).
type FreeTierMark uint8

const (
	DetectFreeTier FreeTierMark = iota // recognize it from the line: IsFreeTier
	FreeTierUsage                      // the line is free-tier usage
	NotFreeTier                        // the line is not free-tier usage
)

// serviceCode is the service a SERVICE or SKU rule and a SERVICE filter
// match: product/servicecode, else the product code (rule 8 [choice]).
func serviceCode(l *Line) string {
	if l.ServiceCode != "" {
		return l.ServiceCode
	}
	return l.ProductCode
}

// productName is the PRODUCT_NAME of cost reports: product/ProductName, else
// the product code (rule 17 [choice]).
func productName(l *Line) string {
	if l.ProductName != "" {
		return l.ProductName
	}
	return l.ProductCode
}

// sku identifies a SKU: service code, usage type and operation (rule 8).
type sku struct{ service, usageType, operation string }

// skuOf returns the SKU of a line.
func skuOf(l *Line) sku { return sku{serviceCode(l), l.UsageType, l.Operation} }

// accountOfARN returns the account field of an ARN ("arn:aws:savingsplans::
// 123456789012:savingsplan/…", "arn:aws:ec2:us-east-1:123456789012:
// reserved-instances/…"), or "" when s is not an ARN with a 12-digit account.
func accountOfARN(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || !conductor.IsAccountID(parts[4]) {
		return ""
	}
	return parts[4]
}
