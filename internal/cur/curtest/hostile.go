// Package curtest generates hostile CUR inputs for tests: files that claim
// or contain far more than a reader should ever hold in memory. Each must be
// refused with an error naming it, within a small memory bound, by anything
// that reads CUR files (package cur, `proforma import`, the upload
// endpoint).
//
// The large ones are generated at run time, cheaply: the gzip line bomb is
// one compressed block repeated as gzip members, the zip one a deflate
// block repeated between sync flushes; nothing large is compressed or
// committed. This package does not import package cur, so cur's own tests
// can use it.
package curtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HostileFile is one generated hostile input.
type HostileFile struct {
	Name string // base name, e.g. "gzip-line-bomb.csv.gz"
	Path string // where Hostile wrote it
	Why  string // what it claims or holds
}

// Sample is a small hostile input held in memory.
type Sample struct {
	Name string
	Why  string
	Data []byte
}

// LegacyHeader is the header line of the hostile CSVs: the required legacy
// CUR columns, so that a reader gets past the header to the record.
const LegacyHeader = "bill/BillingPeriodStartDate,bill/BillingEntity,lineItem/UsageAccountId," +
	"lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation," +
	"lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode\n"

// recordStart starts the first record; its next field is lineItem/UsageType.
const recordStart = "2026-10-01T00:00:00Z,AWS,100000000001,Usage,AmazonEC2,"

// BombColumn is the column the CSV bombs grow without end.
const BombColumn = "lineItem/UsageType"

// Sizes of the generated bombs.
const (
	LineBombBytes  = 2 << 30   // the gzip and zip line bombs expand to this much after the header
	QuoteBombBytes = 300 << 20 // the unterminated quote holds this much plain CSV
)

// Hostile writes every hostile file into dir (about 310 MB, most of it the
// plain-CSV quote bomb) and returns them.
func Hostile(dir string) ([]HostileFile, error) {
	samples, err := ParquetSamples()
	if err != nil {
		return nil, err
	}
	var out []HostileFile
	for _, s := range samples {
		f := HostileFile{Name: s.Name, Path: filepath.Join(dir, s.Name), Why: s.Why}
		if err := os.WriteFile(f.Path, s.Data, 0o644); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	for _, g := range []struct {
		name, why string
		write     func(path string) error
	}{
		{"gzip-line-bomb.csv.gz", "gzip, ~2 MB: a CUR header, then 2 GiB without a line feed", writeGzipLineBomb},
		{"zip-line-bomb.zip", "zip, ~2 MB: a CUR header, then 2 GiB without a line feed", writeZipLineBomb},
		{"unterminated-quote.csv", "plain CSV: a quote opened in the first record, never closed, over 300 MB of lines", writeQuoteBomb},
	} {
		f := HostileFile{Name: g.name, Path: filepath.Join(dir, g.name), Why: g.why}
		if err := g.write(f.Path); err != nil {
			return nil, fmt.Errorf("curtest: %s: %w", g.name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// writeQuoteBomb writes LegacyHeader, then a record whose UsageType field
// opens a quote and runs for QuoteBombBytes of short CSV lines, streamed.
func writeQuoteBomb(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(LegacyHeader + recordStart + `"`)
	chunk := strings.Repeat("BoxUsage:m5.large,RunInstances,1,0.096,USD\n", 1<<20/44)
	for n := 0; n < QuoteBombBytes; n += len(chunk) {
		w.WriteString(chunk)
	}
	return errors.Join(w.Flush(), f.Close())
}
