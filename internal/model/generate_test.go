package model

import (
	"bytes"
	"os"
	"testing"

	"github.com/proforma-dev/proforma/internal/modelgen/codegen"
)

// TestGeneratedCodeUpToDate fails when model_gen.go is not what the generator
// produces for the embedded model.
func TestGeneratedCodeUpToDate(t *testing.T) {
	want, err := codegen.Generate(ModelJSON)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("model_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("model_gen.go is stale: run go generate ./internal/model")
	}
}
