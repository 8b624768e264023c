package pricing

import (
	"strings"

	"github.com/shopspring/decimal"
)

// excludedTypes are the line item types left out of pro forma (rule 5
// [choice]): credits, refunds, taxes and non-public discounts.
// BundledDiscount is public and stays.
var excludedTypes = map[string]bool{
	TypeCredit: true, TypeRefund: true, TypeTax: true,
	"EdpDiscount": true, "PrivateRateDiscount": true, "SppDiscount": true,
	"DistributorDiscount": true, "RiVolumeDiscount": true,
}

// excluded reports whether a line stays out of pro forma by its type or
// product (rule 5): the excluded types above, and support charges (product
// codes starting with AWSSupport, and OCBPremiumSupport).
func excluded(l *Line) bool {
	return excludedTypes[l.LineItemType] ||
		strings.HasPrefix(l.ProductCode, "AWSSupport") || l.ProductCode == "OCBPremiumSupport"
}

// inAWSCost reports whether a line counts in a group's AWSCost: every line
// of its accounts except Tax (rule 15 [choice]).
func inAWSCost(l *Line) bool { return l.LineItemType != TypeTax }

// baseCost is the cost of a line before rules (rule 4): the public
// on-demand cost, else (Marketplace, some fees) the unblended cost.
func baseCost(l *Line) decimal.Decimal {
	if HasPublicCost(l) {
		return l.PublicOnDemandCost.Decimal
	}
	return l.UnblendedCost
}

// HasPublicCost reports whether a line has a public on-demand cost (rule
// 4). [choice] A public cost of 0 on a line that was billed (unblended cost
// not 0) and has no public rate counts as none: CURs write 0 rather than
// nothing there — Athena Parquet for every missing value (Spot usage),
// CSV on fees — and pricing such a line at 0 would make it free.
func HasPublicCost(l *Line) bool {
	p := l.PublicOnDemandCost
	return p.Valid && !(p.Decimal.IsZero() && !l.UnblendedCost.IsZero() && !l.PublicOnDemandRate.Valid)
}

// commitment classifies a line by its role in a Savings Plan or Reserved
// Instance (rule 6).
type commitment int

const (
	onDemand      commitment = iota // not a commitment line
	spCovered                       // SavingsPlanCoveredUsage
	riCovered                       // DiscountedUsage
	spNegation                      // SavingsPlanNegation
	commitmentFee                   // SP and RI fees, and a Fee line carrying an SP or RI ARN (upfront)
)

// commitmentOf returns the commitment role of a line (rule 6).
func commitmentOf(l *Line) commitment {
	switch l.LineItemType {
	case TypeSavingsPlanCoveredUsage:
		return spCovered
	case TypeDiscountedUsage:
		return riCovered
	case TypeSavingsPlanNegation:
		return spNegation
	case TypeSavingsPlanRecurringFee, TypeSavingsPlanUpfrontFee, TypeRIFee:
		return commitmentFee
	case TypeFee:
		if l.SavingsPlanARN != "" || l.ReservationARN != "" {
			return commitmentFee
		}
	}
	return onDemand
}

// commitmentOwner is the account that bought the line's Savings Plan or
// Reserved Instance: the account inside its ARN (rule 6 [choice]). A line
// without a parsable ARN is taken to be its usage account's own commitment.
func commitmentOwner(l *Line) string {
	arn := l.SavingsPlanARN
	if arn == "" {
		arn = l.ReservationARN
	}
	if owner := accountOfARN(arn); owner != "" {
		return owner
	}
	return l.UsageAccount
}

// negationBase is the base of a SavingsPlanNegation line (rule 6): minus its
// public cost when the CUR fills one, else its (negative) unblended cost. A
// negation's public cost column is empty or 0 in CURs seen so far; the sign
// is forced so either convention nets the covered usage out.
func negationBase(l *Line) decimal.Decimal {
	if l.PublicOnDemandCost.Valid && !l.PublicOnDemandCost.Decimal.IsZero() {
		return l.PublicOnDemandCost.Decimal.Abs().Neg()
	}
	return l.UnblendedCost
}
