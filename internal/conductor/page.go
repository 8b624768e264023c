package conductor

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
)

// Page selects one page of a listing.
type Page struct {
	MaxResults int    // 0 = the operation's default
	NextToken  string // "" = first page
}

// tokenFormat names what a token's key is: the last ID of its page.
const tokenFormat = "id"

// pageToken is the opaque NextToken: the listing it belongs to (a hash of
// the payer, operation, billing period and filters) and the last key
// returned.
// Keys increase along a listing, so a token never repeats.
type pageToken struct {
	Listing string `json:"l"`
	After   string `json:"a"`
}

// listingID fingerprints a listing request so a token cannot be replayed
// against another one, nor by another payer (PG-3). tokenFormat is part of
// it: a token of an earlier format (keys in creation order, before issue
// 13) is refused, not misread.
func listingID(payer, operation string, period Period, filter any) string {
	f, _ := json.Marshal(filter)
	sum := sha256.Sum256([]byte(tokenFormat + "\x00" + payer + "\x00" + operation + "\x00" + string(period) + "\x00" + string(f)))
	return hex.EncodeToString(sum[:8])
}

// tokenAfter returns the key a page resumes after ("" for the first page),
// refusing a token of another listing.
func tokenAfter(listing, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	tok, err := decodeToken(token)
	if err != nil || tok.Listing != listing {
		return "", InvalidField("NextToken", "The pagination token is invalid or belongs to another request.")
	}
	return tok.After, nil
}

// size is the page size asked for, or the operation's default.
func (pg Page) size(defaultSize int) int {
	if pg.MaxResults > 0 {
		return pg.MaxResults
	}
	return defaultSize
}

// keyset reads one page of a listing straight from the store, in the
// order of the records' ids (a stable key: a page resumes after the last
// id of the one before, whatever was created or deleted since). It reads
// the records of kind — those starting with prefix — in batches through
// ListRange and keeps those decode accepts (decode applies the filters;
// an error stops the listing). Its cost is the records it passes: the
// page itself when nothing is filtered out.
type keyset[T any] struct {
	kind, prefix string
	decode       func(Record) (T, bool, error)
}

// page returns the page after the token and the next token ("" at the end).
func (k keyset[T]) page(tx Tx, ns string, at Period, listing string, pg Page, defaultSize int) ([]T, string, error) {
	after, err := tokenAfter(listing, pg.NextToken)
	if err != nil {
		return nil, "", err
	}
	size := pg.size(defaultSize)
	batch := size + 1 // one more tells whether a next page exists
	var out []T
	last := ""
	for {
		recs, err := tx.ListRange(ns, k.kind, at, Range{Prefix: k.prefix, After: after, Limit: batch})
		if err != nil {
			return nil, "", err
		}
		for _, r := range recs {
			v, keep, err := k.decode(r)
			if err != nil {
				return nil, "", err
			}
			if keep {
				if len(out) == size {
					return out, encodeToken(pageToken{Listing: listing, After: last}), nil
				}
				out, last = append(out, v), r.ID
			}
			after = r.ID
		}
		if len(recs) < batch {
			return out, "", nil
		}
		batch = max(batch, 100) // filtered: read on in larger batches
	}
}

// jsonKeyset is a keyset over JSON records kept by keep (nil keeps all).
func jsonKeyset[T any](kind string, keep func(T) bool) keyset[T] {
	return keyset[T]{kind: kind, decode: func(r Record) (T, bool, error) {
		v, err := decodeRecord[T](r.Data)
		if err != nil {
			return v, false, err
		}
		return v, keep == nil || keep(v), nil
	}}
}

// idKeyset pages through the ids of an index kind.
func idKeyset(kind string) keyset[string] {
	return keyset[string]{kind: kind, decode: func(r Record) (string, bool, error) { return r.ID, true, nil }}
}

// named reads the records of kind that ids name (sorted, unique) in force
// at period, kept by keep (nil keeps all), and pages through them in ID
// order: a listing filtered by ARNs costs what the filter names.
func named[T any](tx Tx, ns, kind string, ids []string, at Period, keep func(T) bool, listing string, pg Page, defaultSize int) ([]T, string, error) {
	type found struct {
		id string
		v  T
	}
	var all []found
	for _, id := range ids {
		var v T
		ok, err := getJSON(tx, ns, kind, id, at, &v)
		if err != nil {
			return nil, "", err
		}
		if ok && (keep == nil || keep(v)) {
			all = append(all, found{id, v})
		}
	}
	page, next, err := paginate(all, func(f found) string { return f.id }, listing, pg, defaultSize)
	out := make([]T, len(page))
	for i, f := range page {
		out[i] = f.v
	}
	return out, next, err
}

// sortedIDs parses refs (ARNs or IDs) with ref, dropping those it refuses,
// and returns the IDs sorted, without duplicates.
func sortedIDs(refs []string, ref func(string) (string, error)) []string {
	var ids []string
	for _, r := range refs {
		if id, err := ref(r); err == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// paginate returns the page of items after the token. key must give each
// item a unique key; items are sorted by it. It suits listings derived in
// memory from few records; a listing of a kind's records uses keyset.
func paginate[T any](items []T, key func(T) string, listing string, pg Page, defaultSize int) ([]T, string, error) {
	after, err := tokenAfter(listing, pg.NextToken)
	if err != nil {
		return nil, "", err
	}
	keys := make([]string, len(items)) // computed once: key may format strings
	for i, it := range items {
		keys[i] = key(it)
	}
	sort.Sort(byKey[T]{items, keys})
	start := sort.SearchStrings(keys, after)
	for start < len(keys) && keys[start] == after {
		start++
	}
	end := min(start+pg.size(defaultSize), len(items))
	page := items[start:end]
	if end == len(items) {
		return page, "", nil
	}
	return page, encodeToken(pageToken{Listing: listing, After: keys[end-1]}), nil
}

// byKey sorts items by their precomputed keys.
type byKey[T any] struct {
	items []T
	keys  []string
}

func (b byKey[T]) Len() int           { return len(b.items) }
func (b byKey[T]) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey[T]) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

func encodeToken(t pageToken) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s string) (pageToken, error) {
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, err
	}
	err = json.Unmarshal(b, &t)
	return t, err
}
