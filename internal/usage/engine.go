package usage

import (
	"container/heap"
	"container/list"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/parallel"
	"github.com/proforma-dev/proforma/internal/pricing"
)

// Engine prices billing groups over the usage an Importer stored: it is
// the conductor.UsageEngine of the cost report operations. An Engine is
// safe for concurrent use.
//
// It reads the aggregates of the requested groups' member accounts only:
// an import stores them one blob per usage account and period
// (layoutAccounts), so pricing one group costs its own accounts' lines,
// whatever the size of the payer. Decoded accounts are kept in memory, the
// least recently used dropped first, within a budget of bytes (an estimate
// of the memory the decoded lines hold; DefaultCacheBytes unless
// NewEngineWithCache says otherwise). The cache is keyed by payer, period,
// import ID and account: a re-import gives the period a new import ID, so
// its earlier entries are never read again, and the first read that sees
// the new import drops them. Priced groups are kept too (see pricedCache):
// a group priced again over the same import, unchanged, is neither read
// nor decoded nor priced. The store is read in the caller's goroutine
// (the transaction's); decoding and pricing spread the groups over the
// CPUs.
//
// Periods imported before aggregates were stored per account (layoutPeriod:
// one blob, or record, for the whole period) are read as a fallback, not
// migrated (pricing runs in read-only transactions): a request that misses
// the cache decodes the period's whole blob once and caches every account
// of it. Importing the period again stores it in the new layout.
type Engine struct {
	mu      sync.Mutex
	max     int64 // budget of size
	size    int64 // estimated bytes of the cached entries
	lru     *list.List
	entries map[cacheKey]*list.Element // values *cacheEntry; front: most recently used
	imports map[periodKey]string       // the import ID last read, per payer and period
	priced  *pricedCache               // groups' reports; nil when the Engine caches nothing
}

// DefaultCacheBytes is the cache budget of NewEngine.
const DefaultCacheBytes = 256 << 20

// entryOverhead estimates the memory of a cache entry besides its lines:
// the map slot, the list element, the key.
const entryOverhead = 160

type periodKey struct {
	payer  string
	period conductor.Period
}

type cacheKey struct {
	periodKey
	importID, account string
}

type cacheEntry struct {
	key   cacheKey
	lines *accountLines
}

// NewEngine returns an Engine with a cache of DefaultCacheBytes.
func NewEngine() *Engine { return NewEngineWithCache(DefaultCacheBytes) }

// NewEngineWithCache returns an Engine whose cache of decoded aggregates
// holds at most about maxBytes (0: no cache).
func NewEngineWithCache(maxBytes int64) *Engine {
	e := &Engine{max: maxBytes, lru: list.New(), entries: map[cacheKey]*list.Element{}, imports: map[periodKey]string{}}
	if maxBytes > 0 {
		e.priced = newPricedCache()
	}
	return e
}

// GroupCosts implements conductor.UsageEngine. Each group's lines are
// priced in the order the import first saw them (as when a period's
// aggregates were one list), which fixes how custom tiers split between
// products. Groups may share accounts (what-if prices a payer's groups
// live and in a scenario in one call): each group is priced by a
// calculator of its own (groups share nothing, rule 3), and each account
// is read and decoded once per call however many groups name it (see
// shared). The transaction's reads are made first, in the caller's
// goroutine; then the groups are decoded and priced over the CPUs.
func (e *Engine) GroupCosts(ctx context.Context, tx conductor.Tx, payer string, period conductor.Period, groups []conductor.GroupAsOf) ([][]conductor.ProductCost, error) {
	if len(groups) == 0 {
		return nil, nil
	}
	m, ok, err := loadManifest(tx, payer, period)
	if err != nil {
		return nil, err
	}
	reports := make([]pricing.Report, len(groups))
	if !ok { // no usage: only the custom line items
		err := parallel.For(len(groups), func(i int) (err error) {
			reports[i], err = priceGroup(ctx, period, groups[i], nil)
			return err
		})
		return productCosts(reports), err
	}
	e.seen(periodKey{payer, period}, m.ImportID)
	keys, todo, err := e.cached(periodKey{payer, period}, m.ImportID, groups, reports)
	if err != nil {
		return nil, err
	}
	src := &source{e: e, tx: tx, payer: payer, m: m}
	accounts := src.share(groups, todo)
	err = accounts.run(groups, byFirstAccount(groups, todo), func(i int) error {
		lines, err := accounts.take(groups[i].Accounts)
		if err != nil {
			return err
		}
		reports[i], err = priceGroup(ctx, period, groups[i], lines)
		accounts.release(groups[i].Accounts)
		if err == nil && e.priced != nil {
			e.priced.put(keys[i], reports[i])
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return productCosts(reports), nil
}

// priceGroup prices one group over its accounts' lines.
func priceGroup(ctx context.Context, period conductor.Period, g conductor.GroupAsOf, accounts []*accountLines) (pricing.Report, error) {
	calc, err := pricing.NewCalculator(pricingGroups(period, []conductor.GroupAsOf{g}))
	if err != nil {
		return pricing.Report{}, err
	}
	if err := addMerged(ctx, calc, accounts); err != nil {
		return pricing.Report{}, err
	}
	return calc.Result()[0], nil
}

// cached fills reports with the groups the priced cache holds and returns
// every group's key and the indexes of the groups left to price (all of
// them when the Engine caches nothing). Keys are computed over the CPUs.
func (e *Engine) cached(p periodKey, importID string, groups []conductor.GroupAsOf, reports []pricing.Report) ([]pricedKey, []int, error) {
	keys := make([]pricedKey, len(groups))
	hit := make([]bool, len(groups))
	if e.priced != nil {
		err := parallel.For(len(groups), func(i int) (err error) {
			if keys[i], err = e.priced.key(p, importID, groups[i]); err == nil {
				reports[i], hit[i] = e.priced.get(keys[i])
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	var todo []int
	for i := range groups {
		if !hit[i] {
			todo = append(todo, i)
		}
	}
	return keys, todo, nil
}

// productCosts converts the calculator's reports for the domain.
func productCosts(reports []pricing.Report) [][]conductor.ProductCost {
	out := make([][]conductor.ProductCost, len(reports))
	for i, r := range reports {
		for _, p := range r.Products {
			out[i] = append(out[i], conductor.ProductCost{Product: p.Product,
				AWSCost: money(p.AWSCost.String()), ProformaCost: money(p.ProformaCost.String())})
		}
	}
	return out
}

func money(s string) conductor.Money {
	m, ok := conductor.MoneyFromString(s)
	if !ok {
		panic(fmt.Sprintf("usage: decimal %q is not a number", s)) // decimal.String always is
	}
	return m
}

// pricingGroups converts the domain's groups for the calculator.
func pricingGroups(period conductor.Period, groups []conductor.GroupAsOf) []pricing.Group {
	out := make([]pricing.Group, len(groups))
	for i, g := range groups {
		out[i] = pricing.Group{ARN: g.ARN, Period: period, Accounts: g.Accounts, Rules: g.Rules,
			Passthrough: g.Passthrough, Items: g.Items, Associations: g.Associations}
	}
	return out
}

// addMerged adds the lines of a group's accounts to the calculator in
// period order (packedLine.seq), merging the accounts' lists.
func addMerged(ctx context.Context, calc *pricing.Calculator, accounts []*accountLines) error {
	h := make(mergeHeap, 0, len(accounts))
	for _, a := range accounts {
		if len(a.lines) > 0 {
			h = append(h, mergeHead{a, 0})
		}
	}
	heap.Init(&h)
	for n := 0; len(h) > 0; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		top := &h[0]
		calc.Add(top.a.line(top.i))
		if top.i++; top.i == len(top.a.lines) {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return nil
}

// mergeHeap orders accounts' next lines by their period position.
type mergeHead struct {
	a *accountLines
	i int
}

type mergeHeap []mergeHead

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return h[i].a.lines[h[i].i].seq < h[j].a.lines[h[j].i].seq }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(mergeHead)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// source reads the aggregates of one period's import, through the cache.
type source struct {
	e      *Engine
	tx     conductor.Tx
	payer  string
	m      Manifest
	legacy map[string]*accountLines // layoutPeriod: the period split by account, once read
}

// noLines are the aggregates of an account without usage in the period.
var noLines = &accountLines{bytes: 0}

// accountData is an account's aggregates as read in the transaction:
// decoded lines (from the cache, or none), or its blob to decode.
type accountData struct {
	account string
	lines   *accountLines
	blob    []byte
}

// read returns the aggregates of the given usage accounts, reading what
// the cache lacks.
func (s *source) read(ids []string) ([]accountData, error) {
	out := make([]accountData, len(ids))
	for i, a := range ids {
		out[i].account = a
		k := cacheKey{periodKey{s.payer, s.m.Period}, s.m.ImportID, a}
		if l, ok := s.e.get(k); ok {
			out[i].lines = l
			continue
		}
		if s.m.Layout != layoutAccounts {
			if s.legacy == nil {
				if err := s.readPeriod(); err != nil {
					return nil, err
				}
			}
			if out[i].lines = s.legacy[a]; out[i].lines == nil {
				out[i].lines = noLines
				s.e.put(k, noLines)
			}
			continue
		}
		data, ok, err := s.tx.GetBlob(accountBlob(s.payer, s.m.ImportID, s.m.Period, a))
		if err != nil {
			return nil, err
		}
		if !ok {
			out[i].lines = noLines
			s.e.put(k, noLines)
			continue
		}
		out[i].blob = data
	}
	return out, nil
}

// decode returns the lines of an account read by read, decoding and
// caching its blob. It does not use the transaction: it may run in any
// goroutine.
func (s *source) decode(a accountData) (*accountLines, error) {
	if a.lines != nil {
		return a.lines, nil
	}
	l, err := decodeAccount(a.blob, s.m.Period, a.account)
	if err != nil {
		return nil, fmt.Errorf("usage: aggregates of %s %s account %s: %w", s.payer, s.m.Period, a.account, err)
	}
	s.e.put(cacheKey{periodKey{s.payer, s.m.Period}, s.m.ImportID, a.account}, l)
	return l, nil
}

// shared are the usage accounts of one GroupCosts call: each read once,
// in the transaction, and decoded once, by the first group to take it.
// An account's lines are let go when the last group naming it releases
// it (the cache may keep them longer).
type shared struct {
	src   *source
	slots map[string]*slot // built by share, read-only after
}

// slot is one account of shared.
type slot struct {
	read  bool // data holds what source.read gave (set by run's reader only)
	data  accountData
	once  sync.Once
	lines *accountLines
	err   error
	users atomic.Int32 // groups yet to release it
}

// byFirstAccount orders todo by each group's first account and splits it
// into units of the groups that share it — one group live and in a
// scenario — so that one goroutine decodes their accounts and prices them
// one after the other, rather than two waiting for each other's decoding.
func byFirstAccount(groups []conductor.GroupAsOf, todo []int) [][]int {
	first := func(i int) string {
		if a := groups[i].Accounts; len(a) > 0 {
			return a[0]
		}
		return ""
	}
	slices.SortStableFunc(todo, func(i, j int) int { return strings.Compare(first(i), first(j)) })
	var units [][]int
	for k := 0; k < len(todo); {
		n := 1
		for k+n < len(todo) && first(todo[k+n]) == first(todo[k]) && first(todo[k]) != "" {
			n++
		}
		units, k = append(units, todo[k:k+n]), k+n
	}
	return units
}

// share makes the slots of the accounts of the groups todo names.
func (s *source) share(groups []conductor.GroupAsOf, todo []int) *shared {
	sh := &shared{src: s, slots: map[string]*slot{}}
	for _, i := range todo {
		for _, a := range groups[i].Accounts {
			sl := sh.slots[a]
			if sl == nil {
				sl = &slot{}
				sh.slots[a] = sl
			}
			sl.users.Add(1)
		}
	}
	return sh
}

// run prices units of groups: the caller's goroutine (the transaction's)
// reads each unit's accounts not read yet, in order, and hands the unit
// to workers (one per CPU) that call price for each of its groups while
// the next units are read. It returns once every unit is priced, or after
// the first error (joined with any other; a panic of price is one).
func (sh *shared) run(groups []conductor.GroupAsOf, units [][]int, price func(i int) error) error {
	workers := runtime.GOMAXPROCS(0)
	ready := make(chan []int, workers)
	errs := make([]error, workers)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for unit := range ready { // drained to the end, so that the reader never blocks
				if failed.Load() {
					continue
				}
				errs[w] = parallel.Safe(func() error {
					for _, i := range unit {
						if err := price(i); err != nil || failed.Load() {
							return err
						}
					}
					return nil
				})
				if errs[w] != nil {
					failed.Store(true)
				}
			}
		})
	}
	readErr := parallel.Safe(func() error { // a panic here too ends the workers
		for _, unit := range units {
			if failed.Load() {
				return nil
			}
			if err := sh.read(groups, unit); err != nil {
				return err
			}
			ready <- unit
		}
		return nil
	})
	close(ready)
	wg.Wait()
	return errors.Join(append(errs, readErr)...)
}

// read reads the accounts of unit's groups that no earlier unit read.
func (sh *shared) read(groups []conductor.GroupAsOf, unit []int) error {
	var ids []string
	for _, i := range unit {
		for _, a := range groups[i].Accounts {
			if sl := sh.slots[a]; !sl.read {
				sl.read = true
				ids = append(ids, a)
			}
		}
	}
	data, err := sh.src.read(ids)
	for k, a := range ids[:len(data)] {
		sh.slots[a].data = data[k]
	}
	return err
}

// take returns the lines of accounts, decoding those no group took yet.
// A group that took its accounts releases them once priced.
func (sh *shared) take(accounts []string) ([]*accountLines, error) {
	out := make([]*accountLines, len(accounts))
	for i, a := range accounts {
		sl := sh.slots[a]
		sl.once.Do(func() { sl.lines, sl.err = sh.src.decode(sl.data) })
		if sl.err != nil {
			return nil, sl.err
		}
		out[i] = sl.lines
	}
	return out, nil
}

// release lets go of the accounts a priced group took: an account no
// other group is to take is dropped.
func (sh *shared) release(accounts []string) {
	for _, a := range accounts {
		if sl := sh.slots[a]; sl.users.Add(-1) == 0 {
			sl.lines, sl.data = nil, accountData{}
		}
	}
}

// readPeriod decodes the period's aggregates stored in layoutPeriod, splits
// them by account and caches every account.
func (s *source) readPeriod() error {
	data, ok, err := loadAggregates(s.tx, s.payer, s.m)
	if err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("usage: aggregates of %s %s missing", s.payer, s.m.Period)
		}
		return err
	}
	lines, err := decodeLines(data, s.m.Period)
	if err != nil {
		return fmt.Errorf("usage: aggregates of %s %s: %w", s.payer, s.m.Period, err)
	}
	s.legacy = map[string]*accountLines{}
	packers := map[string]*packer{}
	for i := range lines {
		l := &lines[i]
		pk := packers[l.UsageAccount]
		if pk == nil {
			pk = newPacker(s.m.Period, l.UsageAccount)
			packers[l.UsageAccount] = pk
			s.legacy[l.UsageAccount] = pk.out
		}
		pk.add(l, uint32(i))
	}
	for account, l := range s.legacy {
		s.e.put(cacheKey{periodKey{s.payer, s.m.Period}, s.m.ImportID, account}, l)
	}
	return nil
}

// seen records the import a period is read from; when it changed (a
// re-import), the entries of the earlier import are dropped.
func (e *Engine) seen(p periodKey, importID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if last, ok := e.imports[p]; ok && last == importID {
		return
	}
	e.imports[p] = importID
	for el := e.lru.Front(); el != nil; {
		next := el.Next()
		if ent := el.Value.(*cacheEntry); ent.key.periodKey == p && ent.key.importID != importID {
			e.remove(el)
		}
		el = next
	}
}

func (e *Engine) get(k cacheKey) (*accountLines, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	el, ok := e.entries[k]
	if !ok {
		return nil, false
	}
	e.lru.MoveToFront(el)
	return el.Value.(*cacheEntry).lines, true
}

// put caches an account's lines, dropping the least recently used entries
// beyond the budget; lines larger than the whole budget are not cached.
func (e *Engine) put(k cacheKey, l *accountLines) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cost := l.bytes + entryOverhead
	if _, ok := e.entries[k]; ok || cost > e.max {
		return
	}
	for e.size+cost > e.max {
		e.remove(e.lru.Back())
	}
	e.entries[k] = e.lru.PushFront(&cacheEntry{k, l})
	e.size += cost
}

func (e *Engine) remove(el *list.Element) {
	ent := e.lru.Remove(el).(*cacheEntry)
	delete(e.entries, ent.key)
	e.size -= ent.lines.bytes + entryOverhead
}
