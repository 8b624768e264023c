package cur

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

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
func Listing(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	w := &listWalk{seen: map[string]bool{}}
	if err := w.dir(path, real); err != nil {
		return nil, &Error{File: path, Err: err}
	}
	slices.SortFunc(w.out, func(a, b string) int {
		if c := naturalCompare(a, b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return w.out, nil
}

// Sniff tells from a data file's header whether it is a CUR, as Scan does
// for the files of a folder: ErrFOCUS or ErrNotCUR when it is not, nil when
// it is or cannot be told (empty, damaged, unreadable: the reader will say).
func Sniff(path string) error { return notCUR(path) }

// listWalk is fileWalk keeping manifests as well as data files. It repeats
// fileWalk's rules (hidden entries skipped, links followed once, anything
// but folders and regular files never opened).
type listWalk struct {
	seen map[string]bool // real paths of the folders and files taken
	out  []string
}

func (w *listWalk) dir(path, real string) error {
	if w.seen[real] {
		return nil
	}
	w.seen[real] = true
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := w.entry(filepath.Join(path, e.Name()), filepath.Join(real, e.Name()), e.Type()); err != nil {
			return err
		}
	}
	return nil
}

func (w *listWalk) entry(path, real string, mode fs.FileMode) error {
	if mode&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil // dangling
		}
		info, err := os.Stat(target)
		if err != nil {
			return nil
		}
		real, mode = target, info.Mode().Type()
	}
	name := filepath.Base(path)
	// A file is taken once per role, so a link named as a data file to a
	// manifest (or the reverse) leaves the data files as Files has them.
	key := real + "\x00" + role(name)
	switch {
	case mode.IsDir():
		return w.dir(path, real)
	case mode.IsRegular() && (isDataFile(name) || IsManifest(name)) && !w.seen[key]:
		w.seen[key] = true
		w.out = append(w.out, path)
	}
	return nil
}

// role is what Listing takes a file as: "data" or "manifest".
func role(name string) string {
	if isDataFile(name) {
		return "data"
	}
	return "manifest"
}
