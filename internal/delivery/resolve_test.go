package delivery

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/cur/curtest"
)

func relTo(t testing.TB, root string) func(string) string {
	return func(key string) string {
		rel, err := filepath.Rel(root, key)
		if err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(rel)
	}
}

func TestResolveLegacyVersions(t *testing.T) {
	root := t.TempDir()
	tree(t, root, legacyTree(t))
	want := planView{Periods: []periodView{legacyWant()}}
	var prints []string
	for _, arg := range []string{root, filepath.Join(root, "prefix"), filepath.Join(root, filepath.FromSlash(period))} {
		plan := resolveLocal(t, arg)
		if diff := cmp.Diff(want, view(plan, relTo(t, root))); diff != "" {
			t.Errorf("Resolve(%s) (-want +got):\n%s", arg, diff)
		}
		prints = append(prints, plan.Periods[0].Fingerprint)
	}
	if prints[0] != prints[1] || prints[0] != prints[2] {
		t.Errorf("fingerprints differ by argument: %q", prints)
	}
}

func TestResolveAssemblyFolderCopyDecides(t *testing.T) {
	root := t.TempDir()
	tree(t, root, legacyTree(t))
	plan := resolveLocal(t, filepath.Join(root, filepath.FromSlash(period), asmOld))
	want := planView{Periods: []periodView{{
		Period: "2018-11", Kind: KindCUR, Manifest: period + "/" + asmOld + "/report-Manifest.json",
		Version: asmOld, Payer: "123456789012", Files: []string{period + "/" + asmOld + "/report-1.csv.gz"},
	}}}
	if diff := cmp.Diff(want, view(plan, relTo(t, root))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestResolveDataExports(t *testing.T) {
	root := t.TempDir()
	files := exportsTree(t)
	// A copy in an execution subfolder of metadata/ naming the older
	// execution: the period-level manifest still decides.
	files[expMeta+"/"+execOld+"/daily-Manifest.json"] = exportsManifest(t, "e1",
		"s3://exports-bucket/"+expData+"/"+execOld+"/daily-00001.csv.gz")
	tree(t, root, files)
	want := planView{Periods: []periodView{exportsWant()}}
	for _, arg := range []string{root, filepath.Join(root, "exp", "daily")} {
		if diff := cmp.Diff(want, view(resolveLocal(t, arg), relTo(t, root))); diff != "" {
			t.Errorf("Resolve(%s) (-want +got):\n%s", arg, diff)
		}
	}
}

func TestResolveOverwriteLayouts(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		period + "/report-1.csv.gz":      "a",
		period + "/report-2.csv.gz":      "b",
		period + "/report-Manifest.json": legacyManifest(t, asmNew, "p/report/20181101-20181201/report-1.csv.gz", "p/report/20181101-20181201/report-2.csv.gz"),
		expData + "/daily-00001.parquet": "c",
		expMeta + "/daily-Manifest.json": exportsManifest(t, "e9", "s3://b/x/"+expData+"/daily-00001.parquet"),
		"elsewhere/loose.csv":            curCSV,
	})
	want := planView{
		Periods: []periodView{{
			Period: "2018-11", Kind: KindCUR, Manifest: period + "/report-Manifest.json", Version: asmNew, Payer: "123456789012",
			Files: []string{period + "/report-1.csv.gz", period + "/report-2.csv.gz"},
		}, {
			Period: "2024-01", Kind: KindExports, Manifest: expMeta + "/daily-Manifest.json", Version: "e9", Payer: "210987654321",
			Files: []string{expData + "/daily-00001.parquet"},
		}},
		Loose: []string{"elsewhere/loose.csv"},
	}
	if diff := cmp.Diff(want, view(resolveLocal(t, root), relTo(t, root))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A folder without manifests (or with manifests outside their layout)
// resolves to exactly cur.Scan's files and skips.
func TestResolveLooseIsScan(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"b/report-10.csv":                       curCSV,
		"b/report-2.csv":                        curCSV,
		"focus.csv":                             focusCSV,
		"other.csv":                             otherCSV,
		".hidden/x.csv":                         curCSV,
		period + "/" + asmOld + "/report-1.csv": curCSV, // one version: two are refused (TestResolveRefusesUndecidedVersions)
		"export-Manifest.json":                  exportsManifest(t, "e", "s3://b/k/data/BILLING_PERIOD=2024-01/x.csv"),
		"notes.txt":                             "hi",
		"junk-Manifest.json":                    "not json",
	})
	assertScan(t, root)
}

func TestResolveSamplesFolderIsScan(t *testing.T) {
	dir := curtest.SamplesDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no sample CURs at %s (set %s): %v", dir, curtest.SamplesEnv, err)
	}
	assertScan(t, dir)
}

func assertScan(t *testing.T, dir string) {
	t.Helper()
	files, skipped, err := cur.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	plan := resolveLocal(t, dir)
	if len(plan.Periods) != 0 {
		t.Errorf("Periods = %+v, want none", plan.Periods)
	}
	var gotSkip []cur.Skipped
	for _, s := range plan.Skipped {
		gotSkip = append(gotSkip, cur.Skipped{File: s.Object.Key, Reason: s.Reason})
	}
	got := struct {
		Files   []string
		Skipped []cur.Skipped
	}{relKeys(plan.Loose, func(k string) string { return k }), gotSkip}
	want := struct {
		Files   []string
		Skipped []cur.Skipped
	}{files, skipped}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("Resolve vs cur.Scan (-scan +resolve):\n%s", diff)
	}
	if len(files) == 0 {
		t.Error("fixture has no files")
	}
}

func TestResolveFileArgumentIsLoose(t *testing.T) {
	root := t.TempDir()
	files := legacyTree(t)
	files["focus.csv"] = focusCSV
	tree(t, root, files)
	for _, name := range []string{period + "/" + asmOld + "/report-1.csv.gz", period + "/report-Manifest.json", "focus.csv"} {
		arg := filepath.Join(root, filepath.FromSlash(name))
		want := planView{Loose: []string{name}}
		if diff := cmp.Diff(want, view(resolveLocal(t, arg), relTo(t, root))); diff != "" {
			t.Errorf("Resolve(%s) (-want +got):\n%s", name, diff)
		}
	}
}

// An Athena-integrated legacy report keeps its manifest in the period
// folder but its Parquet files under year=/month=: the manifest governs
// nothing and the files import as before.
func TestResolveManifestNamingOutsideItsFolder(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"p/report/report/year=2018/month=11/report-00001.csv": curCSV,
		"p/report/20181101-20181201/report-Manifest.json": legacyManifest(t, "a",
			"p/report/report/year=2018/month=11/report-00001.csv"),
	})
	plan := resolveLocal(t, root)
	want := planView{Loose: []string{"p/report/report/year=2018/month=11/report-00001.csv"}}
	if diff := cmp.Diff(want, view(plan, relTo(t, root))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestResolveErrors(t *testing.T) {
	manifest := period + "/report-Manifest.json"
	tests := []struct {
		name  string
		edit  func(t *testing.T, files map[string]string)
		wants []string // substrings of the error
	}{
		{"missing named file", func(t *testing.T, f map[string]string) {
			f[manifest] = legacyManifest(t, asmNew, "k/"+period+"/"+asmNew+"/report-3.csv")
		}, []string{manifest, asmNew + "/report-3.csv", "does not have"}},
		{"malformed JSON", func(t *testing.T, f map[string]string) { f[manifest] = `{"reportKeys": [` }, []string{manifest, "malformed"}},
		{"no reportKeys", func(t *testing.T, f map[string]string) { f[manifest] = `{"assemblyId": "x"}` }, []string{manifest, "no reportKeys"}},
		{"bad account", func(t *testing.T, f map[string]string) {
			f[manifest] = `{"account": "12; drop", "reportKeys": []}`
		}, []string{manifest, "12-digit"}},
		{"partly outside its folder", func(t *testing.T, f map[string]string) {
			f[manifest] = legacyManifest(t, asmNew, period+"/"+asmNew+"/report-1.csv", "elsewhere/x.csv")
		}, []string{manifest, "elsewhere/x.csv", "outside"}},
		{"bad exports URI", func(t *testing.T, f map[string]string) {
			f[expMeta+"/daily-Manifest.json"] = exportsManifest(t, "e", "https://x/"+expData+"/a.csv")
		}, []string{"daily-Manifest.json", "not an s3://"}},
		{"copies without period manifest", func(t *testing.T, f map[string]string) { delete(f, manifest) },
			[]string{asmOld + "/report-Manifest.json", asmNew + "/report-Manifest.json", "missing"}},
		{"too large", func(t *testing.T, f map[string]string) {
			f[manifest] = `{"reportKeys": [], "pad": "` + strings.Repeat("x", maxManifest) + `"}`
		}, []string{manifest, "larger than 16 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			files := legacyTree(t)
			tt.edit(t, files)
			tree(t, root, files)
			ctx := context.Background()
			s, err := OpenSource(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Resolve(ctx, s)
			if err == nil {
				t.Fatal("Resolve succeeded, want an error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), filepath.FromSlash(w)) && !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	root := t.TempDir()
	tree(t, root, legacyTree(t))
	current := filepath.Join(root, filepath.FromSlash(period), asmNew, "report-1.csv")
	older := filepath.Join(root, filepath.FromSlash(period), asmOld, "report-1.csv.gz")
	base := resolveLocal(t, root).Periods[0].Fingerprint
	fp := func() string { return resolveLocal(t, root).Periods[0].Fingerprint }
	if got := fp(); got != base {
		t.Fatalf("fingerprint changed with nothing changed: %s, then %s", base, got)
	}
	info, err := os.Stat(current)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		change func()
		same   bool
	}{
		{"a left file changes", func() { write(t, older, "other old") }, true},
		{"mtime of a current file", func() { chtime(t, current, info.ModTime().Add(time.Hour)) }, false},
		{"mtime restored", func() { chtime(t, current, info.ModTime()) }, true},
		{"size of a current file", func() { write(t, current, curCSV+"more\n"); chtime(t, current, info.ModTime()) }, false},
		{"size restored", func() { write(t, current, curCSV); chtime(t, current, info.ModTime()) }, true},
		{"version", func() {
			write(t, filepath.Join(root, filepath.FromSlash(period), "report-Manifest.json"),
				legacyManifest(t, "33333333-cccc", period+"/"+asmNew+"/report-1.csv", period+"/"+asmNew+"/report-2.csv"))
		}, false},
	}
	for _, s := range steps {
		s.change()
		if got := fp(); (got == base) != s.same {
			t.Errorf("%s: fingerprint %s, base %s, want same=%v", s.name, got, base, s.same)
		}
	}
}

func write(t testing.TB, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func chtime(t testing.TB, p string, at time.Time) {
	t.Helper()
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSourceErrors(t *testing.T) {
	ctx := context.Background()
	for _, arg := range []string{filepath.Join(t.TempDir(), "nope"), "s3://", "s3:///key"} {
		if _, err := OpenSource(ctx, arg); err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(arg, "/key")) {
			t.Errorf("OpenSource(%q) = %v, want an error naming it", arg, err)
		}
	}
}

// "." inside a period folder shows no period folder in its keys; the
// layout is read from the absolute path, the keys stay as given.
func TestResolveDotInsidePeriodFolder(t *testing.T) {
	root := t.TempDir()
	tree(t, root, legacyTree(t))
	t.Chdir(filepath.Join(root, filepath.FromSlash(period)))
	plan := resolveLocal(t, ".")
	want := planView{Periods: []periodView{{
		Period: "2018-11", Kind: KindCUR, Manifest: "report-Manifest.json", Version: asmNew, Payer: "123456789012",
		Files: []string{asmNew + "/report-1.csv", asmNew + "/report-2.csv"},
		Left:  []string{asmOld + "/report-1.csv.gz"},
	}}}
	if diff := cmp.Diff(want, view(plan, relTo(t, "."))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got, base := plan.Periods[0].Fingerprint, resolveLocal(t, root).Periods[0].Fingerprint; got != base {
		t.Errorf("fingerprint from . = %s, from the root %s", got, base)
	}
}

// TestResolveRefusesUndecidedVersions: the data folder of an export
// without its metadata (or a report's period folder without its manifest)
// holds two executions that nothing decides between: an error naming the
// folder and both versions, since importing both would count the month
// twice. One version's folder, or one version per period, resolves.
func TestResolveRefusesUndecidedVersions(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, map[string]string{
		"exp/data/BILLING_PERIOD=2026-10/2026-10-02T00:00:00Z-e1/exp-00001.csv": curCSV,
		"exp/data/BILLING_PERIOD=2026-10/2026-10-03T00:00:00Z-e2/exp-00001.csv": curCSV,
		"exp/data/BILLING_PERIOD=2026-09/exp-00001.csv":                         curCSV,
		"rep/20261001-20261101/a1/rep-1.csv":                                    curCSV,
	})
	src, err := OpenSource(context.Background(), filepath.Join(dir, "exp"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(context.Background(), src); err == nil ||
		!strings.Contains(err.Error(), "BILLING_PERIOD=2026-10 holds 2 versions (2026-10-02T00:00:00Z-e1, 2026-10-03T00:00:00Z-e2)") {
		t.Errorf("Resolve = %v, want an error naming the folder and both versions", err)
	}
	if plan := resolveLocal(t, filepath.Join(dir, "exp/data/BILLING_PERIOD=2026-10/2026-10-03T00:00:00Z-e2")); len(plan.Loose) != 1 {
		t.Errorf("one version's folder: loose %v", plan.Loose)
	}
	if plan := resolveLocal(t, filepath.Join(dir, "rep")); len(plan.Loose) != 1 {
		t.Errorf("one version: loose %v", plan.Loose)
	}
}
