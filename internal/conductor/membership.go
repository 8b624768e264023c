package conductor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// A billing group's members are found through a membership index instead
// of reading every membership of the payer: kind "membership.group/<group
// ID>", id an account, versioned like the membership records it mirrors.
// Every membership change goes through setMember, which keeps both.
var groupMembersIndex = sinceIndex{name: groupMembersName, build: buildGroupMembers}

const groupMembersName = "membership.group"

func groupMembersKind(groupID string) string { return groupMembersName + "/" + groupID }

func buildGroupMembers(tx Tx, payer string, at Period) error {
	all, err := memberships(tx, payer, at)
	if err != nil {
		return err
	}
	for account, group := range all {
		if err := tx.Put(payer, groupMembersKind(group), account, at, nil); err != nil {
			return err
		}
	}
	return nil
}

// setMember makes account a member of the billing group groupID ("" for
// none) from period on. For an account that has left the family by the
// next period, the end of its membership, written ahead (endMembership),
// moves with it: the old membership's is cancelled and the new one gets
// its own.
func setMember(tx Tx, payer, account, groupID string, period Period) error {
	if err := groupMembersIndex.ensure(tx, payer, period); err != nil {
		return err
	}
	old, err := membershipOf(tx, payer, account, period)
	if err != nil || old == groupID {
		return err
	}
	left, err := leftBefore(tx, payer, account, period.Next())
	if err != nil {
		return err
	}
	if left {
		if err := cancelEnd(tx, payer, account, old, period.Next()); err != nil {
			return err
		}
	}
	if old != "" {
		if err := tx.Delete(payer, groupMembersKind(old), account, period); err != nil {
			return err
		}
	}
	if groupID == "" {
		return tx.Delete(payer, kindMembership, account, period)
	}
	if err := tx.Put(payer, groupMembersKind(groupID), account, period, nil); err != nil {
		return err
	}
	if err := putJSON(tx, payer, kindMembership, account, period, groupID); err != nil {
		return err
	}
	if left {
		return endMembership(tx, payer, account, groupID, period.Next())
	}
	return nil
}

// leftBefore reports whether an account of the family is no member of it
// during the period p (it left before p began).
func leftBefore(tx Tx, payer, account string, p Period) (bool, error) {
	var a Account
	ok, err := getJSON(tx, payer, kindAccount, account, Timeless, &a)
	return ok && a.Left != nil && !a.MemberDuring(p), err
}

// endMembership ends an account's membership of groupID from the period
// `from` on, written ahead in the period the account left the family
// (BG-1, BP-6): it is a member for the rest of that month, in no group
// afterwards.
func endMembership(tx Tx, payer, account, groupID string, from Period) error {
	if err := tx.Delete(payer, groupMembersKind(groupID), account, from); err != nil {
		return err
	}
	return tx.Delete(payer, kindMembership, account, from)
}

// cancelEnd removes the end endMembership wrote ahead at `from` for the
// account's membership of groupID ("" when it had none).
func cancelEnd(tx Tx, payer, account, groupID string, from Period) error {
	if groupID != "" {
		if err := tx.Truncate(payer, groupMembersKind(groupID), account, from); err != nil {
			return err
		}
	}
	return tx.Truncate(payer, kindMembership, account, from)
}

// putMemberships associates accounts with a billing group from the period on.
func putMemberships(tx Tx, payer, groupID string, accounts []string, period Period) error {
	for _, a := range accounts {
		if err := setMember(tx, payer, a, groupID, period); err != nil {
			return err
		}
	}
	return nil
}

// removeMemberships takes accounts out of their billing group from the period on.
func removeMemberships(tx Tx, payer string, accounts []string, period Period) error {
	return putMemberships(tx, payer, "", accounts, period)
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
	if indexed, err := groupMembersIndex.answers(tx, payer, at); err != nil || indexed {
		if err != nil {
			return nil, err
		}
		return ids(tx, payer, groupMembersKind(groupID), at)
	}
	all, err := memberships(tx, payer, at)
	var members []string
	for _, a := range sortedKeys(all) {
		if all[a] == groupID {
			members = append(members, a)
		}
	}
	return members, err
}

// groupSizes are the member counts of groups at period: one look at
// whether the index answers, then one count of each group's members (a
// single query), or one read of the memberships for all of them when it
// does not.
func groupSizes(tx Tx, payer string, groups []BillingGroup, at Period) ([]int, error) {
	sizes := make([]int, len(groups))
	indexed, err := groupMembersIndex.answers(tx, payer, at)
	if err != nil || len(groups) == 0 {
		return sizes, err
	}
	if !indexed {
		all, err := memberships(tx, payer, at)
		index := make(map[string]int, len(groups))
		for i, g := range groups {
			index[g.ID] = i
		}
		for _, group := range all {
			if i, ok := index[group]; ok {
				sizes[i]++
			}
		}
		return sizes, err
	}
	kinds := make([]string, len(groups))
	for i, g := range groups {
		kinds[i] = groupMembersKind(g.ID)
	}
	return tx.CountEach(payer, kinds, at)
}

// groupSize is the number of accounts of a billing group at period.
func groupSize(tx Tx, payer, groupID string, at Period) (int, error) {
	return groupMembersIndex.count(tx, payer, groupMembersKind(groupID), at, func() (int, error) {
		members, err := groupMembers(tx, payer, groupID, at)
		return len(members), err
	})
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
		size, err := groupSize(tx, c.Account, g.ID, period)
		if err != nil {
			return err
		}
		if size+len(accounts) > QuotaAccountsPerGroup.Limit {
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
		return removeMemberships(tx, c.Account, accounts, period)
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
	before := g
	g.LastModifiedTime = now
	return saveGroup(tx, payer, &before, &g, period)
}

// autoAssociate puts a newly joined account into the payer's AutoAssociate
// billing group of the period, if there is one (BG-8) and it has room: a
// group holds QuotaAccountsPerGroup accounts at most, however they came,
// so an account joining a full one stays unmonitored.
func autoAssociate(tx Tx, payer, account string, period Period, now time.Time) error {
	g, ok, err := autoAssociateGroup(tx, payer, period)
	if err != nil || !ok {
		return err
	}
	if current, err := membershipOf(tx, payer, account, period); err != nil || current != "" {
		return err
	}
	if size, err := groupSize(tx, payer, g.ID, period); err != nil || size >= QuotaAccountsPerGroup.Limit {
		return err
	}
	return touchGroup(tx, payer, g, period, now, func() error {
		return putMemberships(tx, payer, g.ID, []string{account}, period)
	})
}

// markPrimaryMissing flags groupID, the group of an account that left the
// family, when the account is its primary (BG-9). A primary account is a
// member of its group (it cannot be disassociated).
func markPrimaryMissing(tx Tx, payer, account, groupID string, period Period, now time.Time) error {
	var g BillingGroup
	if ok, err := getJSON(tx, payer, kindBillingGroup, groupID, period, &g); err != nil || !ok {
		return err
	}
	if g.PrimaryAccountID != account || g.Type != TypeStandard {
		return nil
	}
	before := g
	g.Status = StatusPrimaryAccountMissing
	g.StatusReason = fmt.Sprintf("Primary account %s left the organization.", account)
	g.LastModifiedTime = now
	return saveGroup(tx, payer, &before, &g, period)
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
	filter := in
	filter.BillingPeriod, filter.NextToken = "", ""
	listing := listingID(c.Account, "ListAccountAssociations", period, filter)
	var page []AccountAssociation
	var next string
	err = s.view(ctx, func(tx Tx) error {
		page, next, err = associationPage(tx, c.Account, in, period, listing)
		return err
	})
	return page, next, err
}

// associationPage reads one page of associations in account ID order,
// from what the filter names: the accounts listed, the group's members, or
// else every account of the family and every account in a group.
func associationPage(tx Tx, payer string, in ListAccountAssociationsInput, period Period, listing string) ([]AccountAssociation, string, error) {
	pg := Page{NextToken: in.NextToken}
	groupFilter := ""
	if a := in.Association; a != "" && a != "MONITORED" && a != "UNMONITORED" {
		g, err := loadGroup(tx, payer, a, period, groupNotFound(a))
		if err != nil {
			return nil, "", err
		}
		groupFilter = g.ID
	}
	groupARN := ""
	if groupFilter != "" {
		groupARN = ARN(payer, TypeBillingGroup, groupFilter)
	}
	keep := func(a AccountAssociation) bool { return keepAssociation(in, groupARN, a.ID, a.BillingGroupARN) }
	if ids := accountFilter(in); ids != nil {
		var list []AccountAssociation
		for _, id := range ids {
			a, ok, err := associationOf(tx, payer, id, period)
			if err != nil {
				return nil, "", err
			}
			if ok && keep(a) {
				list = append(list, a)
			}
		}
		return paginate(list, func(a AccountAssociation) string { return a.ID }, listing, pg, AccountAssociationsPageSize)
	}
	if groupFilter != "" {
		if indexed, err := groupMembersIndex.answers(tx, payer, period); err != nil || indexed {
			if err != nil {
				return nil, "", err
			}
			members := keyset[AccountAssociation]{kind: groupMembersKind(groupFilter), decode: func(r Record) (AccountAssociation, bool, error) {
				a, ok, err := associationOf(tx, payer, r.ID, period)
				return a, ok && keep(a), err
			}}
			return members.page(tx, payer, period, listing, pg, AccountAssociationsPageSize)
		}
	}
	return allAssociations(tx, payer, period, keep, listing, pg)
}

// accountFilter is the sorted account IDs the filter names, nil for none.
func accountFilter(in ListAccountAssociationsInput) []string {
	ids := in.AccountIDs
	if in.AccountID != "" {
		ids = []string{in.AccountID}
	}
	if len(ids) == 0 {
		return nil
	}
	return sortedIDs(ids, func(id string) (string, error) { return id, nil })
}

// associationOf returns the association of one account at period; ok is
// false when the account is neither in the family nor in a group then.
// An account in a group but not in the family (a bill source's, through a
// billing transfer) has only its ID.
func associationOf(tx Tx, payer, id string, period Period) (AccountAssociation, bool, error) {
	group, err := membershipOf(tx, payer, id, period)
	if err != nil {
		return AccountAssociation{}, false, err
	}
	var acct Account
	found, err := getJSON(tx, payer, kindAccount, id, Timeless, &acct)
	if err != nil {
		return AccountAssociation{}, false, err
	}
	return association(payer, id, acct, found, group, period)
}

// association combines an account record (if found) and its billing group
// ID ("" for none) into the association at period.
func association(payer, id string, acct Account, found bool, group string, period Period) (AccountAssociation, bool, error) {
	inFamily := found && acct.MemberDuring(period)
	if !inFamily && group == "" {
		return AccountAssociation{}, false, nil
	}
	if !inFamily {
		acct = Account{ID: id}
	}
	a := AccountAssociation{Account: acct}
	if group != "" {
		a.BillingGroupARN = ARN(payer, TypeBillingGroup, group)
	}
	return a, true, nil
}

// allAssociations pages through the union of the family's accounts and
// the accounts in a group, merging the two in ID order: each batch is
// complete up to the smaller last ID of a source that filled its batch.
func allAssociations(tx Tx, payer string, period Period, keep func(AccountAssociation) bool, listing string, pg Page) ([]AccountAssociation, string, error) {
	after, err := tokenAfter(listing, pg.NextToken)
	if err != nil {
		return nil, "", err
	}
	size := AccountAssociationsPageSize
	batch := size + 1
	var out []AccountAssociation
	for {
		accts, err := tx.ListRange(payer, kindAccount, Timeless, Range{After: after, Limit: batch})
		if err != nil {
			return nil, "", err
		}
		members, err := tx.ListRange(payer, kindMembership, period, Range{After: after, Limit: batch})
		if err != nil {
			return nil, "", err
		}
		bound := "" // IDs up to bound are complete in this batch; "" when both sources ended
		if len(accts) == batch {
			bound = accts[batch-1].ID
		}
		if len(members) == batch && (bound == "" || members[batch-1].ID < bound) {
			bound = members[batch-1].ID
		}
		for i, j := 0, 0; i < len(accts) || j < len(members); {
			id := nextID(accts, i, members, j)
			if bound != "" && id > bound {
				break
			}
			var acct Account
			found := i < len(accts) && accts[i].ID == id
			if found {
				if err := json.Unmarshal(accts[i].Data, &acct); err != nil {
					return nil, "", err
				}
				i++
			}
			var group string
			if j < len(members) && members[j].ID == id {
				if err := json.Unmarshal(members[j].Data, &group); err != nil {
					return nil, "", err
				}
				j++
			}
			a, ok, _ := association(payer, id, acct, found, group, period)
			if ok && keep(a) {
				if len(out) == size {
					return out, encodeToken(pageToken{Listing: listing, After: out[size-1].ID}), nil
				}
				out = append(out, a)
			}
		}
		if bound == "" {
			return out, "", nil
		}
		after = bound
	}
}

// nextID is the smaller of the two sources' next IDs.
func nextID(a []Record, i int, b []Record, j int) string {
	switch {
	case i == len(a):
		return b[j].ID
	case j == len(b):
		return a[i].ID
	}
	return min(a[i].ID, b[j].ID)
}

// keepAssociation applies the filter to an account and the ARN of its
// billing group ("" for none); groupARN is the group the filter names.
func keepAssociation(in ListAccountAssociationsInput, groupARN, account, group string) bool {
	switch {
	case in.AccountID != "" && account != in.AccountID:
		return false
	case len(in.AccountIDs) > 0 && !slices.Contains(in.AccountIDs, account):
		return false
	case in.Association == "MONITORED":
		return group != ""
	case in.Association == "UNMONITORED":
		return group == ""
	case groupARN != "":
		return group == groupARN
	}
	return true
}
