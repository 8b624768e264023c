package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/scenario"
	"gopkg.in/yaml.v3"
)

// Where a store remembers that it was seeded (--seed): a record outside
// every payer's namespace.
const seedNS, seedKind, seedID = "_proforma", "seed", "seed"

// seed applies --seed's change list, for the organization's default
// payer, the first time a store starts: when the store holds no seed
// record. The calls go through the API in process (the operator's own
// file: signatures are not checked); a failing call stops the start with
// its error, and the next start tries the whole list again.
func (m *Main) seed(ctx context.Context, svc *conductor.Service, org conductor.Organization) error {
	path := m.Config.SeedFile
	if path == "" {
		return nil
	}
	var seeded bool
	err := m.Store.View(ctx, func(tx conductor.Tx) (err error) {
		_, seeded, err = tx.Get(seedNS, seedKind, seedID, conductor.Timeless)
		return err
	})
	if err != nil || seeded {
		if seeded {
			m.log.Info("seed: the store was seeded before; not applying it again", "file", path)
		}
		return err
	}
	changes, err := readChanges(path)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	payer := org.DefaultPayer()
	api := restjson.New(svc, restjson.Identity{DefaultPayer: payer}, m.log)
	if _, err := scenario.Replay(ctx, inProcessClient(api, payer), changes); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	mark, _ := json.Marshal(map[string]any{"file": path, "changes": len(changes), "at": m.Clock.Now().UTC().Format(time.RFC3339)})
	if err := m.Store.Update(ctx, func(tx conductor.Tx) error {
		return tx.Put(seedNS, seedKind, seedID, conductor.Timeless, mark)
	}); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	m.log.Info("seed: applied", "file", path, "changes", len(changes), "payer", payer)
	return nil
}

// yamlChanges reads a change list written in YAML, as JSON would be.
func yamlChanges(data []byte) ([]scenario.Change, error) {
	var list []map[string]any
	if err := yaml.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	asJSON, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	var out []scenario.Change
	return out, json.Unmarshal(asJSON, &out)
}
