package conductor

import (
	"context"
	"time"
)

// Billing group statuses and types of the model.
const (
	StatusActive                = "ACTIVE"
	StatusPrimaryAccountMissing = "PRIMARY_ACCOUNT_MISSING"
	StatusPending               = "PENDING"
	TypeStandard                = "STANDARD"
	TypeTransferBilling         = "TRANSFER_BILLING"
)

// BillingGroup is a set of accounts priced with one pricing plan. Its member
// accounts are membership records, so that "one group per account per
// period" is a property of the store's keys.
type BillingGroup struct {
	ID                        string
	Name                      string
	Description               string
	PrimaryAccountID          string
	PricingPlanARN            string
	Status                    string
	StatusReason              string
	AutoAssociate             bool
	ResponsibilityTransferARN string
	Type                      string
	CreationTime              time.Time
	LastModifiedTime          time.Time
}

// BillingGroupView is a billing group as reads return it.
type BillingGroupView struct {
	BillingGroup
	ARN  string
	Size int64 // number of member accounts
}

// CreateBillingGroupInput is the input of CreateBillingGroup.
type CreateBillingGroupInput struct {
	Idempotency
	Name                      string
	Description               string
	PrimaryAccountID          string
	PricingPlanARN            string
	LinkedAccountIDs          []string
	AutoAssociate             bool
	ResponsibilityTransferARN string
	Tags                      map[string]string
}

// CreateBillingGroup creates a billing group in the current period and
// returns its ARN. A STANDARD group needs a primary account among its linked
// accounts; a TRANSFER_BILLING group (ResponsibilityTransferArn) takes the
// bill source's accounts.
func (s *Service) CreateBillingGroup(ctx context.Context, c Caller, in CreateBillingGroupInput) (string, error) {
	if err := checkCreateInput(c, in); err != nil {
		return "", err
	}
	period, now := s.CurrentPeriod(), s.now()
	var arn string
	err := s.update(ctx, func(tx Tx) error {
		id, done, err := replay(tx, c.Account, "CreateBillingGroup", in.Idempotency, now, TypeBillingGroup)
		if err != nil || done {
			arn = ARN(c.Account, TypeBillingGroup, id)
			return err
		}
		g, members, err := s.newBillingGroup(tx, c, in, period, now)
		if err != nil {
			return err
		}
		arn = ARN(c.Account, TypeBillingGroup, g.ID)
		if err := saveGroup(tx, c.Account, nil, &g, period); err != nil {
			return err
		}
		if err := putMemberships(tx, c.Account, g.ID, members, period); err != nil {
			return err
		}
		if err := putTags(tx, c.Account, arn, in.Tags); err != nil {
			return err
		}
		return remember(tx, c.Account, "CreateBillingGroup", in.Idempotency, g.ID, now)
	})
	return arn, err
}

// checkCreateInput applies the rules that need no stored state.
func checkCreateInput(c Caller, in CreateBillingGroupInput) error {
	if err := validateName("Name", in.Name); err != nil {
		return err
	}
	if err := validateTags("Tags", in.Tags); err != nil {
		return err
	}
	if in.ResponsibilityTransferARN != "" {
		if len(in.LinkedAccountIDs) > 0 {
			return Invalid("MULTIPLE_LINKED_ACCOUNT_IDS",
				"A billing transfer billing group takes its accounts from the transfer; do not pass LinkedAccountIds.").
				withField("AccountGrouping.LinkedAccountIds")
		}
		return nil
	}
	if len(in.LinkedAccountIDs) == 0 {
		return Invalid("MISSING_LINKED_ACCOUNT_IDS",
			"A billing group needs at least one linked account.").withField("AccountGrouping.LinkedAccountIds")
	}
	if in.PrimaryAccountID == "" {
		return InvalidField("PrimaryAccountId", "A STANDARD billing group needs a primary account.")
	}
	if err := checkAccountList("AccountGrouping.LinkedAccountIds", in.LinkedAccountIDs); err != nil {
		return err
	}
	if in.PrimaryAccountID == c.Account {
		return Invalid("ILLEGAL_PRIMARY_ACCOUNT",
			"The management account %s cannot be the primary account of a billing group.", c.Account).withField("PrimaryAccountId")
	}
	for _, a := range in.LinkedAccountIDs {
		if a == in.PrimaryAccountID {
			return nil
		}
	}
	return Invalid("PRIMARY_NOT_ASSOCIATED", "The primary account %s must be one of the billing group's linked accounts.",
		in.PrimaryAccountID).withField("PrimaryAccountId")
}

// newBillingGroup checks the rules that need stored state and builds the
// group and its member list.
func (s *Service) newBillingGroup(tx Tx, c Caller, in CreateBillingGroupInput, period Period, now time.Time) (BillingGroup, []string, error) {
	g := BillingGroup{
		ID: s.ids.Numeric(12), Name: in.Name, Description: in.Description, PrimaryAccountID: in.PrimaryAccountID,
		Status: StatusActive, AutoAssociate: in.AutoAssociate, Type: TypeStandard,
		CreationTime: now, LastModifiedTime: now,
	}
	n, err := groupCount.get(tx, c.Account, period)
	if err != nil {
		return g, nil, err
	}
	if n >= QuotaBillingGroups.Limit {
		return g, nil, LimitExceeded(QuotaBillingGroups, TypeBillingGroup, "")
	}
	members := in.LinkedAccountIDs
	if in.ResponsibilityTransferARN != "" {
		if members, err = applyTransfer(tx, c.Account, &g, in.ResponsibilityTransferARN, period, now); err != nil {
			return g, nil, err
		}
	}
	if g.PricingPlanARN, err = resolveGroupPlan(tx, c.Account, in.PricingPlanARN, g.Type, period); err != nil {
		return g, nil, err
	}
	if err := checkGroupSettings(tx, c.Account, g, period); err != nil {
		return g, nil, err
	}
	if g.Type == TypeStandard {
		err = checkAssociable(tx, c.Account, "AccountGrouping.LinkedAccountIds", members, period)
	}
	return g, members, err
}

// checkGroupSettings enforces unique names and a single AutoAssociate group
// among the other groups of the period.
func checkGroupSettings(tx Tx, payer string, g BillingGroup, period Period) error {
	if err := groupNames.checkName(tx, payer, g.Name, g.ID, period); err != nil || !g.AutoAssociate {
		return err
	}
	if other, ok, err := autoAssociateGroup(tx, payer, period); err != nil || (ok && other.ID != g.ID) {
		if err == nil {
			err = Invalid("TOO_MANY_AUTO_ASSOCIATE_BILLING_GROUPS",
				"Billing group %s already associates new accounts automatically; only one billing group can.", other.Name).
				withField("AccountGrouping.AutoAssociate")
		}
		return err
	}
	return nil
}

// resolveGroupPlan checks ComputationPreference.PricingPlanArn: the plan must
// exist in the period (MISSING_PRICINGPLAN: the billing group operations
// have no ResourceNotFoundException for plans), and Passthrough is only for
// billing transfer groups.
func resolveGroupPlan(tx Tx, payer, arn, groupType string, period Period) (string, error) {
	const field = "ComputationPreference.PricingPlanArn"
	id, managed, err := planRef(payer, field, arn)
	if err != nil {
		return "", err
	}
	plan, ok, err := loadPlan(tx, payer, id, managed, period)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", Invalid("MISSING_PRICINGPLAN", "Pricing plan %s does not exist.", arn).withField(field)
	}
	if id == PassthroughPlan && managed && groupType != TypeTransferBilling {
		return "", Invalid("ILLEGAL_BILLING_GROUP_PRICING_PLAN",
			"The Passthrough pricing plan can only be used by billing transfer billing groups.").withField(field)
	}
	return plan.ARN, nil
}

// billingGroupRef parses a billing group ARN or ID of the caller.
func billingGroupRef(payer, field, s string) (string, error) {
	ref, ok := ParseRef(s, TypeBillingGroup)
	if !ok || !ref.OwnedBy(payer) {
		return "", Invalid("MISMATCHED_BILLINGGROUP_ARN", "%s is not a billing group of account %s.", s, payer).withField(field)
	}
	return ref.ID, nil
}

// loadGroup returns the billing group in force at period, or missing when
// it does not exist then.
func loadGroup(tx Tx, payer, arn string, at Period, missing error) (BillingGroup, error) {
	var g BillingGroup
	id, err := billingGroupRef(payer, "Arn", arn)
	if err != nil {
		return g, err
	}
	ok, err := getJSON(tx, payer, kindBillingGroup, id, at, &g)
	if err == nil && !ok {
		err = missing
	}
	return g, err
}

func groupNotFound(arn string) error { return NotFound(TypeBillingGroup, arn) }

// UpdateBillingGroupInput is the input of UpdateBillingGroup; nil members are unchanged.
type UpdateBillingGroupInput struct {
	ARN                       string
	Name                      *string
	Description               *string
	Status                    *string
	PricingPlanARN            *string
	AutoAssociate             *bool
	ResponsibilityTransferARN *string
}

// UpdateBillingGroup changes a billing group in the current period. The
// primary account and the billing transfer cannot change; the only status a
// caller can request is ACTIVE, when the group can be active (BG-11).
func (s *Service) UpdateBillingGroup(ctx context.Context, c Caller, in UpdateBillingGroupInput) (BillingGroupView, error) {
	if in.Name != nil {
		if err := validateName("Name", *in.Name); err != nil {
			return BillingGroupView{}, err
		}
	}
	period, now := s.CurrentPeriod(), s.now()
	var view BillingGroupView
	err := s.update(ctx, func(tx Tx) error {
		g, err := loadGroup(tx, c.Account, in.ARN, period, groupNotFound(in.ARN))
		if err != nil {
			return err
		}
		before := g
		if err := applyGroupUpdate(tx, c.Account, &g, in, period); err != nil {
			return err
		}
		if err := checkGroupSettings(tx, c.Account, g, period); err != nil {
			return err
		}
		g.LastModifiedTime = now
		if err := saveGroup(tx, c.Account, &before, &g, period); err != nil {
			return err
		}
		view, err = groupView(tx, c.Account, g, period)
		return err
	})
	return view, err
}

func applyGroupUpdate(tx Tx, payer string, g *BillingGroup, in UpdateBillingGroupInput, period Period) error {
	if t := in.ResponsibilityTransferARN; t != nil && *t != g.ResponsibilityTransferARN {
		return Invalid("ILLEGAL_BILLING_GROUP_TYPE", "The billing transfer of an existing billing group cannot be changed.").
			withField("AccountGrouping.ResponsibilityTransferArn")
	}
	if in.Status != nil {
		if err := checkRequestedStatus(tx, payer, *g, *in.Status, period); err != nil {
			return err
		}
		g.Status, g.StatusReason = StatusActive, ""
	}
	if in.PricingPlanARN != nil {
		arn, err := resolveGroupPlan(tx, payer, *in.PricingPlanARN, g.Type, period)
		if err != nil {
			return err
		}
		g.PricingPlanARN = arn
	}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.AutoAssociate != nil {
		g.AutoAssociate = *in.AutoAssociate
	}
	return nil
}

func checkRequestedStatus(tx Tx, payer string, g BillingGroup, status string, period Period) error {
	if status != StatusActive {
		return Invalid("INVALID_BILLING_GROUP_STATUS", "Only ACTIVE can be requested as a billing group status.").withField("Status")
	}
	if g.Status == StatusActive {
		return nil
	}
	if g.Status == StatusPrimaryAccountMissing {
		var a Account
		ok, err := getJSON(tx, payer, kindAccount, g.PrimaryAccountID, Timeless, &a)
		if err != nil {
			return err
		}
		if ok && a.MemberDuring(period) && a.Left == nil {
			return nil
		}
	}
	return Invalid("INVALID_BILLING_GROUP_STATUS", "Billing group %s cannot become ACTIVE: %s", g.Name, g.StatusReason).withField("Status")
}

// DeleteBillingGroup deletes a billing group from the current period on and
// releases its accounts. Its custom line items, which belong to it alone
// (CLI-2), end with it, and so do the associations of its percentage items
// (deleteGroupItems); earlier periods keep them. DeleteBillingGroup has no
// modeled ResourceNotFoundException: an unknown group is MISSING_BILLINGGROUP.
func (s *Service) DeleteBillingGroup(ctx context.Context, c Caller, arn string) (string, error) {
	period := s.CurrentPeriod()
	var out string
	err := s.update(ctx, func(tx Tx) error {
		g, err := loadGroup(tx, c.Account, arn, period,
			Invalid("MISSING_BILLINGGROUP", "Billing group %s does not exist.", arn).withField("Arn"))
		if err != nil {
			return err
		}
		if g.AutoAssociate {
			return Invalid("CANNOT_DELETE_AUTO_ASSOCIATE_BILLING_GROUP",
				"Billing group %s associates new accounts automatically; turn AutoAssociate off before deleting it.", g.Name).
				withField("Arn")
		}
		members, err := groupMembers(tx, c.Account, g.ID, period)
		if err != nil {
			return err
		}
		if err := removeMemberships(tx, c.Account, members, period); err != nil {
			return err
		}
		if err := deleteGroupItems(tx, c.Account, g.ID, period); err != nil {
			return err
		}
		out = ARN(c.Account, TypeBillingGroup, g.ID)
		return saveGroup(tx, c.Account, &g, nil, period)
	})
	return out, err
}
