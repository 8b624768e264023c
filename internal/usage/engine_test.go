package usage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/parallel"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/shopspring/decimal"
)

// engineAccounts is the number of usage accounts of engineCUR.
const engineAccounts = 24

func engineAccount(i int) string { return fmt.Sprintf("3000000000%02d", i) }

var engineHeader = append(slices.Clone(header), "savingsPlan/SavingsPlanARN", "reservation/ReservationARN")

// engineCUR is a deterministic October CUR over engineAccounts accounts:
// usage of several services (one SKU under two product names, so that
// custom tiers depend on the order lines are priced in), free tier,
// Marketplace, Savings Plan lines of plans owned by accounts 0 and 1,
// credits, tax, and amounts too large for 64-bit coefficients.
func engineCUR() [][]string {
	r := rand.New(rand.NewPCG(1, 2))
	amount := func() string { return fmt.Sprintf("%d.%010d", r.IntN(1000), r.IntN(10000000000)) }
	var rows [][]string
	row := func(account, typ, product, name, service, usageType, op, usage, unblended, public, rate, entity, sp string) {
		rows = append(rows, []string{fmt.Sprint(len(rows)), "INV1", entity, payer, "2026-10-01T00:00:00Z", account, typ, product,
			usageType, op, usage, rate, unblended, unblended, "line", name, service, public, rate, "USD", sp, ""})
	}
	sp := func(owner int) string {
		return fmt.Sprintf("arn:aws:savingsplans::%s:savingsplan/sp-%d", engineAccount(owner), owner)
	}
	for n := 0; n < 2000; n++ {
		a := engineAccount(r.IntN(engineAccounts))
		switch k := r.IntN(10); k {
		case 0, 1, 2:
			c := amount()
			row(a, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "AmazonEC2", "BoxUsage:m5.large", "RunInstances", amount(), c, c, "0.096", "AWS", "")
		case 3:
			c := amount() // one SKU, two product names
			if r.IntN(2) == 0 {
				row(a, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "AWSDataTransfer", "DataTransfer-Out-Bytes", "Out", amount(), c, c, "0.09", "AWS", "")
			} else {
				row(a, "Usage", "AmazonS3", "Amazon Simple Storage Service", "AWSDataTransfer", "DataTransfer-Out-Bytes", "Out", amount(), c, c, "0.09", "AWS", "")
			}
		case 4:
			c := amount()
			row(a, "Usage", "AmazonS3", "Amazon Simple Storage Service", "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", amount(), "0", c, "0.023", "AWS", "")
		case 5:
			row(a, "Usage", "prodmkt", "Some Marketplace Product", "", "SoftwareUsage", "", "1", amount(), "", "", "AWS Marketplace", "")
		case 6:
			owner := r.IntN(2)
			c := amount()
			row(a, "SavingsPlanCoveredUsage", "AmazonEC2", "Amazon Elastic Compute Cloud", "AmazonEC2", "BoxUsage:c5.xlarge", "RunInstances", amount(), c, c, "0.17", "AWS", sp(owner))
			row(a, "SavingsPlanNegation", "AmazonEC2", "Amazon Elastic Compute Cloud", "AmazonEC2", "BoxUsage:c5.xlarge", "RunInstances", "0", "-"+c, "", "", "AWS", sp(owner))
		case 7:
			row(a, "Credit", "AmazonEC2", "Amazon Elastic Compute Cloud", "AmazonEC2", "", "", "0", "-"+amount(), "", "", "AWS", "")
		case 8:
			row(a, "Tax", "AmazonEC2", "Amazon Elastic Compute Cloud", "AmazonEC2", "", "", "0", amount(), "", "", "AWS", "")
		case 9: // beyond 64-bit coefficients
			row(a, "Usage", "AmazonCloudWatch", "AmazonCloudWatch", "AmazonCloudWatch", "Requests", "Get",
				"98765432109876543210.0123456789", "12345678901234567.0123456789", "-12345678901234567.0123456789", "0.00000001", "AWS", "")
		}
	}
	for owner := range 2 {
		row(engineAccount(owner), "SavingsPlanRecurringFee", "ComputeSavingsPlans", "Savings Plans for AWS Compute usage", "", "ComputeSP:1yrNoUpfront", "", "720", amount(), "", "", "AWS", sp(owner))
	}
	return rows
}

// engineGroups are groups of engineAccounts' accounts: groups of three
// (accounts 21–23 unmonitored) with rules of every kind, including custom
// tiers over the SKU of two product names, and custom line items.
func engineGroups() []conductor.GroupAsOf {
	pct := func(v float64) *float64 { return &v }
	end := 8000.0
	rulesets := [][]conductor.PricingRule{
		nil,
		{{ID: "g", Scope: conductor.ScopeGlobal, Type: conductor.RuleDiscount, ModifierPercentage: pct(5)},
			{ID: "s", Scope: conductor.ScopeService, Service: "AmazonEC2", Type: conductor.RuleMarkup, ModifierPercentage: pct(10)}},
		{{ID: "t", Scope: conductor.ScopeSKU, Service: "AWSDataTransfer", UsageType: "DataTransfer-Out-Bytes", Operation: "Out", Type: conductor.RuleTiering,
			Tiering: &conductor.Tiering{CustomTiers: []conductor.CustomTier{
				{BeginRangeInclusive: 0, EndRangeExclusive: &end, RateValue: 0.05}, {BeginRangeInclusive: 8000, RateValue: 0.02}}}}},
		{{ID: "f", Scope: conductor.ScopeGlobal, Type: conductor.RuleTiering, Tiering: &conductor.Tiering{FreeTierActivated: new(bool)}},
			{ID: "m", Scope: conductor.ScopeBillingEntity, BillingEntity: "AWS Marketplace", Type: conductor.RuleMarkup, ModifierPercentage: pct(2.5)}},
	}
	var groups []conductor.GroupAsOf
	for i := 0; i < 7; i++ {
		arn := conductor.ARN(payer, conductor.TypeBillingGroup, fmt.Sprintf("5000000000%02d", i))
		g := conductor.GroupAsOf{ARN: arn, Rules: rulesets[i%len(rulesets)], Passthrough: i == 6,
			Accounts: []string{engineAccount(3 * i), engineAccount(3*i + 1), engineAccount(3*i + 2)},
			Items: []conductor.CustomLineItem{
				{ID: fmt.Sprintf("flat%d", i), Type: conductor.ChargeFee, Flat: pct(10)},
				{ID: fmt.Sprintf("pct%d", i), Type: conductor.ChargeFee, Percentage: pct(3)},
			}}
		g.Associations = map[string][]string{g.Items[1].ID: {arn, conductor.ARN(payer, conductor.TypeCustomLineItem, g.Items[0].ID)}}
		groups = append(groups, g)
	}
	return groups
}

// wholePeriodCosts prices groups as the engine did before aggregates were
// kept per account: every line of the period, in first-seen order, through
// one calculator of all the groups.
func wholePeriodCosts(t *testing.T, tx conductor.Tx, m Manifest, groups []conductor.GroupAsOf) [][]conductor.ProductCost {
	t.Helper()
	ids, err := tx.BlobIDs(accountBlobs(payer, m.ImportID, m.Period))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		seq uint32
		l   pricing.Line
	}
	var rows []row
	for _, id := range ids {
		data, _, err := tx.GetBlob(id)
		if err != nil {
			t.Fatal(err)
		}
		a, err := decodeAccount(data, m.Period, id[strings.LastIndex(id, "/")+1:])
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range a.lines {
			rows = append(rows, row{l.seq, a.line(i)})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	calc, err := pricing.NewCalculator(pricingGroups(m.Period, groups))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		calc.Add(r.l)
	}
	out := make([][]conductor.ProductCost, len(groups))
	for i, r := range calc.Result() {
		for _, p := range r.Products {
			out[i] = append(out[i], conductor.ProductCost{Product: p.Product,
				AWSCost: money(p.AWSCost.String()), ProformaCost: money(p.ProformaCost.String())})
		}
	}
	return out
}

// Pricing one group, or a page of groups, gives exactly the figures of
// pricing the whole period at once (the engine before per-account
// aggregates), over the per-account layout and the earlier one, cached or
// not.
func TestGroupCostsOfSomeGroupsMatchTheWholePeriod(t *testing.T) {
	e := newEnv(t)
	sum, err := e.importFiles(e.write("oct.csv", engineHeader, engineCUR()))
	if err != nil {
		t.Fatal(err)
	}
	m := sum.Periods[0]
	groups := engineGroups()
	var want [][]conductor.ProductCost
	e.view(func(tx conductor.Tx) { want = wholePeriodCosts(t, tx, m, groups) })
	for i, w := range want {
		if len(w) < 3 {
			t.Fatalf("group %d has %d products: the CUR does not reach it", i, len(w))
		}
	}
	check := func(name string, engine *Engine) {
		for _, page := range [][2]int{{0, 7}, {2, 5}, {6, 7}} {
			for pass := range 2 { // the second from the cache
				e.view(func(tx conductor.Tx) {
					got, err := engine.GroupCosts(context.Background(), tx, payer, "2026-10", groups[page[0]:page[1]])
					if err != nil {
						t.Fatal(err)
					}
					if diff := gocmp.Diff(want[page[0]:page[1]], got, moneyCmp); diff != "" {
						t.Errorf("%s, groups %v, pass %d (-whole period +groups):\n%s", name, page, pass, diff)
					}
				})
			}
		}
		for i := range groups {
			e.view(func(tx conductor.Tx) {
				got, err := engine.GroupCosts(context.Background(), tx, payer, "2026-10", groups[i:i+1])
				if err != nil {
					t.Fatal(err)
				}
				if diff := gocmp.Diff(want[i:i+1], got, moneyCmp); diff != "" {
					t.Errorf("%s, group %d alone (-whole period +group):\n%s", name, i, diff)
				}
			})
		}
	}
	check("per account", NewEngine())
	check("per account, uncached", NewEngineWithCache(0))
	check("per account, small cache", NewEngineWithCache(20000))
	e.toPeriodLayout(m, false)
	check("earlier layout", NewEngine())
	check("earlier layout, uncached", NewEngineWithCache(0))
}

// moneyCmp compares amounts exactly.
var moneyCmp = gocmp.Comparer(func(a, b conductor.Money) bool { return a.Sub(b).IsZero() })

// view runs f in a read transaction of the env's store.
func (e *env) view(f func(conductor.Tx)) {
	e.t.Helper()
	if err := e.store.View(context.Background(), func(tx conductor.Tx) error { f(tx); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

// blobCountingTx counts the blobs a transaction reads.
type blobCountingTx struct {
	conductor.Tx
	ids *[]string
}

func (t blobCountingTx) GetBlob(id string) ([]byte, bool, error) {
	*t.ids = append(*t.ids, id)
	return t.Tx.GetBlob(id)
}

// corruptingTx answers one account's blob with bytes that do not decode.
type corruptingTx struct {
	conductor.Tx
	account string
}

func (t corruptingTx) GetBlob(id string) ([]byte, bool, error) {
	if strings.HasSuffix(id, "/"+t.account) {
		return []byte{accountFormat, 9}, true, nil
	}
	return t.Tx.GetBlob(id)
}

// An account whose aggregates do not decode fails the call with an error
// naming it, whether its group is priced first or last among many (more
// than the workers), and the engine prices the other groups afterwards.
func TestGroupCostsReportsCorruptAggregates(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", engineHeader, engineCUR())); err != nil {
		t.Fatal(err)
	}
	groups := engineGroups()
	for _, bad := range []string{groups[0].Accounts[0], groups[len(groups)-1].Accounts[2]} {
		e.view(func(tx conductor.Tx) {
			_, err := NewEngineWithCache(0).GroupCosts(context.Background(), corruptingTx{tx, bad}, payer, "2026-10", groups)
			if err == nil || !strings.Contains(err.Error(), "account "+bad) || !errors.Is(err, errCorrupt) {
				t.Errorf("account %s corrupt: %v", bad, err)
			}
		})
	}
	e.view(func(tx conductor.Tx) {
		if _, err := NewEngine().GroupCosts(context.Background(), tx, payer, "2026-10", groups); err != nil {
			t.Errorf("intact: %v", err)
		}
	})
}

// The engine reads the aggregates of the requested groups' accounts only,
// once: then they come from the cache, until a re-import of the period,
// whose aggregates it reads instead.
func TestEngineReadsTheGroupsAccountsOnly(t *testing.T) {
	e := newEnv(t)
	sum, err := e.importFiles(e.write("oct.csv", engineHeader, engineCUR()))
	if err != nil {
		t.Fatal(err)
	}
	engine := NewEngine()
	groups := engineGroups()
	price := func(groups ...conductor.GroupAsOf) (costs [][]conductor.ProductCost, read []string) {
		e.view(func(tx conductor.Tx) {
			var err error
			costs, err = engine.GroupCosts(context.Background(), blobCountingTx{tx, &read}, payer, "2026-10", groups)
			if err != nil {
				t.Fatal(err)
			}
		})
		return costs, read
	}
	blobs := func(importID string, accounts ...string) []string {
		var ids []string
		for _, a := range accounts {
			ids = append(ids, accountBlob(payer, importID, "2026-10", a))
		}
		return ids
	}
	first, read := price(groups[2])
	if diff := gocmp.Diff(blobs(sum.Periods[0].ImportID, groups[2].Accounts...), read); diff != "" {
		t.Errorf("blobs read for one group (-want +got):\n%s", diff)
	}
	if _, read = price(groups[2]); len(read) != 0 {
		t.Errorf("blobs read again for the same group: %v", read)
	}
	_, read = price(groups[2], groups[3])
	if diff := gocmp.Diff(blobs(sum.Periods[0].ImportID, groups[3].Accounts...), read); diff != "" {
		t.Errorf("blobs read for a second group (-want +got):\n%s", diff)
	}
	// A re-import of the period: the same group is priced over the new data.
	reimport := slices.DeleteFunc(engineCUR(), func(r []string) bool { return r[6] == "Tax" || r[6] == "Credit" })
	sum, err = e.importFiles(e.write("oct2.csv", engineHeader, reimport))
	if err != nil {
		t.Fatal(err)
	}
	again, read := price(groups[2])
	if diff := gocmp.Diff(blobs(sum.Periods[0].ImportID, groups[2].Accounts...), read); diff != "" {
		t.Errorf("blobs read after the re-import (-want +got):\n%s", diff)
	}
	if gocmp.Equal(first, again, moneyCmp) {
		t.Error("the report did not change with the re-import (credits removed)")
	}
	var want [][]conductor.ProductCost
	e.view(func(tx conductor.Tx) { want = wholePeriodCosts(t, tx, sum.Periods[0], groups[2:3]) })
	if diff := gocmp.Diff(want, again, moneyCmp); diff != "" {
		t.Errorf("after the re-import (-whole period +cached engine):\n%s", diff)
	}
	for el := engine.lru.Front(); el != nil; el = el.Next() {
		if k := el.Value.(*cacheEntry).key; k.importID != sum.Periods[0].ImportID {
			t.Errorf("cache entry %v of the replaced import left", k)
		}
	}
}

// Decimals survive the account encoding exactly: value and exponent.
func TestAccountDecimalEncoding(t *testing.T) {
	for _, s := range []string{"0", "-0.5", "1e-30", "123.4560", "-98765432109876543210987654321.0123456789",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809"} {
		d := decimal.RequireFromString(s)
		dec := decoder{data: appendDecimal(nil, d)}
		got := dec.decimal()
		if dec.err != nil || len(dec.data) != 0 || !got.Equal(d) || got.Exponent() != d.Exponent() {
			t.Errorf("%s: decoded %s (exponent %d, want %d), err %v", s, got, got.Exponent(), d.Exponent(), dec.err)
		}
	}
	if _, err := decodeAccount([]byte{accountFormat, 1, 5, 'a'}, "2026-10", account1); err == nil {
		t.Error("a truncated blob decoded")
	}
}

// An account's amounts decode to the table exactly: repeats share one
// entry, values that share a slot of recentAmounts or only differ by
// exponent keep their own, large coefficients are decoded whole.
func TestAccountAmountsShareEqualValues(t *testing.T) {
	var values []decimal.Decimal
	for i := range 2000 {
		values = append(values, decimal.New(int64(i%97), -int32(i%2))) // 194 values, "1" and "1.0" among them
	}
	values = append(values, decimal.RequireFromString("-98765432109876543210987654321.0123456789"),
		decimal.RequireFromString("1.0"), decimal.RequireFromString("1"), decimal.RequireFromString("1.0"))
	var data []byte
	for _, v := range values {
		data = appendDecimal(data, v)
	}
	dec, a := decoder{data: data}, &accountLines{}
	var recent recentAmounts
	for i, v := range values {
		got := a.amounts[dec.amount(a, &recent)]
		if dec.err != nil || !got.Equal(v) || got.Exponent() != v.Exponent() {
			t.Fatalf("amount %d: %s (exponent %d), want %s (exponent %d), err %v", i, got, got.Exponent(), v, v.Exponent(), dec.err)
		}
	}
	if len(a.amounts) < 195 || len(a.amounts) > len(values)/4 {
		t.Errorf("%d amounts in the table for %d values, 195 distinct", len(a.amounts), len(values))
	}
	if len(dec.data) != 0 {
		t.Errorf("%d bytes left", len(dec.data))
	}
}

// A group priced again over the same import comes from the priced cache;
// a change to anything the engine prices by (a rule, an item, an
// association, the accounts) is another group, priced anew — each result
// equal to an engine that caches nothing.
func TestPricedCacheFollowsTheGroup(t *testing.T) {
	e := newEnv(t)
	if _, err := e.importFiles(e.write("oct.csv", engineHeader, engineCUR())); err != nil {
		t.Fatal(err)
	}
	cached, uncached := NewEngine(), NewEngineWithCache(0)
	price := func(engine *Engine, groups []conductor.GroupAsOf) (costs [][]conductor.ProductCost) {
		e.view(func(tx conductor.Tx) {
			var err error
			if costs, err = engine.GroupCosts(context.Background(), tx, payer, "2026-10", groups); err != nil {
				t.Fatal(err)
			}
		})
		return costs
	}
	pct := func(v float64) *float64 { return &v }
	changes := map[string]func(g *conductor.GroupAsOf){
		"unchanged": func(*conductor.GroupAsOf) {},
		"rule": func(g *conductor.GroupAsOf) {
			g.Rules = []conductor.PricingRule{{ID: "x", Scope: conductor.ScopeGlobal, Type: conductor.RuleMarkup, ModifierPercentage: pct(12)}}
		},
		"item":     func(g *conductor.GroupAsOf) { g.Items[0].Flat = pct(11) },
		"link":     func(g *conductor.GroupAsOf) { g.Associations = nil },
		"accounts": func(g *conductor.GroupAsOf) { g.Accounts = g.Accounts[:1] },
	}
	for _, name := range []string{"unchanged", "rule", "item", "link", "accounts", "unchanged"} {
		groups := engineGroups()
		for i := range groups {
			changes[name](&groups[i])
		}
		if diff := gocmp.Diff(price(uncached, groups), price(cached, groups), moneyCmp); diff != "" {
			t.Errorf("%s: cached engine differs (-uncached +cached):\n%s", name, diff)
		}
	}
	if n, want := cached.priced.lru.Len(), 5*len(engineGroups()); n != want {
		t.Errorf("priced cache holds %d groups, want %d (5 distinct versions of 7 groups)", n, want)
	}
}

// A pricing worker that panics fails the call with a *PanicError, and the
// call returns even when every worker panicked while more units were
// queued than the workers and their channel hold; so does a panicking
// reader.
func TestPricingPanicFailsTheCall(t *testing.T) {
	groups := make([]conductor.GroupAsOf, 64)
	units := make([][]int, len(groups))
	for i := range units {
		units[i] = []int{i}
	}
	for _, panicAt := range []int{-1, 5} { // every group, one group
		sh := &shared{src: &source{}, slots: map[string]*slot{}}
		err := sh.run(groups, units, func(i int) error {
			if panicAt < 0 || i == panicAt {
				panic(fmt.Sprintf("group %d", i))
			}
			return nil
		})
		if p := (*parallel.PanicError)(nil); !errors.As(err, &p) {
			t.Fatalf("panic at %d: run = %v, want a *parallel.PanicError", panicAt, err)
		}
	}
	// A panic of the reader (here: a source with no engine) ends the
	// workers and fails the call the same way.
	withAccount := []conductor.GroupAsOf{{Accounts: []string{account1}}}
	sh := (&source{}).share(withAccount, []int{0})
	err := sh.run(withAccount, [][]int{{0}}, func(int) error { return nil })
	if p := (*parallel.PanicError)(nil); !errors.As(err, &p) {
		t.Fatalf("a panicking reader: run = %v, want a *parallel.PanicError", err)
	}
}
