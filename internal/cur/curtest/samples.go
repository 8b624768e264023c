package curtest

import (
	"os"
	"path/filepath"
	"testing"
)

// SamplesEnv names the folder of the sample CURs when set.
const SamplesEnv = "PROFORMA_SAMPLES"

// SamplesDir is the folder of the sample CURs (../shared/data/cur's
// SOURCES.md describes them): $PROFORMA_SAMPLES, or ../shared/data/cur
// next to the repository, as seen from a package two levels below its
// root (cmd/proforma, internal/cur, internal/usage).
func SamplesDir() string {
	if dir := os.Getenv(SamplesEnv); dir != "" {
		return dir
	}
	return "../../../shared/data/cur"
}

// SampleCUR returns the path of a sample CUR, skipping the test when it is
// not there (CI checkouts may not have the samples).
func SampleCUR(tb testing.TB, name string) string {
	tb.Helper()
	dir := SamplesDir()
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("no sample CURs at %s: they live in ../shared/data/cur next to the repository, or set %s to their folder",
			dir, SamplesEnv)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("sample %s not available: %v", name, err)
	}
	return p
}
