package conductor

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Page selects one page of a listing.
type Page struct {
	MaxResults int    // 0 = the operation's default
	NextToken  string // "" = first page
}

// pageToken is the opaque NextToken: the listing it belongs to (a hash of
// the operation, billing period and filters) and the last key returned.
// Keys increase along a listing, so a token never repeats.
type pageToken struct {
	Listing string `json:"l"`
	After   string `json:"a"`
}

// listingID fingerprints a listing request so a token cannot be replayed
// against another one.
func listingID(operation string, period Period, filter any) string {
	f, _ := json.Marshal(filter)
	sum := sha256.Sum256([]byte(operation + "\x00" + string(period) + "\x00" + string(f)))
	return hex.EncodeToString(sum[:8])
}

// sortKey orders listings by creation time, then ID.
func sortKey(created time.Time, id string) string {
	return fmt.Sprintf("%020d/%s", created.Unix(), id)
}

// paginate returns the page of items after the token. key must give each
// item a unique key; items are sorted by it.
func paginate[T any](items []T, key func(T) string, listing string, pg Page, defaultSize int) ([]T, string, error) {
	after := ""
	if pg.NextToken != "" {
		tok, err := decodeToken(pg.NextToken)
		if err != nil || tok.Listing != listing {
			return nil, "", InvalidField("NextToken", "The pagination token is invalid or belongs to another request.")
		}
		after = tok.After
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
	size := pg.MaxResults
	if size <= 0 {
		size = defaultSize
	}
	end := min(start+size, len(items))
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
