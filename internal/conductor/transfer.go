package conductor

import "time"

// applyTransfer turns g into the TRANSFER_BILLING group of an inbound billing
// transfer of the payer (BG-7, BG-10, BG-13): its primary account is the bill
// source, its members are the bill source's accounts, there is one group per
// bill source, and it is PENDING until the transfer starts.
func applyTransfer(tx Tx, payer string, g *BillingGroup, arn string, groups []BillingGroup, now time.Time) ([]string, error) {
	const field = "AccountGrouping.ResponsibilityTransferArn"
	var t Transfer
	ok, err := getJSON(tx, payer, kindTransfer, arn, Timeless, &t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Invalid("INVALID_ARN", "%s is not an inbound billing transfer of account %s.", arn, payer).withField(field)
	}
	if g.PrimaryAccountID != "" && g.PrimaryAccountID != t.SourceAccount {
		return nil, Invalid("ILLEGAL_PRIMARY_ACCOUNT", "The primary account of a billing transfer group is its bill source %s.",
			t.SourceAccount).withField("PrimaryAccountId")
	}
	for _, other := range groups {
		if other.ResponsibilityTransferARN == arn || (other.Type == TypeTransferBilling && other.PrimaryAccountID == t.SourceAccount) {
			return nil, Invalid("BILLING_GROUP_ALREADY_EXIST_IN_CURRENT_BILLING_PERIOD",
				"Billing group %s already exists for bill source %s.", other.Name, t.SourceAccount).withField(field)
		}
	}
	g.Type, g.ResponsibilityTransferARN, g.PrimaryAccountID = TypeTransferBilling, arn, t.SourceAccount
	if t.Start != nil && now.Before(*t.Start) {
		g.Status, g.StatusReason = StatusPending, "The billing transfer starts on "+t.Start.Format(time.DateOnly)+"."
	}
	return append([]string{t.SourceAccount}, t.SourceMembers...), nil
}
