package storetest

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

var namespaceTests = map[string]func(*testing.T, conductor.Store){
	"copy namespace":   testCopyNamespace,
	"delete namespace": testDeleteNamespace,
}

// testCopyNamespace: a copy has every version and tombstone of the source
// but the skipped kinds, replaces what the target held under the same
// keys, and is independent of the source afterwards.
func testCopyNamespace(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-01", "a1")
	put(t, s, "p", "k", "a", "2026-03", "a3")
	put(t, s, "p", "k", "b", "2026-01", "b1")
	put(t, s, "p", "usage", "2026-01", conductor.Timeless, "shared")
	put(t, s, "other", "k", "c", "2026-01", "c1")
	put(t, s, "copy", "k", "a", "2026-01", "stale")
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.Delete("p", "k", "b", "2026-02") }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.CopyNamespace("p", "copy", []string{"usage"}) }); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[conductor.Period]string{"2026-01": "a=a1;b=b1;", "2026-02": "a=a1;", "2026-03": "a=a3;"} {
		if got := list(t, s, "copy", "k", p); got != want {
			t.Errorf("copy at %s = %q, want %q", p, got, want)
		}
	}
	if got := get(t, s, "copy", "usage", "2026-01", conductor.Timeless); got != "<none>" {
		t.Errorf("skipped kind copied: %q", got)
	}
	if got := list(t, s, "copy", "k", "2026-01"); got == list(t, s, "other", "k", "2026-01") {
		t.Errorf("another namespace copied: %q", got)
	}
	put(t, s, "copy", "k", "a", "2026-03", "changed")
	if got := get(t, s, "p", "k", "a", "2026-03"); got != "a3" {
		t.Errorf("a change to the copy reached the source: %q", got)
	}
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.CopyNamespace("p", "copy2", nil) }); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "copy2", "usage", "2026-01", conductor.Timeless); got != "shared" {
		t.Errorf("copy without skip: usage = %q", got)
	}
}

// testDeleteNamespace removes one namespace's versions and nothing else.
func testDeleteNamespace(t *testing.T, s conductor.Store) {
	put(t, s, "p", "k", "a", "2026-01", "a1")
	put(t, s, "p", "j", "b", conductor.Timeless, "b")
	put(t, s, "q", "k", "a", "2026-01", "kept")
	if err := s.Update(ctx, func(tx conductor.Tx) error { return tx.DeleteNamespace("p") }); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s, "p", "k", "2026-01") + list(t, s, "p", "j", "2026-01"); got != "" {
		t.Errorf("after DeleteNamespace: %q", got)
	}
	var versions int
	if err := s.View(ctx, func(tx conductor.Tx) error {
		vs, err := tx.Versions("p", "k", "a")
		versions = len(vs)
		return err
	}); err != nil || versions != 0 {
		t.Errorf("versions left: %d (%v)", versions, err)
	}
	if got := get(t, s, "q", "k", "a", "2026-01"); got != "kept" {
		t.Errorf("another namespace: %q", got)
	}
}
