package conductor

import (
	"context"
	"time"
)

// kindResourceRequest holds the Cloud Control API's resource operation
// requests (ns payer, Timeless): opaque JSON owned by package cloudcontrol,
// which chooses the ids (request tokens, client tokens).
const kindResourceRequest = "ccrequest"

// RequestTime is the service clock's now, to the second: the time Cloud
// Control records its requests at.
func (s *Service) RequestTime() time.Time { return s.now() }

// PutResourceRequest stores data as the Cloud Control request records ids
// of the caller's payer (one record, and the keys it is listed by),
// replacing earlier ones, in one transaction.
func (s *Service) PutResourceRequest(ctx context.Context, c Caller, data []byte, ids ...string) error {
	return s.update(ctx, func(tx Tx) error {
		for _, id := range ids {
			if err := tx.Put(c.Account, kindResourceRequest, id, Timeless, data); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteResourceRequests removes, in one transaction, each of the caller's
// Cloud Control request records named in forget whose data its function
// accepts (the check and the removal see the same version).
func (s *Service) DeleteResourceRequests(ctx context.Context, c Caller, forget map[string]func(data []byte) bool) error {
	return s.update(ctx, func(tx Tx) error {
		for id, accept := range forget {
			data, ok, err := tx.Get(c.Account, kindResourceRequest, id, Timeless)
			if err != nil {
				return err
			}
			if ok && accept(data) {
				if err := tx.Truncate(c.Account, kindResourceRequest, id, Timeless); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// GetResourceRequest returns the Cloud Control request record id; ok is
// false when there is none.
func (s *Service) GetResourceRequest(ctx context.Context, c Caller, id string) (data []byte, ok bool, err error) {
	err = s.view(ctx, func(tx Tx) error {
		data, ok, err = tx.Get(c.Account, kindResourceRequest, id, Timeless)
		return err
	})
	return data, ok, err
}

// ListResourceRequests returns the Cloud Control request records in r, in
// id order: a keyset page.
func (s *Service) ListResourceRequests(ctx context.Context, c Caller, r Range) ([]Record, error) {
	var recs []Record
	err := s.view(ctx, func(tx Tx) error {
		var err error
		recs, err = tx.ListRange(c.Account, kindResourceRequest, Timeless, r)
		return err
	})
	return recs, err
}
