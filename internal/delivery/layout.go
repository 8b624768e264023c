package delivery

import (
	"path/filepath"
	"strings"
)

// The kinds of delivery a manifest decides.
const (
	KindCUR     = "CUR"
	KindExports = "Data Exports"
)

// place is where a file sits in a delivery layout.
type place struct {
	kind   string // KindCUR or KindExports
	period string // "YYYY-MM"
	dir    string // the period's data folder (slash-separated key): what a manifest governs
	copy   bool   // a manifest in a subfolder of its period folder: an assembly's or execution's copy
}

// manifestPlace is where a manifest key sits: a legacy manifest in a
// yyyymmdd-yyyymmdd folder or in an assembly folder below one; a Data
// Exports manifest in metadata/BILLING_PERIOD=YYYY-MM/ or a subfolder of it.
// ok is false for a manifest anywhere else: it governs nothing.
func manifestPlace(key string) (p place, ok bool) {
	segs := strings.Split(filepath.ToSlash(key), "/")
	n := len(segs)
	for depth := 2; depth <= 3; depth++ { // the period folder is the parent, or the grandparent
		i := n - depth
		if i < 0 {
			break
		}
		if period, ok := legacyPeriod(segs[i]); ok {
			return place{KindCUR, period, join(segs[:i+1]), depth == 3}, true
		}
		if period, ok := exportsPeriod(segs[i]); ok && i > 0 && segs[i-1] == "metadata" {
			dir := join(append(segs[:i-1:i-1], "data", segs[i]))
			return place{KindExports, period, dir, depth == 3}, true
		}
	}
	return place{}, false
}

// dataPlace is the period folder a data file sits in, directly or one
// folder (an assembly or execution) below: a yyyymmdd-yyyymmdd folder, or
// data/BILLING_PERIOD=YYYY-MM. ok is false for a file anywhere else.
func dataPlace(key string) (dir string, ok bool) {
	_, dir, ok = periodTail(strings.Split(filepath.ToSlash(key), "/"))
	return dir, ok
}

// periodTail finds the period folder in a data file's path segments (the
// parent or grandparent) and returns the path from there on, "period/…",
// and the folder's path. A manifest names a file by its bucket key; a
// local mirror or a source prefix differs above the period folder, so files
// are matched by this tail.
func periodTail(segs []string) (tail, dir string, ok bool) {
	n := len(segs)
	for depth := 2; depth <= 3 && depth <= n; depth++ {
		i := n - depth
		if _, ok := legacyPeriod(segs[i]); ok {
			return join(segs[i:]), join(segs[:i+1]), true
		}
		if _, ok := exportsPeriod(segs[i]); ok && i > 0 && segs[i-1] == "data" {
			return join(segs[i:]), join(segs[:i+1]), true
		}
	}
	return "", "", false
}

// legacyPeriod parses a legacy period folder, "20181101-20181201", into
// the month it starts, "2018-11".
func legacyPeriod(name string) (string, bool) {
	if len(name) != 17 || name[8] != '-' || !digits(name[:8]) || !digits(name[9:]) {
		return "", false
	}
	return month(name[:4], name[4:6])
}

// exportsPeriod parses a Data Exports partition, "BILLING_PERIOD=2023-11".
func exportsPeriod(name string) (string, bool) {
	v, ok := strings.CutPrefix(name, "BILLING_PERIOD=")
	if !ok || len(v) != 7 || v[4] != '-' || !digits(v[:4]) || !digits(v[5:]) {
		return "", false
	}
	return month(v[:4], v[5:])
}

func month(year, mm string) (string, bool) {
	if mm < "01" || mm > "12" {
		return "", false
	}
	return year + "-" + mm, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func join(segs []string) string { return strings.Join(segs, "/") }
