package cur

import "strings"

// IsManifest reports whether name, a file's base name, is a delivery
// manifest: legacy CURs name it "<report>-Manifest.json", Data Exports
// "<export>-Manifest.json". The comparison ignores case.
func IsManifest(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), "-manifest.json") && !strings.HasPrefix(name, ".")
}

// IsDataFile reports whether name, a file's base name, is one Files takes
// as a CUR data file (by its suffix; hidden files are not).
func IsDataFile(name string) bool {
	return isDataFile(name) && !strings.HasPrefix(name, ".")
}

// Listing is Files with the manifests (IsManifest) of the tree too, walked
// and sorted by the same rules: the data files it returns are exactly the
// ones Files returns, in the same order relative to each other. For path a
// file, it returns path alone, whatever its name.
func Listing(path string) ([]string, error) { return walk(path, listingKind) }

// listingKind takes data files and manifests.
func listingKind(name string) string {
	switch {
	case isDataFile(name):
		return "data"
	case IsManifest(name):
		return "manifest"
	}
	return ""
}

// Sniff tells from a data file's header whether it is a CUR, as Scan does
// for the files of a folder: ErrFOCUS or ErrNotCUR when it is not, nil when
// it is or cannot be told (empty, damaged, unreadable: the reader will say).
func Sniff(path string) error { return notCUR(path) }
