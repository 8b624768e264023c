// Command modelgen generates package model (internal/model/model_gen.go) from
// the vendored botocore service model.
//
// Usage, from the module root:
//
//	go run ./internal/modelgen [-model internal/model/billingconductor.json] [-out internal/model/model_gen.go]
//
// or through the go:generate directive in internal/model: go generate ./internal/model
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/proforma-dev/proforma/internal/modelgen/codegen"
)

func main() {
	modelPath := flag.String("model", "internal/model/billingconductor.json", "botocore service model to read")
	outPath := flag.String("out", "internal/model/model_gen.go", "Go file to write")
	flag.Parse()
	if err := run(*modelPath, *outPath); err != nil {
		fmt.Fprintln(os.Stderr, "modelgen:", err)
		os.Exit(1)
	}
}

func run(modelPath, outPath string) error {
	data, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	src, err := codegen.Generate(data)
	if err != nil {
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	return os.WriteFile(outPath, src, 0o644)
}
