package usage

import (
	"container/list"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/pricing"
)

// maxPricedBytes bounds the estimated memory of a pricedCache: a group's
// report costs about pricedEntryBytes plus pricedProductBytes per product
// (a few kilobytes for a group using a dozen services), so 64 MiB holds
// the reports of tens of thousands of groups.
const (
	maxPricedBytes     = 64 << 20
	pricedEntryBytes   = 256
	pricedProductBytes = 192
)

// pricedCache keeps groups' priced costs. The costs of a group depend on
// nothing but the group as priced (its accounts, rules, items and their
// associations: conductor.GroupAsOf) and the period's import, so the key
// is those: a cost report, or a what-if comparison, that meets the same
// group over the same import again neither reads nor decodes its usage.
// A changed group, or a re-import (a new import ID), is another key.
type pricedCache struct {
	mu      sync.Mutex
	size    int64      // estimated bytes of the entries
	lru     *list.List // values *pricedEntry; front: most recently used
	entries map[pricedKey]*list.Element
}

type pricedKey struct {
	periodKey
	importID string
	group    [sha256.Size]byte // of the group's JSON
}

type pricedEntry struct {
	key    pricedKey
	report pricing.Report // its products only; immutable once cached: decimals are values, nothing appends to it
}

// bytes estimates the memory of the entry.
func (e *pricedEntry) bytes() int64 {
	return pricedEntryBytes + pricedProductBytes*int64(len(e.report.Products))
}

func newPricedCache() *pricedCache {
	return &pricedCache{lru: list.New(), entries: map[pricedKey]*list.Element{}}
}

// key is a group's key over an import.
func (c *pricedCache) key(p periodKey, importID string, g conductor.GroupAsOf) (pricedKey, error) {
	data, err := json.Marshal(g)
	return pricedKey{p, importID, sha256.Sum256(data)}, err
}

// get returns the report cached under k.
func (c *pricedCache) get(k pricedKey) (pricing.Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return pricing.Report{}, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*pricedEntry).report, true
}

// put caches a group's report (its products: what GroupCosts returns)
// under k, dropping the least recently used entries beyond
// maxPricedBytes.
func (c *pricedCache) put(k pricedKey, r pricing.Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	ent := &pricedEntry{k, pricing.Report{GroupARN: r.GroupARN, Period: r.Period, Costs: r.Costs, Products: r.Products}}
	for c.size+ent.bytes() > maxPricedBytes && c.lru.Len() > 0 {
		old := c.lru.Remove(c.lru.Back()).(*pricedEntry)
		delete(c.entries, old.key)
		c.size -= old.bytes()
	}
	c.entries[k] = c.lru.PushFront(ent)
	c.size += ent.bytes()
}
