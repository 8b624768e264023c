package restjson

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/model"
)

// TestEveryOperationIsImplemented: no operation of the model falls back to
// NotImplementedException.
func TestEveryOperationIsImplemented(t *testing.T) {
	ops := operations()
	for _, op := range model.Operations {
		if ops[op.Name] == nil {
			t.Errorf("%s has no implementation", op.Name)
		}
	}
	if len(ops) != len(model.Operations) {
		t.Errorf("%d implementations for %d operations", len(ops), len(model.Operations))
	}
}
