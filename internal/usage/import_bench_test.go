package usage_test

import (
	"context"
	"os"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// BenchmarkImportFile imports the CUR PROFORMA_IMPORT_FILE names (such as
// bench/engine's generated file: `go run ./bench/engine -generate-only`)
// into a new on-disk store, for CPU and memory profiles of the import
// without a process around it; it skips without the variable. It reports
// lines/s.
//
//	PROFORMA_IMPORT_FILE=/tmp/proforma-bench-engine/cur-v1-seed1-1000000.csv \
//	  go test ./internal/usage -run '^$' -bench ImportFile -benchtime 1x -cpuprofile /tmp/import.out
func BenchmarkImportFile(b *testing.B) {
	path := os.Getenv("PROFORMA_IMPORT_FILE")
	if path == "" {
		b.Skip("set PROFORMA_IMPORT_FILE to a CUR file")
	}
	for b.Loop() {
		store, err := sqlite.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		svc := conductor.NewService(store, nil, nil)
		if err := svc.SeedOrganization(context.Background(), conductor.DemoOrganization()); err != nil {
			b.Fatal(err)
		}
		sum, err := (&usage.Importer{Service: svc, Store: store}).Import(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		var lines int64
		for _, f := range sum.Files {
			lines += f.Lines
		}
		b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
		store.Close()
	}
}
