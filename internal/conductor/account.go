package conductor

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Organization is the consolidated billing families Proforma knows: each
// payer (management account) with its member accounts and inbound transfers.
type Organization struct {
	Payers []PayerSeed
}

// PayerSeed is one management account with everything that belongs to it.
type PayerSeed struct {
	Payer     Payer
	Accounts  []Account
	Transfers []Transfer
}

// Payer is a management account allowed to call the API.
type Payer struct {
	ID          string
	Name        string
	Email       string
	Credentials []Credential
}

// Credential is an access key for strict SigV4 verification. Admin marks a
// credential that may call every admin endpoint (/_proforma/) for every
// payer in strict mode: move the clock, reset, change any organization,
// import any payer's usage. Without it the key serves its own payer only.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	Admin           bool
}

// Account is a member of a payer's consolidated billing family. Joined and
// Left bound its membership; nil means since always / still a member.
type Account struct {
	ID     string
	Name   string
	Email  string
	Joined *time.Time
	Left   *time.Time
}

// MemberDuring reports whether the account belonged to the family at some
// time during the period.
func (a Account) MemberDuring(p Period) bool {
	if a.Joined != nil && !a.Joined.Before(p.Next().Start()) {
		return false
	}
	return a.Left == nil || !a.Left.Before(p.Start())
}

// Transfer is an inbound billing transfer: the bill source (the management
// account of another organization) transfers its bill to this payer.
type Transfer struct {
	ARN           string
	SourceAccount string
	SourceMembers []string // linked accounts of the bill source organization
	Start         *time.Time
}

// DemoOrganization is the organization used when no --org file is given.
// Its default payer's credential is an admin credential.
func DemoOrganization() Organization {
	org := Organization{Payers: []PayerSeed{
		demoPayer("123456789012", "100000000001", 40),
		demoPayer("210987654321", "200000000001", 10),
	}}
	org.Payers[0].Payer.Credentials[0].Admin = true
	return org
}

func demoPayer(id, first string, n int) PayerSeed {
	seed := PayerSeed{Payer: Payer{
		ID: id, Name: "Payer " + id, Email: "payer-" + id + "@example.com",
		Credentials: []Credential{{AccessKeyID: id, SecretAccessKey: "proforma-demo-secret"}},
	}}
	var start int64
	fmt.Sscan(first, &start)
	for i := range int64(n) {
		acct := fmt.Sprintf("%012d", start+i)
		seed.Accounts = append(seed.Accounts, Account{
			ID: acct, Name: "Linked " + acct, Email: "linked-" + acct + "@example.com",
		})
	}
	return seed
}

// DefaultPayer is the payer used for callers whose access key is not an account ID.
func (o Organization) DefaultPayer() string {
	if len(o.Payers) == 0 {
		return ""
	}
	return o.Payers[0].Payer.ID
}

// checkSingleFamily refuses an account that belongs to another payer's family.
func checkSingleFamily(tx Tx, payer, account string) error {
	payers, err := tx.List("", kindPayer, Timeless)
	if err != nil {
		return err
	}
	for _, other := range payers {
		if other.ID == payer {
			continue
		}
		if other.ID == account {
			return fmt.Errorf("account %s is itself a payer and cannot join %s", account, payer)
		}
		if _, ok, err := tx.Get(other.ID, kindAccount, account, Timeless); err != nil || ok {
			if err != nil {
				return err
			}
			// Not which one: a payer's upload must not learn other organizations' members.
			return fmt.Errorf("account %s already belongs to another payer's organization", account)
		}
	}
	return nil
}

// OrganizationAccounts lists the accounts of the caller's family, ordered by ID.
func (s *Service) OrganizationAccounts(ctx context.Context, payer string) ([]Account, error) {
	var accounts []Account
	err := s.view(ctx, func(tx Tx) error {
		var err error
		accounts, err = listJSON[Account](tx, payer, kindAccount, Timeless)
		return err
	})
	return accounts, err
}

// JoinAccount adds an account to a payer's family (the admin endpoint's
// "account joins the organization"). If the payer has a billing group with
// AutoAssociate in the current period, the account is associated with it.
// Replacing an account already in the family makes the next start seed the
// organization again (SeedOrganization), which re-applies the file's version.
func (s *Service) JoinAccount(ctx context.Context, payer string, a Account) error {
	if !IsAccountID(a.ID) {
		return InvalidField("AccountId", "Account ID must be 12 digits.")
	}
	period, now := s.CurrentPeriod(), s.now()
	return s.update(ctx, func(tx Tx) error {
		if _, ok, err := tx.Get("", kindPayer, payer, Timeless); err != nil || !ok {
			if err != nil {
				return err
			}
			return NotFound(TypeAccount, payer)
		}
		if err := checkSingleFamily(tx, payer, a.ID); err != nil {
			return Invalid("ILLEGAL_ACCOUNTS", "%s", err)
		}
		if a.Joined == nil {
			a.Joined = &now
		}
		if err := forgetSeedIfReplaced(tx, payer, a.ID); err != nil {
			return err
		}
		if err := cancelLeave(tx, payer, a.ID, period); err != nil {
			return err
		}
		if err := putJSON(tx, payer, kindAccount, a.ID, Timeless, a); err != nil {
			return err
		}
		return autoAssociate(tx, payer, a.ID, period, now)
	})
}

// LeaveAccount records that an account left the payer's family now. It
// stays in its billing group for the rest of the month and is in none from
// the next (endMembership). A billing group whose primary account left
// becomes PRIMARY_ACCOUNT_MISSING.
// The next start seeds the organization again (SeedOrganization): an account
// the organization file names is then a member again, as the file says.
func (s *Service) LeaveAccount(ctx context.Context, payer, id string) error {
	period, now := s.CurrentPeriod(), s.now()
	return s.update(ctx, func(tx Tx) error {
		var a Account
		if ok, err := getJSON(tx, payer, kindAccount, id, Timeless, &a); err != nil || !ok {
			if err != nil {
				return err
			}
			return NotFound(TypeAccount, id)
		}
		if id == payer {
			return Invalid("ILLEGAL_ACCOUNTS", "The management account %s cannot leave its own organization.", id)
		}
		a.Left = &now
		if err := forgetSeed(tx); err != nil { // the account may be one the organization file names
			return err
		}
		if err := putJSON(tx, payer, kindAccount, id, Timeless, a); err != nil {
			return err
		}
		group, err := membershipOf(tx, payer, id, period)
		if err != nil || group == "" {
			return err // in no group: nothing to end, no group to flag
		}
		if err := endMembership(tx, payer, id, group, period.Next()); err != nil {
			return err
		}
		return markPrimaryMissing(tx, payer, id, group, period, now)
	})
}

// cancelLeave keeps an account that left the family this period and joins
// it again in its billing group: the end its leaving wrote ahead for the
// next period is removed.
func cancelLeave(tx Tx, payer, id string, period Period) error {
	var was Account
	if ok, err := getJSON(tx, payer, kindAccount, id, Timeless, &was); err != nil || !ok || was.Left == nil ||
		PeriodOf(*was.Left) != period {
		return err
	}
	group, err := membershipOf(tx, payer, id, period)
	if err != nil || group == "" {
		return err
	}
	return cancelEnd(tx, payer, id, group, period.Next())
}

// memberAt reports whether one account belonged to the payer's family
// during the period (one read, where familyAt reads the whole family).
func memberAt(tx Tx, payer, id string, p Period) (bool, error) {
	var a Account
	ok, err := getJSON(tx, payer, kindAccount, id, Timeless, &a)
	return ok && a.MemberDuring(p), err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
