package delivery

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/cur"
)

// Plan is what an import of a source takes.
type Plan struct {
	Source  string
	Periods []PeriodPlan // periods decided by manifests, in period order
	Loose   []Object     // data files no manifest governs: imported as today (a folder without manifests gives only Loose)
	Skipped []Skipped    // loose files that are not CURs (FOCUS exports, no CUR column), as cur.Scan tells them, for a notice
}

// PeriodPlan is one billing period a manifest decides.
type PeriodPlan struct {
	Period      string   // "YYYY-MM"
	Kind        string   // KindCUR (legacy) or KindExports
	Manifest    string   // key of the manifest that decided
	Version     string   // assemblyId or executionId
	Payer       string   // the payer the manifest names (legacy `account`; the exportArn's account), "" if none
	Files       []Object // the current data files, in the manifest's order
	Left        []Object // the period's other data files (other assemblies/executions), not imported
	Fingerprint string   // changes when the version or any current file (key, size, ETag; local: size and mtime) changes

	// The fingerprint keys files by their path from the period folder on,
	// so a delivery seen through another argument (the report's parent,
	// the period folder) or another local mirror root keeps it.
}

// Skipped is a loose data file left out because it is not a CUR.
type Skipped struct {
	Object Object
	Reason error // cur.ErrFOCUS or cur.ErrNotCUR
}

// Resolve lists a source and decides, period by period, which data files
// are current.
//
// A manifest decides only within its layout (see manifestPlace): a legacy
// manifest governs the data files below its yyyymmdd-yyyymmdd folder, a
// Data Exports manifest those below data/BILLING_PERIOD=YYYY-MM of its
// export. Where a period-level manifest is listed it decides; else a single
// assembly's (or execution's) copy does, as when the source is that
// assembly folder. A manifest anywhere else, or one naming no file in its
// period folder (an Athena-integrated legacy report keeps its Parquet
// files under year=/month= folders), governs nothing. A source that is one
// file is Loose, whatever it is.
//
// Loose files of a local folder are sniffed as cur.Scan does and those
// that are not CURs go to Skipped; loose S3 objects are not sniffed (it
// would take a download): the reader reports a FOCUS file when it meets it.
//
// A manifest that is malformed, too large, ambiguous, or names a file the
// source does not have is an error naming it.
func Resolve(ctx context.Context, s Source) (*Plan, error) {
	objs, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Source: s.String()}
	if r, ok := s.(rooted); ok && len(objs) == 1 && objs[0].Key == r.root() {
		plan.Loose = objs
		return plan, nil
	}
	at := func(key string) string { return key }
	if l, ok := s.(laidOut); ok {
		at = l.layoutKey
	}
	data, manifests := split(objs)
	periods, governed, err := decideAll(ctx, s, at, data, manifests)
	if err != nil {
		return nil, err
	}
	plan.Periods = periods
	if plan.Loose, plan.Skipped, err = loose(ctx, s, at, data, governed); err != nil {
		return nil, err
	}
	if err := undecided(plan.Loose, at); err != nil {
		return nil, err
	}
	return plan, nil
}

// undecided refuses period folders whose loose files sit in several
// version folders (assemblies, executions) that no manifest decides
// between: importing them all would count the month once per version,
// and picking one would be a guess.
func undecided(looseFiles []Object, at func(string) string) error {
	versions := map[string][]string{}
	var dirs []string
	for _, o := range looseFiles {
		tail, dir, ok := periodTail(strings.Split(filepath.ToSlash(at(o.Key)), "/"))
		segs := strings.Split(tail, "/")
		if !ok || len(segs) != 3 || slices.Contains(versions[dir], segs[1]) {
			continue
		}
		if versions[dir] == nil {
			dirs = append(dirs, dir)
		}
		versions[dir] = append(versions[dir], segs[1])
	}
	var errs []error
	for _, dir := range dirs {
		if v := versions[dir]; len(v) > 1 {
			errs = append(errs, fmt.Errorf("%s holds %d versions (%s) and no manifest names the current one: importing them "+
				"all would count the month once per version; import the report or export folder with its manifests "+
				"(for Data Exports, the folder that holds metadata/ and data/), or one version's folder",
				dir, len(v), strings.Join(v, ", ")))
		}
	}
	return errors.Join(errs...)
}

// decideAll reads the manifest that decides each period folder and
// returns the periods in order and the data folders they govern. at is a
// key as the layout rules read it (see laidOut).
func decideAll(ctx context.Context, s Source, at func(string) string, data, manifests []Object) ([]PeriodPlan, map[string]bool, error) {
	choices, err := choose(manifests, at)
	if err != nil {
		return nil, nil, err
	}
	byDir := groupByDir(data, at)
	var periods []PeriodPlan
	governed := map[string]bool{}
	for _, c := range choices {
		pp, ok, err := decide(ctx, s, at, c, byDir[c.place.dir])
		if err != nil {
			return nil, nil, err
		}
		if ok {
			periods = append(periods, pp)
			governed[c.place.dir] = true
		}
	}
	slices.SortStableFunc(periods, func(a, b PeriodPlan) int {
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Manifest, b.Manifest))
	})
	return periods, governed, nil
}

// split separates the data files (cur.IsDataFile) and the manifests
// (cur.IsManifest) of a listing; other objects are dropped.
func split(objs []Object) (data, manifests []Object) {
	for _, o := range objs {
		name := path.Base(filepath.ToSlash(o.Key))
		switch {
		case cur.IsManifest(name):
			manifests = append(manifests, o)
		case cur.IsDataFile(name):
			data = append(data, o)
		}
	}
	return data, manifests
}

// groupByDir groups the data files by the period folder they sit in.
func groupByDir(data []Object, at func(string) string) map[string][]Object {
	by := map[string][]Object{}
	for _, o := range data {
		if dir, ok := dataPlace(at(o.Key)); ok {
			by[dir] = append(by[dir], o)
		}
	}
	return by
}

// loose returns the data files outside the governed period folders; for a
// source that sniffs, those that are not CURs are skipped instead.
func loose(ctx context.Context, s Source, at func(string) string, data []Object, governed map[string]bool) ([]Object, []Skipped, error) {
	sn, _ := s.(sniffer)
	var out []Object
	var skipped []Skipped
	for _, o := range data {
		if dir, ok := dataPlace(at(o.Key)); ok && governed[dir] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if sn != nil {
			if why := sn.notCUR(o); why != nil {
				skipped = append(skipped, Skipped{Object: o, Reason: why})
				continue
			}
		}
		out = append(out, o)
	}
	return out, skipped, nil
}

// choice is the manifest that decides one period folder.
type choice struct {
	key   string
	place place
}

// choose picks, for each period folder that listed manifests govern, the
// one that decides, in listing order of the folders.
func choose(manifests []Object, at func(string) string) ([]choice, error) {
	groups := map[string][]choice{}
	var dirs []string
	for _, m := range manifests {
		p, ok := manifestPlace(at(m.Key))
		if !ok {
			continue
		}
		if groups[p.dir] == nil {
			dirs = append(dirs, p.dir)
		}
		groups[p.dir] = append(groups[p.dir], choice{m.Key, p})
	}
	out := make([]choice, 0, len(dirs))
	for _, dir := range dirs {
		c, err := pick(groups[dir])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// pick is the period-level manifest of a folder, else its only copy.
// Two of either cannot be told apart: an error.
func pick(cs []choice) (choice, error) {
	var top, copies []choice
	for _, c := range cs {
		if c.place.copy {
			copies = append(copies, c)
		} else {
			top = append(top, c)
		}
	}
	switch {
	case len(top) == 1:
		return top[0], nil
	case len(top) > 1:
		return choice{}, fmt.Errorf("delivery: %s and %s both decide period %s: cannot tell which is current", top[0].key, top[1].key, top[0].place.period)
	case len(copies) == 1:
		return copies[0], nil
	}
	return choice{}, fmt.Errorf("delivery: %s and %s are copies of different versions of period %s and the period's own manifest is missing: "+
		"point at one version's folder, or restore the manifest", copies[0].key, copies[1].key, copies[0].place.period)
}

// decide reads the chosen manifest of a period folder and splits the
// folder's data files into the current ones and the rest. ok is false
// when the manifest names no file in the folder (not this layout).
func decide(ctx context.Context, s Source, at func(string) string, c choice, inDir []Object) (PeriodPlan, bool, error) {
	d, err := readManifest(ctx, s, c.key, c.place.kind)
	if err != nil {
		return PeriodPlan{}, false, err
	}
	files, ok, err := resolveNamed(c, d.files, inDir, s, at)
	if err != nil || !ok {
		return PeriodPlan{}, false, err
	}
	pp := PeriodPlan{
		Period: c.place.period, Kind: c.place.kind, Manifest: c.key,
		Version: d.version, Payer: d.payer, Files: files, Left: others(inDir, files),
	}
	pp.Fingerprint = fingerprint(pp, at)
	return pp, true, nil
}

// resolveNamed matches each file a manifest names (a bucket key) to a
// listed object by the path from the period folder on. ok is false when
// none of them is in the manifest's period folder.
func resolveNamed(c choice, named []string, inDir []Object, s Source, at func(string) string) ([]Object, bool, error) {
	folder := path.Base(c.place.dir)
	if len(named) > 0 && !slices.ContainsFunc(named, func(k string) bool { return inFolder(k, folder) }) {
		return nil, false, nil
	}
	byTail := map[string]Object{}
	for _, o := range inDir {
		byTail[tailOf(at(o.Key))] = o
	}
	var files []Object
	seen := map[string]bool{}
	for _, key := range named {
		if !inFolder(key, folder) {
			return nil, false, fmt.Errorf("delivery: manifest %s names %s, outside its period folder %s", c.key, key, folder)
		}
		o, ok := byTail[tailOf(key)]
		if !ok {
			return nil, false, fmt.Errorf("delivery: manifest %s names %s, which %s does not have", c.key, key, s)
		}
		if !seen[o.Key] {
			seen[o.Key] = true
			files = append(files, o)
		}
	}
	return files, true, nil
}

// tailOf is a data file's path from its period folder on ("" if none).
func tailOf(key string) string {
	tail, _, _ := periodTail(strings.Split(filepath.ToSlash(key), "/"))
	return tail
}

// inFolder reports whether a named key sits in the period folder named
// folder (directly or one folder below).
func inFolder(key, folder string) bool {
	return strings.HasPrefix(tailOf(key), folder+"/")
}

// others is the objects of all that are not in files, in listing order.
func others(all, files []Object) []Object {
	current := map[string]bool{}
	for _, f := range files {
		current[f.Key] = true
	}
	var out []Object
	for _, o := range all {
		if !current[o.Key] {
			out = append(out, o)
		}
	}
	return out
}

// fingerprint hashes what makes a period's import current: kind, period,
// version and, per current file, its path from the period folder (so the
// same delivery seen through another argument or mirror root keeps it),
// size, and ETag (local files: modification time).
func fingerprint(pp PeriodPlan, at func(string) string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q\n", pp.Kind, pp.Period, pp.Version)
	for _, f := range pp.Files {
		tail := tailOf(at(f.Key))
		stamp := f.ETag
		if stamp == "" {
			stamp = f.ModTime.UTC().Format(time.RFC3339Nano)
		}
		fmt.Fprintf(h, "%q %d %q\n", tail, f.Size, stamp)
	}
	return hex.EncodeToString(h.Sum(nil))
}
