package scenario

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Change is one successful mutating call made in a scenario, in the API's
// own shapes: Input as `aws billingconductor <op> --cli-input-json` takes
// it (member names, no client token), Output the created resource's
// answer ({"Arn": …}) for the Create operations, so that a replay can map
// the ARNs later inputs name to the ones it creates.
type Change struct {
	Operation string          `json:"Operation"`
	Input     json.RawMessage `json:"Input"`
	Output    json.RawMessage `json:"Output,omitempty"`
}

// Kinds of a scenario's change list, in its namespace.
const (
	kindChange  = "scenariochange"  // id: the change's index, zero-padded so that ids sort in order
	kindCreated = "scenariocreated" // id: an ARN a recorded change's Output names
	kindCounter = "scenariocount"   // id "changes": the number of changes recorded
)

// changeID is the id of the change at index i.
func changeID(i int) string { return fmt.Sprintf("%09d", i) }

// Record appends a change to the scenario's list. A change whose Output
// names a resource an earlier change created — a client-token replay,
// answered with the first result — is not recorded again. The mutation it
// records has already committed: a crash between the two leaves the
// change applied but unlisted (the caller was never answered).
func (m *Manager) Record(ctx context.Context, sc Scenario, ch Change) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	created := outputARN(ch.Output)
	ns := sc.namespace()
	return m.store.Update(ctx, func(tx conductor.Tx) error {
		if created != "" {
			_, seen, err := tx.Get(ns, kindCreated, created, conductor.Timeless)
			if err != nil || seen {
				return err
			}
			if err := tx.Put(ns, kindCreated, created, conductor.Timeless, []byte("1")); err != nil {
				return err
			}
		}
		var n int
		if raw, ok, err := tx.Get(ns, kindCounter, "changes", conductor.Timeless); err != nil {
			return err
		} else if ok {
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
		}
		if err := tx.Put(ns, kindCounter, "changes", conductor.Timeless, []byte(fmt.Sprint(n+1))); err != nil {
			return err
		}
		return tx.Put(ns, kindChange, changeID(n), conductor.Timeless, data)
	})
}

// Changes returns the caller's scenario's changes, in the order made.
func (m *Manager) Changes(ctx context.Context, c conductor.Caller, id string) ([]Change, error) {
	out := []Change{}
	err := m.store.View(ctx, func(tx conductor.Tx) error {
		sc, ok, err := get(tx, c.Account, id)
		if err != nil {
			return err
		}
		if !ok {
			return conductor.NotFound("scenario", id)
		}
		recs, err := tx.List(sc.namespace(), kindChange, conductor.Timeless)
		for _, r := range recs {
			var ch Change
			if err := json.Unmarshal(r.Data, &ch); err != nil {
				return err
			}
			out = append(out, ch)
		}
		return err
	})
	return out, err
}
