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

// PutResourceRequest stores data as the Cloud Control request record id of
// the caller's payer, replacing an earlier one.
func (s *Service) PutResourceRequest(ctx context.Context, c Caller, id string, data []byte) error {
	return s.update(ctx, func(tx Tx) error {
		return tx.Put(c.Account, kindResourceRequest, id, Timeless, data)
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

// ListResourceRequests returns the Cloud Control request records whose id
// starts with prefix, in id order.
func (s *Service) ListResourceRequests(ctx context.Context, c Caller, prefix string) ([]Record, error) {
	var recs []Record
	err := s.view(ctx, func(tx Tx) error {
		var err error
		recs, err = tx.ListRange(c.Account, kindResourceRequest, Timeless, Range{Prefix: prefix})
		return err
	})
	return recs, err
}
