package conductor

import (
	"encoding/json"
	"reflect"
	"sync"
	"time"
)

// decodeCacheEntries bounds each record type's decoded-record cache (a few
// MB: a 5,000-group payer's groups fit); a full cache starts over.
const decodeCacheEntries = 1 << 14

// decodeCache remembers decoded records by their stored bytes, so that a
// record listed again is not decoded again. Keyed by content, it is
// coherent whatever wrote the store (another replica, another process):
// bytes that changed are another key. Only record types whose values share
// nothing (no slices, maps or pointers; time.Time's location is immutable)
// are cached, so a caller cannot change what another one gets.
type decodeCache[T any] struct {
	mu      sync.RWMutex
	records map[string]T
}

// decodeCaches holds the decodeCache of each cacheable type, by type.
var decodeCaches sync.Map // reflect.Type → *decodeCache[T], or nil when T is not cacheable

// decodeRecord decodes a record's JSON data into a T, through the type's
// cache when T is cacheable.
func decodeRecord[T any](data []byte) (T, error) {
	c := cacheOf[T]()
	if c == nil {
		var v T
		err := json.Unmarshal(data, &v)
		return v, err
	}
	c.mu.RLock()
	v, ok := c.records[string(data)]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.records) >= decodeCacheEntries {
		clear(c.records)
	}
	c.records[string(data)] = v
	c.mu.Unlock()
	return v, nil
}

// cacheOf returns T's cache, nil when T's values are not flat.
func cacheOf[T any]() *decodeCache[T] {
	t := reflect.TypeFor[T]()
	if c, ok := decodeCaches.Load(t); ok {
		cache, _ := c.(*decodeCache[T])
		return cache
	}
	var cache *decodeCache[T]
	if flat(t) {
		cache = &decodeCache[T]{records: map[string]T{}}
	}
	c, _ := decodeCaches.LoadOrStore(t, cache)
	cache, _ = c.(*decodeCache[T])
	return cache
}

// flat reports whether a value of t holds no references: copies of it
// share nothing a caller could change.
func flat(t reflect.Type) bool {
	if t == reflect.TypeFor[time.Time]() {
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	case reflect.Array:
		return flat(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !flat(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
