// Package examples holds example modules of their own (each folder with a
// go.mod, replacing github.com/proforma-dev/proforma with this
// repository), as a user's project would use Proforma. The test here runs
// each one's tests, so that `go test ./...` of the repository runs them.
package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleModules(t *testing.T) {
	mods, err := filepath.Glob("*/go.mod")
	if err != nil || len(mods) == 0 {
		t.Fatalf("no example modules (%v)", err)
	}
	for _, mod := range mods {
		dir := filepath.Dir(mod)
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
				cmd := exec.Command("go", args...)
				cmd.Dir = dir
				// The module's own go.sum must be complete: nothing is
				// added to it, whatever GOFLAGS the repository's tests run with.
				cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("go %s in examples/%s: %v\n%s", strings.Join(args, " "), dir, err, out)
				}
				t.Logf("go %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
			}
		})
	}
}
