package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// rangeTests are the contract of ListRange, the keyset page.
var rangeTests = map[string]func(*testing.T, conductor.Store){
	"range: keyset pages":              testRangePages,
	"range: prefix":                    testRangePrefix,
	"range: versions and tombstones":   testRangeVersions,
	"range: empty id and other kinds":  testRangeEdges,
	"range: list is the unbounded one": testRangeIsList,
}

func listRange(t *testing.T, s conductor.Store, ns, kind string, p conductor.Period, r conductor.Range) string {
	t.Helper()
	var ids []string
	err := s.View(ctx, func(tx conductor.Tx) error {
		recs, err := tx.ListRange(ns, kind, p, r)
		for _, rec := range recs {
			ids = append(ids, rec.ID+"="+string(rec.Data))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ",")
}

func testRangePages(t *testing.T, s conductor.Store) {
	for i := range 7 {
		put(t, s, "p", "k", fmt.Sprintf("id-%02d", i), "2026-01", fmt.Sprint(i))
	}
	var pages []string
	after := ""
	for {
		page := listRange(t, s, "p", "k", "2026-01", conductor.Range{After: after, Limit: 3})
		if page == "" {
			break
		}
		pages = append(pages, page)
		last := page[strings.LastIndex(page, ",")+1:]
		after = last[:strings.Index(last, "=")]
	}
	want := []string{"id-00=0,id-01=1,id-02=2", "id-03=3,id-04=4,id-05=5", "id-06=6"}
	if strings.Join(pages, " | ") != strings.Join(want, " | ") {
		t.Errorf("pages = %q, want %q", pages, want)
	}
	if got := listRange(t, s, "p", "k", "2026-01", conductor.Range{After: "id-035"}); got != "id-04=4,id-05=5,id-06=6" {
		t.Errorf("after a key between ids = %q", got)
	}
	if got := listRange(t, s, "p", "k", "2026-01", conductor.Range{After: "id-06"}); got != "" {
		t.Errorf("after the last id = %q, want nothing", got)
	}
}

func testRangePrefix(t *testing.T, s conductor.Store) {
	for _, id := range []string{"a/1", "a/2", "a/3", "a0", "ab/1", "b/1", "a"} {
		put(t, s, "p", "k", id, "2026-01", "x")
	}
	for _, c := range []struct {
		r    conductor.Range
		want string
	}{
		{conductor.Range{Prefix: "a/"}, "a/1=x,a/2=x,a/3=x"},
		{conductor.Range{Prefix: "a/", Limit: 2}, "a/1=x,a/2=x"},
		{conductor.Range{Prefix: "a/", After: "a/1"}, "a/2=x,a/3=x"},
		{conductor.Range{Prefix: "a/", After: "a/3"}, ""},
		{conductor.Range{Prefix: "a/", After: "0"}, "a/1=x,a/2=x,a/3=x"}, // a keyset before the prefix
		{conductor.Range{Prefix: "a/", After: "z"}, ""},                  // and after it
		{conductor.Range{Prefix: "b"}, "b/1=x"},
		{conductor.Range{Prefix: "c"}, ""},
		{conductor.Range{Prefix: "a", After: "a/3", Limit: 2}, "a0=x,ab/1=x"},
	} {
		if got := listRange(t, s, "p", "k", "2026-01", c.r); got != c.want {
			t.Errorf("ListRange(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

// testRangeVersions checks that a page holds the version in force at the
// period and skips ids deleted then, so a limit counts live records only.
func testRangeVersions(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-01", "a1")
	put(t, s, "p", "k", "a", "2026-03", "a3")
	put(t, s, "p", "k", "b", "2026-01", "b1")
	put(t, s, "p", "k", "c", "2026-01", "c1")
	put(t, s, "p", "k", "d", "2026-02", "d2")
	if err := s.Update(ctx, func(tx conductor.Tx) error {
		if err := tx.Delete("p", "k", "b", "2026-02"); err != nil {
			return err
		}
		return tx.Delete("p", "k", "c", "2026-02")
	}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[conductor.Period]string{
		"2025-12": "",
		"2026-01": "a=a1,b=b1",
		"2026-02": "a=a1,d=d2",
		"2026-03": "a=a3,d=d2",
	} {
		if got := listRange(t, s, "p", "k", p, conductor.Range{Limit: 2}); got != want {
			t.Errorf("first 2 at %s = %q, want %q", p, got, want)
		}
	}
	if got := listRange(t, s, "p", "k", "2026-02", conductor.Range{After: "a", Limit: 1}); got != "d=d2" {
		t.Errorf("page after a at 2026-02 = %q, want d=d2 (b and c deleted)", got)
	}
}

func testRangeEdges(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "", "2026-01", "empty")
	put(t, s, "p", "k", "x", "2026-01", "x")
	put(t, s, "p", "k2", "y", "2026-01", "other kind")
	put(t, s, "q", "k", "z", "2026-01", "other namespace")
	if got := listRange(t, s, "p", "k", "2026-01", conductor.Range{}); got != "=empty,x=x" {
		t.Errorf("unbounded = %q, want the empty id first and only this kind", got)
	}
	if got := listRange(t, s, "p", "k", "2026-01", conductor.Range{Limit: 1}); got != "=empty" {
		t.Errorf("limit 1 = %q", got)
	}
}

func testRangeIsList(t *testing.T, s conductor.Store) {
	for i := range 30 {
		put(t, s, "p", "k", fmt.Sprintf("%03d", (i*7)%30), conductor.Period(fmt.Sprintf("2026-%02d", 1+i%12)), fmt.Sprint(i))
	}
	for _, p := range []conductor.Period{"2026-01", "2026-06", "2026-12"} {
		want := list(t, s, "p", "k", p)
		got := listRange(t, s, "p", "k", p, conductor.Range{})
		if strings.ReplaceAll(want, ";", ",") != got+"," && !(want == "" && got == "") {
			t.Errorf("at %s: ListRange = %q, List = %q", p, got, want)
		}
	}
}
