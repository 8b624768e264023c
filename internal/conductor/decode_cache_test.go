package conductor

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestDecodeRecordCachesFlatTypesOnly: a flat record type (a billing
// group) is decoded once per stored form and equals a fresh decode; a type
// holding a slice (a pricing plan) is decoded every time, so that callers
// never share its slices; the cache stays bounded.
func TestDecodeRecordCachesFlatTypesOnly(t *testing.T) {
	if !flat(reflect.TypeFor[BillingGroup]()) || flat(reflect.TypeFor[PricingPlan]()) {
		t.Fatal("BillingGroup should be cacheable and PricingPlan not")
	}
	g := BillingGroup{ID: "1234567890", Name: "g", CreationTime: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	data, _ := json.Marshal(g)
	for range 2 {
		got, err := decodeRecord[BillingGroup](data)
		if err != nil || got != g {
			t.Fatalf("decoded %+v, %v; want %+v", got, err, g)
		}
	}
	if cached := cacheOf[BillingGroup]().records[string(data)]; cached != g {
		t.Errorf("the cache holds %+v", cached)
	}
	if cacheOf[PricingPlan]() != nil {
		t.Error("PricingPlan has a cache")
	}
	p := PricingPlan{ID: "p", RuleIDs: []string{"r1"}}
	pd, _ := json.Marshal(p)
	first, _ := decodeRecord[PricingPlan](pd)
	first.RuleIDs[0] = "changed by a caller"
	if second, _ := decodeRecord[PricingPlan](pd); second.RuleIDs[0] != "r1" {
		t.Errorf("a caller's change reached another decode: %v", second.RuleIDs)
	}
	if _, err := decodeRecord[BillingGroup]([]byte("{not json")); err == nil {
		t.Error("bad JSON decoded")
	}
	for i := range decodeCacheEntries + 10 {
		data, _ := json.Marshal(BillingGroup{ID: fmt.Sprint(i)})
		decodeRecord[BillingGroup](data)
	}
	if n := len(cacheOf[BillingGroup]().records); n > decodeCacheEntries {
		t.Errorf("%d cached records, bound %d", n, decodeCacheEntries)
	}
}
