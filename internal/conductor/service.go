package conductor

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Service implements the semantics of every Billing Conductor operation on
// top of a Store. Its methods are named after the AWS operations.
type Service struct {
	store Store
	clock Clock
	ids   IDs
	usage UsageEngine // prices the cost report operations; see SetUsageEngine

	conflictRetries atomic.Int64 // write transactions retried after a write conflict

	// payers are the accounts Authorize found to be payers: a set only
	// SeedOrganization and Reset change, so that a request does not pay a
	// transaction to be authorized (docs/decisions.md).
	payers sync.Map
}

// NewService returns a Service over store. A nil clock is the system clock;
// nil ids draws random identifiers.
func NewService(store Store, clock Clock, ids IDs) *Service {
	if clock == nil {
		clock = SystemClock{}
	}
	if ids == nil {
		ids = RandomIDs{}
	}
	return &Service{store: store, clock: clock, ids: ids}
}

// Caller is an authorized payer (management) account.
type Caller struct {
	Account string
}

// now is the one timestamp of an operation, truncated to the second because
// the wire carries epoch seconds.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// CurrentPeriod is the billing period of the clock's now.
func (s *Service) CurrentPeriod() Period { return PeriodOf(s.clock.Now()) }

// maxAttempts bounds retries of a transaction that hit a write conflict
// (other replicas' writes, over a shared database).
const maxAttempts = 8

// update runs fn in a write transaction, retrying write conflicts after a
// random pause that doubles with each attempt (up to ~64 ms), so that
// replicas that collided do not collide again in step.
func (s *Service) update(ctx context.Context, fn func(Tx) error) error {
	var err error
	for attempt := range maxAttempts {
		err = s.store.Update(ctx, fn)
		if !errors.Is(err, ErrWriteConflict) {
			return err
		}
		if attempt == maxAttempts-1 {
			break
		}
		s.conflictRetries.Add(1)
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << attempt))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
	return &Error{
		Code: CodeConflict, Reason: "WRITE_CONFLICT_RETRY",
		Message: "The request conflicted with a concurrent change; retry it.",
	}
}

// WriteConflictRetries is how many write transactions the Service retried
// after a write conflict (conductor.ErrWriteConflict) since it was made.
func (s *Service) WriteConflictRetries() int64 { return s.conflictRetries.Load() }

func (s *Service) view(ctx context.Context, fn func(Tx) error) error {
	return s.store.View(ctx, fn)
}

// readPeriod resolves the BillingPeriod of a read: empty means the current
// period; a future period is ILLEGAL_BILLING_PERIOD.
func (s *Service) readPeriod(billingPeriod string) (Period, error) {
	current := s.CurrentPeriod()
	if billingPeriod == "" {
		return current, nil
	}
	p, ok := ParsePeriod(billingPeriod)
	if !ok {
		return "", InvalidField("BillingPeriod", "Billing period must be of the form YYYY-MM.")
	}
	if p > current {
		return "", Invalid("ILLEGAL_BILLING_PERIOD",
			"Billing period %s is in the future; the current billing period is %s.", p, current).withField("BillingPeriod")
	}
	return p, nil
}

// Authorize returns the Caller for an account ID: only payer (management)
// accounts known to the organization may call the API.
func (s *Service) Authorize(ctx context.Context, account string) (Caller, error) {
	if _, ok := s.payers.Load(account); ok {
		return Caller{Account: account}, nil
	}
	var found bool
	err := s.view(ctx, func(tx Tx) error {
		_, ok, err := tx.Get("", kindPayer, account, Timeless)
		found = ok
		return err
	})
	if err != nil {
		return Caller{}, err
	}
	if !found {
		return Caller{}, AccessDenied("Account %s is not a management (payer) account of an organization known to Proforma; "+
			"only management accounts can call AWS Billing Conductor.", account)
	}
	s.payers.Store(account, struct{}{})
	return Caller{Account: account}, nil
}
