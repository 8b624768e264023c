package conductor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// putMemberships associates accounts with a billing group from the period on.
func putMemberships(tx Tx, payer, groupID string, accounts []string, period Period) error {
	for _, a := range accounts {
		if err := putJSON(tx, payer, kindMembership, a, period, groupID); err != nil {
			return err
		}
	}
	return nil
}

// memberships maps every associated account to its billing group ID at period.
func memberships(tx Tx, payer string, at Period) (map[string]string, error) {
	recs, err := tx.List(payer, kindMembership, at)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(recs))
	for _, r := range recs {
		var group string
		if err := json.Unmarshal(r.Data, &group); err != nil {
			return nil, err
		}
		m[r.ID] = group
	}
	return m, nil
}

// membershipOf returns the billing group ID of one account at period ("" when none).
func membershipOf(tx Tx, payer, account string, at Period) (string, error) {
	var group string
	_, err := getJSON(tx, payer, kindMembership, account, at, &group)
	return group, err
}

// groupMembers lists the accounts of a billing group at period, ordered.
func groupMembers(tx Tx, payer, groupID string, at Period) ([]string, error) {
	all, err := memberships(tx, payer, at)
	var members []string
	for _, a := range sortedKeys(all) {
		if all[a] == groupID {
			members = append(members, a)
		}
	}
	return members, err
}

// checkAccountList rejects duplicates and IDs that are not exactly 12 digits
// (the model pattern is searched, so "1234567890123" passes it).
func checkAccountList(field string, accounts []string) error {
	for i, a := range accounts {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !IsAccountID(a) {
			return Invalid("ILLEGAL_ACCOUNTS", "%s is not a 12-digit account ID.", a).withField(f)
		}
		if slices.Index(accounts, a) < i {
			return Invalid("DUPLICATE_ACCOUNT", "Account %s is listed more than once.", a).withField(f)
		}
	}
	return nil
}

// checkAssociable requires every account to be in the payer's family this
// period and in no billing group yet (BG-1, BG-2).
func checkAssociable(tx Tx, payer, field string, accounts []string, period Period) error {
	for i, a := range accounts {
		if ok, err := memberAt(tx, payer, a, period); err != nil || !ok {
			if err != nil {
				return err
			}
			return Invalid("ILLEGAL_ACCOUNTS", "Account %s is not a member of the consolidated billing family of %s.", a, payer).
				withField(fmt.Sprintf("%s[%d]", field, i))
		}
	}
	for i, a := range accounts {
		group, err := membershipOf(tx, payer, a, period)
		if err != nil {
			return err
		}
		if group != "" {
			return Invalid("ACCOUNTS_ALREADY_ASSOCIATED", "Account %s is already associated with billing group %s.",
				a, ARN(payer, TypeBillingGroup, group)).withField(fmt.Sprintf("%s[%d]", field, i))
		}
	}
	return nil
}

// AssociateAccounts adds up to 30 accounts to a STANDARD billing group in the
// current period and returns the group's ARN.
func (s *Service) AssociateAccounts(ctx context.Context, c Caller, arn string, accounts []string) (string, error) {
	return s.changeMembers(ctx, c, arn, accounts, func(tx Tx, g BillingGroup, period Period) error {
		if err := checkAssociable(tx, c.Account, "AccountIds", accounts, period); err != nil {
			return err
		}
		members, err := groupMembers(tx, c.Account, g.ID, period)
		if err != nil {
			return err
		}
		if len(members)+len(accounts) > QuotaAccountsPerGroup.Limit {
			return LimitExceeded(QuotaAccountsPerGroup, TypeBillingGroup, ARN(c.Account, TypeBillingGroup, g.ID))
		}
		return putMemberships(tx, c.Account, g.ID, accounts, period)
	})
}

// DisassociateAccounts removes accounts from a STANDARD billing group in the
// current period; the primary account cannot be removed.
func (s *Service) DisassociateAccounts(ctx context.Context, c Caller, arn string, accounts []string) (string, error) {
	return s.changeMembers(ctx, c, arn, accounts, func(tx Tx, g BillingGroup, period Period) error {
		if err := checkDisassociable(tx, c.Account, g, accounts, period); err != nil {
			return err
		}
		for _, a := range accounts {
			if err := tx.Delete(c.Account, kindMembership, a, period); err != nil {
				return err
			}
		}
		return nil
	})
}

// changeMembers checks the account list, loads the STANDARD group, applies
// change in the current period and records the group's LastModifiedTime.
func (s *Service) changeMembers(ctx context.Context, c Caller, arn string, accounts []string,
	change func(tx Tx, g BillingGroup, period Period) error) (string, error) {
	if err := checkAccountList("AccountIds", accounts); err != nil {
		return "", err
	}
	period, now := s.CurrentPeriod(), s.now()
	var out string
	err := s.update(ctx, func(tx Tx) error {
		g, err := loadStandardGroup(tx, c.Account, arn, period)
		if err != nil {
			return err
		}
		out = ARN(c.Account, TypeBillingGroup, g.ID)
		return touchGroup(tx, c.Account, g, period, now, func() error { return change(tx, g, period) })
	})
	return out, err
}

func checkDisassociable(tx Tx, payer string, g BillingGroup, accounts []string, period Period) error {
	for i, a := range accounts {
		f := fmt.Sprintf("AccountIds[%d]", i)
		if a == g.PrimaryAccountID {
			return Invalid("PRIMARY_CANNOT_DISASSOCIATE",
				"Account %s is the primary account of billing group %s and cannot be disassociated.", a, g.Name).withField(f)
		}
		group, err := membershipOf(tx, payer, a, period)
		if err != nil {
			return err
		}
		if group != g.ID {
			return Invalid("ACCOUNTS_NOT_ASSOCIATED", "Account %s is not associated with billing group %s.", a, g.Name).withField(f)
		}
	}
	return nil
}

// loadStandardGroup resolves the target of Associate/DisassociateAccounts:
// it must exist (ResourceNotFoundException) and be STANDARD, since a billing
// transfer group's accounts follow the transfer (BG-13).
func loadStandardGroup(tx Tx, payer, arn string, period Period) (BillingGroup, error) {
	g, err := loadGroup(tx, payer, arn, period, groupNotFound(arn))
	if err == nil && g.Type != TypeStandard {
		err = Invalid("ILLEGAL_BILLING_GROUP_TYPE",
			"The accounts of billing transfer billing group %s follow its transfer and cannot be changed.", g.Name).withField("Arn")
	}
	return g, err
}

// touchGroup runs change and records the group's new LastModifiedTime.
func touchGroup(tx Tx, payer string, g BillingGroup, period Period, now time.Time, change func() error) error {
	if err := change(); err != nil {
		return err
	}
	g.LastModifiedTime = now
	return putJSON(tx, payer, kindBillingGroup, g.ID, period, g)
}

// autoAssociate puts a newly joined account into the payer's AutoAssociate
// billing group of the period, if there is one (BG-8).
func autoAssociate(tx Tx, payer, account string, period Period, now time.Time) error {
	groups, err := listJSON[BillingGroup](tx, payer, kindBillingGroup, period)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if !g.AutoAssociate {
			continue
		}
		if current, err := membershipOf(tx, payer, account, period); err != nil || current != "" {
			return err
		}
		return touchGroup(tx, payer, g, period, now, func() error {
			return putMemberships(tx, payer, g.ID, []string{account}, period)
		})
	}
	return nil
}

// markPrimaryMissing flags the groups whose primary account left the family (BG-9).
func markPrimaryMissing(tx Tx, payer, account string, period Period, now time.Time) error {
	groups, err := listJSON[BillingGroup](tx, payer, kindBillingGroup, period)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.PrimaryAccountID != account || g.Type != TypeStandard {
			continue
		}
		g.Status = StatusPrimaryAccountMissing
		g.StatusReason = fmt.Sprintf("Primary account %s left the organization.", account)
		g.LastModifiedTime = now
		if err := putJSON(tx, payer, kindBillingGroup, g.ID, period, g); err != nil {
			return err
		}
	}
	return nil
}

// AccountAssociation is one account of the family with its billing group.
type AccountAssociation struct {
	Account
	BillingGroupARN string // "" when the account is in no group
}

// ListAccountAssociationsInput is the input of ListAccountAssociations.
type ListAccountAssociationsInput struct {
	BillingPeriod string
	Association   string // MONITORED, UNMONITORED, or a billing group ARN/ID
	AccountID     string
	AccountIDs    []string
	NextToken     string
}

// AccountAssociationsPageSize is the server-chosen page size of
// ListAccountAssociations, which has no MaxResults.
const AccountAssociationsPageSize = 100

// ListAccountAssociations lists the accounts of the family during a period
// with the billing group each belonged to then.
func (s *Service) ListAccountAssociations(ctx context.Context, c Caller, in ListAccountAssociationsInput) ([]AccountAssociation, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", err
	}
	if in.AccountID != "" && len(in.AccountIDs) > 0 {
		return nil, "", Invalid("INVALID_FILTER", "Use either Filters.AccountId or Filters.AccountIds, not both.").withField("Filters")
	}
	var list []AccountAssociation
	err = s.view(ctx, func(tx Tx) error {
		list, err = accountAssociations(tx, c.Account, in, period)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	filter := in
	filter.BillingPeriod, filter.NextToken = "", ""
	listing := listingID("ListAccountAssociations", period, filter)
	key := func(a AccountAssociation) string { return a.ID }
	page, next, err := paginate(list, key, listing, Page{NextToken: in.NextToken}, AccountAssociationsPageSize)
	return page, next, err
}

func accountAssociations(tx Tx, payer string, in ListAccountAssociationsInput, period Period) ([]AccountAssociation, error) {
	groupFilter := ""
	if a := in.Association; a != "" && a != "MONITORED" && a != "UNMONITORED" {
		g, err := loadGroup(tx, payer, a, period, groupNotFound(a))
		if err != nil {
			return nil, err
		}
		groupFilter = g.ID
	}
	family, err := familyAt(tx, payer, period)
	if err != nil {
		return nil, err
	}
	member, err := memberships(tx, payer, period)
	if err != nil {
		return nil, err
	}
	for id := range member {
		if _, ok := family[id]; !ok { // accounts of a bill source, via a billing transfer
			family[id] = Account{ID: id}
		}
	}
	var out []AccountAssociation
	for _, id := range sortedKeys(family) {
		group := member[id]
		if !keepAssociation(in, groupFilter, id, group) {
			continue
		}
		a := AccountAssociation{Account: family[id]}
		if group != "" {
			a.BillingGroupARN = ARN(payer, TypeBillingGroup, group)
		}
		out = append(out, a)
	}
	return out, nil
}

func keepAssociation(in ListAccountAssociationsInput, groupFilter, account, group string) bool {
	switch {
	case in.AccountID != "" && account != in.AccountID:
		return false
	case len(in.AccountIDs) > 0 && !slices.Contains(in.AccountIDs, account):
		return false
	case in.Association == "MONITORED":
		return group != ""
	case in.Association == "UNMONITORED":
		return group == ""
	case groupFilter != "":
		return group == groupFilter
	}
	return true
}
