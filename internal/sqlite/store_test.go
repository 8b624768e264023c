package sqlite_test

import (
	"context"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/storetest"
)

func TestContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) conductor.Store {
		s, err := sqlite.Open(sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestContractOnDisk(t *testing.T) {
	storetest.Run(t, func(t *testing.T) conductor.Store {
		s, err := sqlite.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestReopenKeepsCommits closes and reopens a data directory.
func TestReopenKeepsCommits(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx conductor.Tx) error { return tx.Put("p", "k", "a", "2026-01", []byte("kept")) })
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(context.Background(), func(tx conductor.Tx) error {
		data, ok, err := tx.Get("p", "k", "a", "2026-02")
		if !ok || string(data) != "kept" {
			t.Errorf("after reopen: %q %v", data, ok)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestContractReadOnly(t *testing.T) {
	storetest.RunReadOnly(t, func(t *testing.T) (conductor.Store, func() (conductor.Store, error)) {
		dir := t.TempDir()
		s, err := sqlite.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, func() (conductor.Store, error) { return sqlite.OpenReadOnly(dir) }
	})
}
