package main

import (
	"context"

	"github.com/proforma-dev/proforma/internal/scenario"
	"github.com/proforma-dev/proforma/internal/server"
)

// seed applies --seed's change list the first time a store starts
// (server.Seed); a failing change stops the start with its error.
func (m *Main) seed(ctx context.Context, srv *server.Server) error {
	path := m.Config.SeedFile
	if path == "" {
		return nil
	}
	_, err := srv.Seed(ctx, path, func() ([]scenario.Change, error) { return readChanges(path) })
	return err
}
