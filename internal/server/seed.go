package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
)

// Where a store remembers that it was seeded: a record outside every
// payer's namespace.
const seedNS, seedKind, seedID = "_proforma", "seed", "seed"

// Seed applies the change list (a scenario's changes) that load returns,
// for the organization's default payer, the first time a store is seeded:
// when it holds no seed record (load is not called otherwise); applied
// reports whether it did. The calls go through the API in process (the
// operator's own list: signatures are not checked). A failing call
// returns its error and leaves no seed record, so the next start tries
// the whole list again. source names the list in the record and the log.
func (s *Server) Seed(ctx context.Context, source string, load func() ([]scenario.Change, error)) (applied bool, err error) {
	var seeded bool
	err = s.store.View(ctx, func(tx conductor.Tx) (err error) {
		_, seeded, err = tx.Get(seedNS, seedKind, seedID, conductor.Timeless)
		return err
	})
	if err != nil || seeded {
		if seeded {
			s.log.Info("seed: the store was seeded before; not applying it again", "source", source)
		}
		return false, err
	}
	changes, err := load()
	if err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	payer := s.org.DefaultPayer()
	api := restjson.New(s.Service, restjson.Identity{DefaultPayer: payer}, s.log)
	if _, err := scenario.Replay(ctx, InProcessClient(api, payer), changes); err != nil {
		return false, fmt.Errorf("seed %s: %w", source, err)
	}
	mark, _ := json.Marshal(map[string]any{"source": source, "changes": len(changes), "at": s.clock.Now().UTC().Format(time.RFC3339)})
	if err := s.store.Update(ctx, func(tx conductor.Tx) error {
		return tx.Put(seedNS, seedKind, seedID, conductor.Timeless, mark)
	}); err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	s.log.Info("seed: applied", "source", source, "changes", len(changes), "payer", payer)
	return true, nil
}
