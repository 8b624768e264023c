package usage_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// BenchmarkAPIAfterImport measures what a stored CUR costs the API: the
// Service's ListBillingGroups and ListPricingPlans over two on-disk SQLite
// stores holding the same 10 billing groups and plans, one of which then
// imports a large CUR (PROFORMA_BENCH_LINES lines of hardly compressible
// legacy CSV, 400,000 by default: 138 MB, ~100 MB stored). The stores take
// turns, in 10 rounds of 300 ms per operation after one to warm up, so
// that both see the same machine load; each figure is the best round. It
// prints each operation's requests/s without and with the import, and
// with ÷ without; nothing is asserted.
//
//	go test ./internal/usage -run '^$' -bench APIAfterImport -benchtime 1x
func BenchmarkAPIAfterImport(b *testing.B) {
	lines := 400_000
	if s := os.Getenv("PROFORMA_BENCH_LINES"); s != "" {
		var err error
		if lines, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	path := benchCUR(b, b.TempDir(), lines)
	for b.Loop() {
		without, with := newBenchStore(b), newBenchStore(b)
		with.importCUR(b, path)
		rates := map[*benchStore]map[string]float64{without: {}, with: {}}
		for round := range 11 {
			stores := []*benchStore{without, with}
			if round%2 == 1 {
				slices.Reverse(stores) // neither always goes first
			}
			for _, s := range stores {
				for name, r := range s.rates(b) {
					if round > 0 { // round 0 warms up
						rates[s][name] = max(rates[s][name], r)
					}
				}
			}
		}
		for _, op := range []string{"ListBillingGroups", "ListPricingPlans"} {
			before, after := rates[without][op], rates[with][op]
			b.Logf("%-18s without the CUR %6.0f req/s, with it %6.0f req/s: with ÷ without %.2f", op, before, after, after/before)
			b.ReportMetric(after/before, op+"-with/without")
		}
	}
}

// benchStore is a Service over an on-disk store with 10 billing groups.
type benchStore struct {
	store *sqlite.Store
	svc   *conductor.Service
	c     conductor.Caller
}

func newBenchStore(b *testing.B) *benchStore {
	store, err := sqlite.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
	s := &benchStore{store: store, svc: conductor.NewService(store, clock, nil), c: conductor.Caller{Account: "123456789012"}}
	s.svc.SetUsageEngine(usage.NewEngine())
	s.seed(b)
	return s
}

// seed creates 10 pricing plans and a billing group on each.
func (s *benchStore) seed(b *testing.B) {
	ctx := context.Background()
	if err := s.svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		plan, err := s.svc.CreatePricingPlan(ctx, s.c, conductor.CreatePricingPlanInput{Name: fmt.Sprint("plan", i)})
		if err != nil {
			b.Fatal(err)
		}
		account := fmt.Sprintf("1000000000%02d", i+1)
		_, err = s.svc.CreateBillingGroup(ctx, s.c, conductor.CreateBillingGroupInput{Name: fmt.Sprint("group", i),
			PrimaryAccountID: account, PricingPlanARN: plan, LinkedAccountIDs: []string{account}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func (s *benchStore) importCUR(b *testing.B, path string) {
	info, _ := os.Stat(path)
	start := time.Now()
	im := &usage.Importer{Service: s.svc, Store: s.store}
	sum, err := im.Import(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("imported %d lines (%.0f MB) in %v", sum.Periods[0].Lines, float64(info.Size())/1e6, time.Since(start).Round(time.Millisecond))
}

// rates runs each list operation for 300 ms and returns its calls per second.
func (s *benchStore) rates(b *testing.B) map[string]float64 {
	ctx := context.Background()
	ops := map[string]func() error{
		"ListBillingGroups": func() error {
			_, _, err := s.svc.ListBillingGroups(ctx, s.c, conductor.ListBillingGroupsInput{})
			return err
		},
		"ListPricingPlans": func() error {
			_, _, _, err := s.svc.ListPricingPlans(ctx, s.c, conductor.ListPricingPlansInput{})
			return err
		},
	}
	out := map[string]float64{}
	for name, op := range ops {
		n, start := 0, time.Now()
		for ; time.Since(start) < 300*time.Millisecond; n++ {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		out[name] = float64(n) / time.Since(start).Seconds()
	}
	return out
}

// benchCUR writes a legacy CUR of n lines for the demo payer whose line
// IDs are random (so that its stored, gzip-compressed form stays large).
func benchCUR(b *testing.B, dir string, n int) string {
	path := filepath.Join(dir, "october.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("identity/LineItemId,bill/InvoiceId,bill/BillingEntity,bill/PayerAccountId,bill/BillingPeriodStartDate," +
		"lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation," +
		"lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,lineItem/BlendedCost," +
		"product/ProductName,pricing/publicOnDemandCost,pricing/publicOnDemandRate\n")
	rng := rand.New(rand.NewPCG(1, 2))
	id := make([]byte, 120)
	for i := range n {
		for j := range id {
			id[j] = byte(rng.Uint32())
		}
		cost := fmt.Sprintf("0.%06d", 1+i%997)
		fmt.Fprintf(w, "%s,INV-2,AWS,123456789012,2026-10-01T00:00:00Z,1000000000%02d,Usage,AmazonEC2,BoxUsage:m5.large,"+
			"RunInstances,1,USD,%s,%s,%s,Amazon Elastic Compute Cloud,%s,%s\n",
			base64.RawURLEncoding.EncodeToString(id), 1+i%4, cost, cost, cost, cost, cost)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return path
}
