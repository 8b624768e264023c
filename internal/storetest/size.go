package storetest

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// testSize checks a store that tells its size (the metrics read it): it
// is positive, and grows by at least what a committed blob holds.
func testSize(t *testing.T, s conductor.Store) {
	sized, ok := s.(interface {
		Size(context.Context) (int64, error)
	})
	if !ok {
		t.Skip("the store does not tell its size")
	}
	before, err := sized.Size(ctx)
	if err != nil || before <= 0 {
		t.Fatalf("Size = %d, %v", before, err)
	}
	blob := make([]byte, 2<<20)
	rand.Read(blob) // incompressible
	putBlob(t, s, "size", blob)
	after, err := sized.Size(ctx)
	if err != nil || after-before < 1<<20 {
		t.Fatalf("Size after a 2 MiB blob: %d → %d (%v)", before, after, err)
	}
}
