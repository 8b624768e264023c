package conductor

import (
	"context"
	"encoding/json"
	"errors"
)

// Store persists versioned records. It holds no business rules: every rule
// lives in Service, so all Store implementations behave alike.
//
// A record is identified by (namespace, kind, id) and has versions that each
// start at a billing period. The version in force at period P is the one with
// the latest start ≤ P; a tombstone version means the record does not exist
// from that period on. Records that are not period-scoped use Timeless.
type Store interface {
	// Update runs fn in a serializable read-write transaction and commits it
	// durably (the commit survives a crash once Update returns nil).
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction over a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is the record interface of one transaction.
//
// Besides versioned records a transaction reads and writes blobs: large
// opaque values (megabytes: stored files), kept apart from the records so
// that reading records never passes through them. A blob has one global
// id and no versions; it is part of the transaction like a record (a
// failed Update leaves none of its blobs, a View sees a consistent
// snapshot of both).
type Tx interface {
	// Get returns the data of the version in force at period; ok is false when
	// there is none or it is a tombstone.
	Get(ns, kind, id string, at Period) (data []byte, ok bool, err error)
	// List returns the live versions in force at period of every record of
	// the kind, ordered by id.
	List(ns, kind string, at Period) ([]Record, error)
	// ListRange returns the live versions in force at period of the records
	// of the kind whose id is in r, ordered by id: a keyset page. Its cost
	// grows with the ids it passes (those returned and tombstoned ones
	// between them), not with the other records of the kind.
	ListRange(ns, kind string, at Period, r Range) ([]Record, error)
	// Count returns the number of records List would return, without
	// reading their data.
	Count(ns, kind string, at Period) (int, error)
	// CountEach returns Count of each kind, in order, in one round trip:
	// a page of groups' member counts.
	CountEach(ns string, kinds []string, at Period) ([]int, error)
	// Put writes the version of the record that starts at period, replacing a
	// version that starts at the same period.
	Put(ns, kind, id string, from Period, data []byte) error
	// Delete writes a tombstone starting at period.
	Delete(ns, kind, id string, from Period) error
	// Versions returns every version of a record, tombstones included, in
	// period order.
	Versions(ns, kind, id string) ([]Version, error)
	// Truncate removes the versions of a record that start at or after period.
	Truncate(ns, kind, id string, from Period) error
	// DeleteAll removes every record of every namespace, and every blob.
	DeleteAll() error
	// CopyNamespace copies every version (tombstones included) of every
	// record of namespace from into namespace to, except the records of
	// the kinds in skip; a version to already has is replaced. Its cost
	// is the versions copied, in one statement: what a branch of a
	// payer's configuration needs.
	CopyNamespace(from, to string, skip []string) error
	// DeleteNamespace removes every version of every record of ns.
	DeleteNamespace(ns string) error

	// PutBlob stores data as the blob id, replacing a blob with that id.
	PutBlob(id string, data []byte) error
	// GetBlob returns the data of the blob id; ok is false when there is
	// none. Its cost is the blob's size, whatever else is stored.
	GetBlob(id string) (data []byte, ok bool, err error)
	// DeleteBlob removes the blob id; removing a blob that does not exist
	// is no error.
	DeleteBlob(id string) error
	// BlobIDs returns the ids of the blobs that start with prefix ("" for
	// all), in byte order, without reading their data.
	BlobIDs(prefix string) ([]string, error)
}

// Range selects the ids of a ListRange: those that start with Prefix and
// sort after After ("" = from the first), at most Limit of them (0 = all).
type Range struct {
	Prefix string
	After  string
	Limit  int
}

// From returns where a range starts: the first id ≥ from when
// inclusive, or the first id > from otherwise. Stores use it to pick the
// one index bound that serves both the prefix and the keyset.
func (r Range) From() (from string, inclusive bool) {
	if r.After != "" && r.After >= r.Prefix {
		return r.After, false
	}
	return r.Prefix, true
}

// Version is one version of a record.
type Version struct {
	Period  Period
	Deleted bool
	Data    []byte
}

// Record is one live record version returned by List.
type Record struct {
	ID   string
	Data []byte
}

// ErrWriteConflict is returned by a Store when a concurrent transaction made
// the commit impossible; the Service retries it and finally reports
// ConflictException WRITE_CONFLICT_RETRY.
var ErrWriteConflict = errors.New("write conflict")

// Record kinds. Namespaces are payer account IDs, or "" for global records.
const (
	kindPayer              = "payer"          // ns "": a management account (never its credentials)
	kindAccount            = "account"        // ns payer: a member of the payer's organization
	kindTransfer           = "transfer"       // ns payer: an inbound billing transfer
	kindTransferPreference = "transferpref"   // ns payer: transfer ARN → auto-creation preference
	kindBillingGroup       = "billinggroup"   // ns payer, per period
	kindMembership         = "membership"     // ns payer, per period: account → billing group ID
	kindPricingPlan        = "pricingplan"    // ns payer, per period
	kindPricingRule        = "pricingrule"    // ns payer, per period
	kindCustomLineItem     = "customlineitem" // ns payer, per period
	kindCLILink            = "clilink"        // ns payer, per period: percentage item ID/resource ARN
	kindTags               = "tags"           // ns payer: resource ARN → tags
	kindClientToken        = "clienttoken"    // ns payer: operation/token → first result
)

// getJSON loads one record into v.
func getJSON(tx Tx, ns, kind, id string, at Period, v any) (bool, error) {
	data, ok, err := tx.Get(ns, kind, id, at)
	if err != nil || !ok {
		return false, err
	}
	return true, json.Unmarshal(data, v)
}

// putJSON stores v as the version of the record starting at period.
func putJSON(tx Tx, ns, kind, id string, from Period, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(ns, kind, id, from, data)
}

// listJSON decodes every live record of a kind at period.
func listJSON[T any](tx Tx, ns, kind string, at Period) ([]T, error) {
	recs, err := tx.List(ns, kind, at)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		v, err := decodeRecord[T](r.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
