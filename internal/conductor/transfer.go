package conductor

import (
	"context"
	"time"
)

// applyTransfer turns g into the TRANSFER_BILLING group of an inbound billing
// transfer of the payer (BG-7, BG-10, BG-13): its primary account is the bill
// source, its members are the bill source's accounts, there is one group per
// bill source, and it is PENDING until the transfer starts.
func applyTransfer(tx Tx, payer string, g *BillingGroup, arn string, period Period, now time.Time) ([]string, error) {
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
	if other, ok, err := sourceGroup(tx, payer, t.SourceAccount, period); err != nil || ok {
		if err == nil {
			err = Invalid("BILLING_GROUP_ALREADY_EXIST_IN_CURRENT_BILLING_PERIOD",
				"Billing group %s already exists for bill source %s.", other.Name, t.SourceAccount).withField(field)
		}
		return nil, err
	}
	g.Type, g.ResponsibilityTransferARN, g.PrimaryAccountID = TypeTransferBilling, arn, t.SourceAccount
	if t.Start != nil && now.Before(*t.Start) {
		g.Status, g.StatusReason = StatusPending, "The billing transfer starts on "+t.Start.Format(time.DateOnly)+"."
	}
	return append([]string{t.SourceAccount}, t.SourceMembers...), nil
}

// sourceGroup returns the billing transfer group of a bill source at
// period, if there is one: the group its account is a member of (every
// transfer group has its bill source as primary account and member, and a
// bill source, outside the family, can be in no other group).
func sourceGroup(tx Tx, payer, source string, period Period) (BillingGroup, bool, error) {
	var g BillingGroup
	id, err := membershipOf(tx, payer, source, period)
	if err != nil || id == "" {
		return g, false, err
	}
	ok, err := getJSON(tx, payer, kindBillingGroup, id, period, &g)
	return g, ok && g.Type == TypeTransferBilling && g.PrimaryAccountID == source, err
}

// TypeTransfer is the resource type of billing transfers in errors.
const TypeTransfer = "transfer"

// TransferPreference is the auto-creation preference of an inbound billing
// transfer (BT-2 to BT-6): with Enabled, billing groups for indirect
// transfers accepted later are created with PricingPlanARN.
type TransferPreference struct {
	TransferARN      string
	Enabled          bool
	PricingPlanARN   string
	LastModifiedTime time.Time // zero when never set
}

func loadTransfer(tx Tx, payer, arn string) error {
	_, ok, err := tx.Get(payer, kindTransfer, arn, Timeless)
	if err == nil && !ok {
		err = NotFound(TypeTransfer, arn)
	}
	return err
}

// GetBillingTransferPreference returns the preference of a transfer of the
// caller; one never set reads Enabled=false without LastModifiedTime.
func (s *Service) GetBillingTransferPreference(ctx context.Context, c Caller, arn string) (TransferPreference, error) {
	pref := TransferPreference{TransferARN: arn}
	err := s.view(ctx, func(tx Tx) error {
		if err := loadTransfer(tx, c.Account, arn); err != nil {
			return err
		}
		_, err := getJSON(tx, c.Account, kindTransferPreference, arn, Timeless, &pref)
		return err
	})
	return pref, err
}

// UpdateBillingTransferPreferenceInput is the input of UpdateBillingTransferPreference.
type UpdateBillingTransferPreferenceInput struct {
	Idempotency
	TransferARN    string
	Enabled        bool
	PricingPlanARN string
}

// UpdateBillingTransferPreference sets a transfer's preference: Enabled
// requires a pricing plan, disabled forbids one (BT-3).
func (s *Service) UpdateBillingTransferPreference(ctx context.Context, c Caller, in UpdateBillingTransferPreferenceInput) (TransferPreference, error) {
	const field = "AutoBillingTransferBillingGroupCreation.PricingPlanArn"
	if in.Enabled == (in.PricingPlanARN == "") {
		return TransferPreference{}, Invalid("OTHER", "Enabled=true requires PricingPlanArn and Enabled=false forbids it.").withField(field)
	}
	period, now := s.CurrentPeriod(), s.now()
	pref := TransferPreference{TransferARN: in.TransferARN, Enabled: in.Enabled, LastModifiedTime: now}
	err := s.update(ctx, func(tx Tx) error {
		if err := loadTransfer(tx, c.Account, in.TransferARN); err != nil {
			return err
		}
		if _, done, err := replay(tx, c.Account, "UpdateBillingTransferPreference", in.Idempotency, now, TypeTransfer); err != nil || done {
			if done {
				_, err = getJSON(tx, c.Account, kindTransferPreference, in.TransferARN, Timeless, &pref)
			}
			return err
		}
		if in.Enabled {
			id, managed, err := planRef(c.Account, field, in.PricingPlanARN)
			if err != nil {
				return err
			}
			plan, ok, err := loadPlan(tx, c.Account, id, managed, period)
			if err != nil {
				return err
			}
			if !ok {
				return NotFound(TypePricingPlan, in.PricingPlanARN)
			}
			pref.PricingPlanARN = plan.ARN
		}
		if err := putJSON(tx, c.Account, kindTransferPreference, in.TransferARN, Timeless, pref); err != nil {
			return err
		}
		return remember(tx, c.Account, "UpdateBillingTransferPreference", in.Idempotency, in.TransferARN, now)
	})
	return pref, err
}

// preferenceUsing returns an enabled preference that names the plan (PP-6).
func preferenceUsing(tx Tx, payer, planARN string) (TransferPreference, bool, error) {
	prefs, err := listJSON[TransferPreference](tx, payer, kindTransferPreference, Timeless)
	for _, p := range prefs {
		if p.Enabled && p.PricingPlanARN == planARN {
			return p, true, err
		}
	}
	return TransferPreference{}, false, err
}
