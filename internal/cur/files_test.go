//go:build unix

package cur

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestFilesFollowsLinksSkipsSpecialFiles builds a report folder with a
// FIFO, a socket, a link to a device, links to folders (one back to an
// ancestor), links to files and a dangling link. Files lists each real data
// file once, never opens the special files (a FIFO would block), and
// follows a top path that is itself a link.
func TestFilesFollowsLinksSkipsSpecialFiles(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "report")
	other := filepath.Join(base, "elsewhere")
	for _, name := range []string{"report/a/r-1.csv.gz", "report/a/r-2.csv.gz", "elsewhere/b/r-3.parquet", "elsewhere/r-4.csv"} {
		p := filepath.Join(base, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, nil, 0o644))
	}
	must(t, syscall.Mkfifo(filepath.Join(dir, "a/fifo.csv"), 0o644))
	l, err := net.Listen("unix", filepath.Join(dir, "socket.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	links := map[string]string{
		"report/null.csv":        "/dev/null",             // a device
		"report/b":               other + "/b",            // a folder elsewhere
		"report/a/loop":          dir,                     // an ancestor
		"report/r-4.csv":         other + "/r-4.csv",      // a file elsewhere
		"report/again.csv.gz":    dir + "/a/r-1.csv.gz",   // a file listed already
		"report/gone.csv":        base + "/absent.csv",    // dangling
		"report/a/also-a-folder": filepath.Join(dir, "a"), // its own folder
	}
	for link, target := range links {
		must(t, os.Symlink(target, filepath.Join(base, link)))
	}
	top := filepath.Join(base, "top")
	must(t, os.Symlink(dir, top))

	for _, root := range []string{dir, top} {
		got := filesWithin(t, root, 5*time.Second)
		for i := range got {
			got[i] = filepath.ToSlash(strings.TrimPrefix(got[i], root+string(filepath.Separator)))
		}
		want := []string{"a/r-1.csv.gz", "a/r-2.csv.gz", "b/r-3.parquet", "r-4.csv"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Files(%s) (-want +got):\n%s", root, diff)
		}
	}
}

// filesWithin runs Files and fails if it does not return in time (it would
// block opening a FIFO).
func filesWithin(t *testing.T, root string, d time.Duration) []string {
	t.Helper()
	type result struct {
		files []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		f, err := Files(root)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.files
	case <-time.After(d):
		t.Fatalf("Files(%s) did not return within %v", root, d)
		return nil
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
