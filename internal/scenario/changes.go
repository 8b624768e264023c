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

// kindChange is a scenario's change, in its namespace: id the change's
// index, zero-padded so that ids sort in order.
const kindChange = "scenariochange"

// changeID is the id of the change at index i.
func changeID(i int) string { return fmt.Sprintf("%09d", i) }

// Record appends a change to the scenario's list. The mutation it
// records has already committed: a crash between the two leaves the
// change applied but unlisted (the caller was never answered).
func (m *Manager) Record(ctx context.Context, sc Scenario, ch Change) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return m.store.Update(ctx, func(tx conductor.Tx) error {
		n, err := tx.Count(sc.namespace(), kindChange, conductor.Timeless)
		if err != nil {
			return err
		}
		return tx.Put(sc.namespace(), kindChange, changeID(n), conductor.Timeless, data)
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
