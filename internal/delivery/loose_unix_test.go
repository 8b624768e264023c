//go:build unix

package delivery

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/cur"
)

// Links and FIFOs are walked as cur.Files walks them: a link to an
// ancestor does not loop, a second link to a file is not taken twice, a
// dangling link and a FIFO are skipped (never opened).
func TestResolveLooseLinksAndFIFOs(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"a/report-1.csv":                        curCSV,
		period + "/" + asmNew + "/report-1.csv": curCSV,
		period + "/report-Manifest.json":        legacyManifest(t, asmNew, period+"/"+asmNew+"/report-1.csv"),
	})
	links := map[string]string{
		"a/loop":         root,
		"a/again.csv":    filepath.Join(root, "a", "report-1.csv"),
		"a/dangling.csv": filepath.Join(root, "nope.csv"),
		"linked-report":  filepath.Join(root, "prefix"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "a", "pipe.csv"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	plan := resolveLocal(t, root)
	files, _, err := cur.Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		if _, governed := dataPlace(f); !governed {
			want = append(want, f)
		}
	}
	if diff := cmp.Diff(want, relKeys(plan.Loose, func(k string) string { return k })); diff != "" {
		t.Errorf("Loose vs cur.Scan outside the period (-scan +resolve):\n%s", diff)
	}
	if len(want) != 1 {
		t.Errorf("cur.Scan outside the period = %q, want one file", want)
	}
	if len(plan.Periods) != 1 {
		t.Fatalf("Periods = %+v, want one", plan.Periods)
	}
	// The report is reachable twice (prefix/… and linked-report/…): it is
	// taken once, as cur.Files takes it.
	if n := len(plan.Periods[0].Files) + len(plan.Periods[0].Left); n != 1 {
		t.Errorf("period files = %+v, want the one file once", plan.Periods[0])
	}
}
