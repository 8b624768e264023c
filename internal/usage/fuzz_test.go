package usage

import (
	"context"
	"errors"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/pricing"
)

// FuzzAggregatesPriceLikeTheLines: whatever amounts a CUR carries, an
// import either refuses it as the file's fault (a *cur.Error) or stores
// aggregates that price exactly like its lines — the engine's costs for
// every group equal a calculator fed each raw line of the file. The
// fuzzed rows share their aggregation key with a fixed one, so their
// amounts are summed before pricing; the group's rules are linear
// (discount, markup), for which summing first changes nothing.
func FuzzAggregatesPriceLikeTheLines(f *testing.F) {
	f.Add("10", "0.104", "0.104", "0.0104", "0.052", "Usage", "0.115")
	f.Add("0", "0.00000000000000000001", "0", "", "2", "Usage", "0")                  // 20 decimals after a zero sum
	f.Add("1e30", "-99999999999999999999.5", "", "1e-30", "1E+5", "Credit", "")       // beyond 64 bits, both signs
	f.Add("9223372036854775807", "9223372036854775807", "1", "1", "0.5", "Tax", "-0") // int64 overflow on the sum
	f.Add("1", "x", "1", "1", "1", "Usage", "1")                                      // the file's fault
	f.Fuzz(func(t *testing.T, usage, cost, public, rate, cost2, type2, freePublic string) {
		e := newEnv(t)
		rows := make([][]string, len(octoberLines))
		for i, r := range octoberLines {
			rows[i] = slices.Clone(r)
		}
		// Rows a and b have the same key (account1's EC2 t3.micro usage).
		rows[0][10], rows[0][12], rows[0][13], rows[0][17], rows[0][18] = usage, cost, cost, public, rate
		rows[0][11] = rate
		rows[1][12], rows[1][13], rows[1][6] = cost2, cost2, type2
		rows[3][17] = freePublic // the free-tier row's public cost
		path := e.write("oct.csv", header, rows)
		sum, err := e.importFiles(path)
		if err != nil {
			if ce := (*cur.Error)(nil); !errors.As(err, &ce) {
				t.Fatalf("a refused import that is not the file's fault: %v", err)
			}
			t.Logf("refused: %v", err)
			return
		}
		if len(sum.Periods) != 1 {
			t.Fatalf("periods %v", sum.Periods)
		}
		period, groups, err := e.svc.ResolvePeriod(context.Background(), e.c, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		var got [][]conductor.ProductCost
		e.view(func(tx conductor.Tx) {
			if got, err = NewEngine().GroupCosts(context.Background(), tx, payer, period, groups); err != nil {
				t.Fatal(err)
			}
		})
		if len(got) != 1 || len(got[0]) == 0 {
			t.Fatalf("the group priced nothing: %v", got)
		}
		if diff := gocmp.Diff(rawLineCosts(t, path, period, groups), got, moneyCmp); diff != "" {
			t.Errorf("aggregates price unlike the lines (-lines +aggregates):\n%s", diff)
		}
	})
}

// rawLineCosts prices groups over every line of the CUR at path, read
// afresh, with no aggregation.
func rawLineCosts(t *testing.T, path string, period conductor.Period, groups []conductor.GroupAsOf) [][]conductor.ProductCost {
	t.Helper()
	rd, err := cur.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	calc, err := pricing.NewCalculator(pricingGroups(period, groups))
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		calc.Add(lineOf(&rec, period))
	}
	return productCosts(calc.Result())
}
