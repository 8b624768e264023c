package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/proforma-dev/proforma/internal/usage"
)

// importResult is the import and what it did to API throughput.
type importResult struct {
	Lines      int
	UsageTypes int     // usage types of each product in the generated CUR (-cur-usage-types)
	Aggregates int     // what the import summed the lines into: what pricing reads
	Seconds    float64 // generating excluded
	Before     float64 // ListBillingGroups first pages per second before the import
	After      float64 // the same after it
}

// importCUR generates a CUR of lines lines over accounts linked accounts
// (see writeCUR), imports it with usage.Importer and measures
// ListBillingGroups throughput before and after the import.
func importCUR(ctx context.Context, s *server, b *bench, lines, usageTypes, accounts int, log *logger) (*importResult, error) {
	dir, err := os.MkdirTemp("", "proforma-bench-scale-cur-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "october.csv")
	log.printf("generating a CUR of %d lines", lines)
	if err := writeCUR(path, lines, usageTypes, accounts); err != nil {
		return nil, err
	}
	res := &importResult{Lines: lines, UsageTypes: usageTypes}
	if res.Before, err = throughput(ctx, b); err != nil {
		return nil, err
	}
	log.printf("importing it")
	start := time.Now()
	im := &usage.Importer{Service: s.svc, Store: s.store}
	sum, err := im.Import(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	res.Seconds = time.Since(start).Seconds()
	for _, p := range sum.Periods {
		res.Aggregates += p.Aggregates
	}
	log.printf("imported in %.1f s: %d aggregates", res.Seconds, res.Aggregates)
	res.After, err = throughput(ctx, b)
	return res, err
}

// throughput is how many ListBillingGroups first pages one client reads
// per second, over one second.
func throughput(ctx context.Context, b *bench) (float64, error) {
	list := b.listGroups(false)
	n, start := 0, time.Now()
	for ; time.Since(start) < time.Second; n++ {
		if _, err := list(ctx); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// curHeader is the legacy CUR header of writeCUR's lines.
const curHeader = "identity/LineItemId,bill/InvoiceId,bill/BillingEntity,bill/PayerAccountId,bill/BillingPeriodStartDate," +
	"lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation," +
	"lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,lineItem/BlendedCost," +
	"product/ProductName,pricing/publicOnDemandCost,pricing/publicOnDemandRate\n"

// curProducts are the (product code, usage type, operation, product name)
// of the generated usage lines.
var curProducts = [][4]string{
	{"AmazonEC2", "BoxUsage:m5.large", "RunInstances", "Amazon Elastic Compute Cloud"},
	{"AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "Amazon Simple Storage Service"},
	{"AmazonRDS", "InstanceUsage:db.r5.large", "CreateDBInstance", "Amazon Relational Database Service"},
	{"AWSLambda", "Request", "Invoke", "AWS Lambda"},
}

// writeCUR writes a deterministic legacy CUR of n usage lines for
// October 2026. Line i is charged to account i mod accounts; an account's
// j-th line (j = i div accounts) is of product j mod 4 and of that
// product's usage type j div 4 mod usageTypes, each usage type with its
// public rate, for an amount of 1 to 24 hours. An account's lines thus
// fall on up to 4 × usageTypes SKUs, the import's aggregates (with 250
// lines an account and 63 usage types or more, every line is an aggregate
// of its own: the engine's worst case).
func writeCUR(path string, n, usageTypes, accounts int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(curHeader)
	for i := range n {
		j := i / accounts
		p := curProducts[j%len(curProducts)]
		v := j / len(curProducts) % usageTypes
		rate := 1000 + 37*v + 500*(j%len(curProducts)) // µUSD per hour
		hours := 1 + i%24
		cost := micros(rate * hours)
		fmt.Fprintf(w, "line-%09d,INV-1,AWS,%s,2026-10-01T00:00:00Z,%s,Usage,%s,%s-%d,%s,%d,USD,%s,%s,%s,%s,%s,%s\n",
			i, payerID, account(i%accounts), p[0], p[1], v, p[2], hours, micros(rate), cost, cost, p[3], cost, micros(rate))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// micros renders an amount of millionths as a decimal.
func micros(n int) string { return fmt.Sprintf("%d.%06d", n/1_000_000, n%1_000_000) }
