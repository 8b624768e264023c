package usage

import (
	"context"
	"fmt"
	"sync"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/pricing"
)

// Engine prices billing groups over the usage an Importer stored: it is
// the conductor.UsageEngine of the cost report operations. It decodes a
// period's aggregates once per import and keeps the most recently used in
// memory, up to cachedLines lines; an Engine is safe for concurrent use.
type Engine struct {
	mu    sync.Mutex
	cache map[string][]pricing.Line // by payer/importID/period
	order []string                  // cache keys, least recently used first
	size  int                       // lines in the cache
	max   int                       // bound of size
}

// cachedLines bounds an Engine's cache (a line is a few hundred bytes): a
// period with more aggregates than this is decoded on every report.
const cachedLines = 1 << 20

// NewEngine returns an Engine.
func NewEngine() *Engine { return &Engine{cache: map[string][]pricing.Line{}, max: cachedLines} }

// GroupCosts implements conductor.UsageEngine.
func (e *Engine) GroupCosts(ctx context.Context, tx conductor.Tx, payer string, period conductor.Period, groups []conductor.GroupAsOf) ([][]conductor.ProductCost, error) {
	lines, err := e.lines(tx, payer, period)
	if err != nil {
		return nil, err
	}
	calc, err := pricing.NewCalculator(pricingGroups(period, groups))
	if err != nil {
		return nil, err
	}
	for i := range lines {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		calc.Add(lines[i])
	}
	out := make([][]conductor.ProductCost, len(groups))
	for i, r := range calc.Result() {
		for _, p := range r.Products {
			out[i] = append(out[i], conductor.ProductCost{Product: p.Product,
				AWSCost: money(p.AWSCost.String()), ProformaCost: money(p.ProformaCost.String())})
		}
	}
	return out, nil
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

// lines returns the aggregated lines of a period, none without usage.
func (e *Engine) lines(tx conductor.Tx, payer string, period conductor.Period) ([]pricing.Line, error) {
	m, ok, err := loadManifest(tx, payer, period)
	if err != nil || !ok {
		return nil, err
	}
	key := payer + "/" + aggregatesID(m.ImportID, period)
	if lines, ok := e.cached(key); ok {
		return lines, nil
	}
	data, ok, err := loadAggregates(tx, payer, m)
	if err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("usage: aggregates of %s %s missing", payer, period)
		}
		return nil, err
	}
	lines, err := decodeLines(data, period)
	if err != nil {
		return nil, fmt.Errorf("usage: aggregates of %s %s: %w", payer, period, err)
	}
	e.remember(key, lines)
	return lines, nil
}

func (e *Engine) cached(key string) ([]pricing.Line, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	lines, ok := e.cache[key]
	if ok {
		e.touch(key)
	}
	return lines, ok
}

func (e *Engine) remember(key string, lines []pricing.Line) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.cache[key]; ok || len(lines) > e.max {
		return
	}
	for e.size+len(lines) > e.max {
		e.size -= len(e.cache[e.order[0]])
		delete(e.cache, e.order[0])
		e.order = e.order[1:]
	}
	e.cache[key] = lines
	e.size += len(lines)
	e.touch(key)
}

// touch moves key to the most recently used end of the order.
func (e *Engine) touch(key string) {
	for i, k := range e.order {
		if k == key {
			e.order = append(e.order[:i], e.order[i+1:]...)
			break
		}
	}
	e.order = append(e.order, key)
}
