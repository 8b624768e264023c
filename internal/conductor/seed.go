package conductor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// kindSeed is the record (ns "", id seedID) that holds the digest of the
// organization last seeded (a seedMark). It is defined here rather than with
// the other kinds in store.go because only seeding reads and writes it.
const (
	kindSeed = "orgseed"
	seedID   = "organization"
)

// seedFormat is mixed into the digest. Change it whenever seedPayer writes
// different records for the same Organization, so that a store seeded by an
// earlier version is seeded again instead of skipped.
const seedFormat = "proforma organization seed v1\n"

// seedMark is the data of the kindSeed record.
type seedMark struct {
	Digest string // hex SHA-256 of the organization as seeded (orgDigest)
}

// SeedOrganization stores the organization: payers, accounts and transfers
// are created or replaced; records not named in it are left as they are.
// The payer's own account is a member of its family.
//
// Seeding is skipped, writing nothing, when the store already holds exactly
// what it would write: the digest of the organization (orgDigest; it leaves
// credentials out, as the store never holds them) equals the one recorded by
// the last seeding, which is written in the same transaction as the records.
// So a restart with an unchanged organization file costs one read however
// large the organization is, and ends in the same state a full seeding would.
//
// Run-time changes keep that promise. An admin JoinAccount that replaces an
// existing account, and every LeaveAccount, may change a record the file
// names, so they erase the digest in their transaction: the next start seeds
// again and, as before this shortcut existed, re-applies the file over them
// (a file account that left is a member again). A JoinAccount of a new
// account and the accounts a usage import registers only add records the
// organization does not name — seeding would leave them alone — so they keep
// the digest and the next start is still skipped. A store without a digest
// (written before it existed) is seeded; a version of Proforma older than
// the digest does not erase it, so its run-time changes to file accounts
// outlive the next start of a newer version (Reset puts the file back).
func (s *Service) SeedOrganization(ctx context.Context, org Organization) error {
	defer s.payers.Clear()
	digest, err := orgDigest(org)
	if err != nil {
		return err
	}
	if done, err := s.seededAlready(ctx, digest); err != nil || done {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if done, err := seeded(tx, digest); err != nil || done {
			return err // another replica seeded the same organization meanwhile
		}
		return seedAll(tx, org, digest)
	})
}

// Reset erases all state and seeds the organization again (admin endpoint),
// recording its digest so that the next start with the same organization
// skips seeding.
func (s *Service) Reset(ctx context.Context, org Organization) error {
	defer s.payers.Clear()
	digest, err := orgDigest(org)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := tx.DeleteAll(); err != nil {
			return err
		}
		return seedAll(tx, org, digest)
	})
}

// orgDigest is the hex SHA-256 of seedFormat followed by the JSON of each
// payer's seed without its credentials: the same encoding the records are
// stored in, so equal digests mean equal records. No secret goes into it.
func orgDigest(org Organization) (string, error) {
	h := sha256.New()
	h.Write([]byte(seedFormat))
	enc := json.NewEncoder(h)
	for _, p := range org.Payers {
		p.Payer.Credentials = nil // p is a copy; the caller's organization keeps its keys
		if err := enc.Encode(p); err != nil {
			return "", fmt.Errorf("organization digest: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// seededAlready reads, without taking the write lock, whether the store
// records digest as the last seeding.
func (s *Service) seededAlready(ctx context.Context, digest string) (bool, error) {
	var done bool
	err := s.view(ctx, func(tx Tx) error {
		var err error
		done, err = seeded(tx, digest)
		return err
	})
	return done, err
}

// seeded reports whether the store records digest as the last seeding.
func seeded(tx Tx, digest string) (bool, error) {
	var m seedMark
	ok, err := getJSON(tx, "", kindSeed, seedID, Timeless, &m)
	return ok && m.Digest == digest, err
}

// seedAll writes every payer of the organization, then its digest.
func seedAll(tx Tx, org Organization, digest string) error {
	for _, p := range org.Payers {
		if err := seedPayer(tx, p); err != nil {
			return err
		}
	}
	return putJSON(tx, "", kindSeed, seedID, Timeless, seedMark{Digest: digest})
}

// forgetSeed erases the digest of the last seeding, in the transaction of a
// run-time change to a record seeding may have written, so that the next
// start seeds again (see SeedOrganization).
func forgetSeed(tx Tx) error {
	return tx.Delete("", kindSeed, seedID, Timeless)
}

// forgetSeedIfReplaced calls forgetSeed when the payer's family already has
// the account, which a write is about to replace.
func forgetSeedIfReplaced(tx Tx, payer, account string) error {
	if _, ok, err := tx.Get(payer, kindAccount, account, Timeless); err != nil || !ok {
		return err
	}
	return forgetSeed(tx)
}

func seedPayer(tx Tx, p PayerSeed) error {
	if !IsAccountID(p.Payer.ID) {
		return fmt.Errorf("payer %q: not a 12-digit account ID", p.Payer.ID)
	}
	// Credentials stay in memory with the organization the server started
	// with (strict mode verifies against it); no secret is written to the
	// store, and seeding over a store that holds some from an earlier
	// version removes them.
	payer := p.Payer
	payer.Credentials = nil
	if err := putJSON(tx, "", kindPayer, payer.ID, Timeless, payer); err != nil {
		return err
	}
	self := Account{ID: p.Payer.ID, Name: p.Payer.Name, Email: p.Payer.Email}
	for _, a := range append([]Account{self}, p.Accounts...) {
		if err := checkSingleFamily(tx, p.Payer.ID, a.ID); err != nil {
			return err
		}
		if err := putJSON(tx, p.Payer.ID, kindAccount, a.ID, Timeless, a); err != nil {
			return err
		}
	}
	for _, t := range p.Transfers {
		if err := putJSON(tx, p.Payer.ID, kindTransfer, t.ARN, Timeless, t); err != nil {
			return err
		}
	}
	return nil
}
