package cur

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// dataSuffixes are the names of CUR data files (compared in lower case).
var dataSuffixes = []string{".csv", ".csv.gz", ".csv.zip", ".gz", ".zip", ".parquet"}

// Files lists the CUR data files under path: path itself when it is a file,
// else every file below it (recursively) whose name ends in .csv, .csv.gz,
// .gz, .zip or .parquet. Manifests (*.json), hidden files and hidden
// directories are skipped. The list is sorted by path with digit runs
// compared as numbers, so "report-2.csv.gz" comes before "report-10.csv.gz".
//
// Symbolic links are followed, to folders (path itself may be one) and to
// files; each real folder and file is taken once, so a link back to an
// ancestor or a second link to the same report neither loops nor imports
// twice. Dangling links are skipped. So is anything not a regular file or a
// folder (FIFOs, devices, sockets), without being opened: opening a FIFO
// blocks until something writes to it.
//
// Files does not read manifests: a legacy CUR folder that keeps several
// report versions (one folder per assembly ID) yields them all.
func Files(path string) ([]string, error) { return walk(path, dataKind) }

// walk lists path itself when it is a file, else the files below it that
// kind takes, by Files' rules, sorted as Files sorts.
func walk(path string, kind func(name string) string) ([]string, error) {
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
	w := &fileWalk{seen: map[string]bool{}, kind: kind}
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

// dataKind takes the data files.
func dataKind(name string) string {
	if isDataFile(name) {
		return "data"
	}
	return ""
}

// Skipped is a data file of a folder that Scan leaves out, and why.
type Skipped struct {
	File   string
	Reason error // ErrFOCUS, or ErrNotCUR
}

// ErrNotCUR is the reason Scan skips a file whose header has no CUR column.
var ErrNotCUR = errors.New("the header has no CUR column: not a Cost and Usage Report")

// Scan is Files, leaving out the files of a folder that are not CURs: a
// FOCUS export (ErrFOCUS) or a file whose header has no CUR column
// (ErrNotCUR), told by their header. They are returned in skipped, for a
// notice. A file that cannot be told (empty, damaged, unreadable) is kept,
// for the reader to say what is wrong with it; so is path itself when it
// is a file: a file named explicitly is never skipped.
func Scan(path string) (files []string, skipped []Skipped, err error) {
	all, err := Files(path)
	if err != nil {
		return nil, nil, err
	}
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		return all, nil, nil
	}
	for _, f := range all {
		if why := notCUR(f); why != nil {
			skipped = append(skipped, Skipped{File: f, Reason: why})
			continue
		}
		files = append(files, f)
	}
	return files, skipped, nil
}

// notCUR reads a data file's header and returns ErrFOCUS or ErrNotCUR when
// it is not a CUR, else nil (a CUR, or a file whose header cannot be read).
func notCUR(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	limits := DefaultLimits
	src, _, err := openSource(f, path, &limits)
	if err != nil {
		return nil
	}
	defer src.close()
	pos := map[string]int{}
	for i, h := range src.header() {
		pos[strings.ToLower(strings.TrimSpace(h))] = i
	}
	switch {
	case isFOCUS(pos):
		return ErrFOCUS
	case countStyle(pos, true)+countStyle(pos, false) == 0:
		return ErrNotCUR
	}
	return nil
}

// fileWalk collects the files of a folder tree that kind takes.
type fileWalk struct {
	seen map[string]bool // real paths (links resolved) of the folders, and of the files with the kind taken
	out  []string
	// kind is what a file of that base name is taken as, "" for none; a
	// file is taken once per kind, so a link named as a data file to a
	// manifest (or the reverse) leaves the data files as Files has them.
	kind func(name string) string
}

// dir walks the folder shown as path, whose real path is real, once.
func (w *fileWalk) dir(path, real string) error {
	if w.seen[real] {
		return nil // a link to an ancestor, or a folder reached twice
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

// entry takes one folder entry of type mode: a folder is walked, a file
// kind takes kept, a link followed to what it names; anything else is
// skipped (never opened).
func (w *fileWalk) entry(path, real string, mode fs.FileMode) error {
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
	if mode.IsDir() {
		return w.dir(path, real)
	}
	if !mode.IsRegular() {
		return nil
	}
	if k := w.kind(filepath.Base(path)); k != "" && !w.seen[real+"\x00"+k] {
		w.seen[real+"\x00"+k] = true
		w.out = append(w.out, path)
	}
	return nil
}

func isDataFile(name string) bool {
	name = strings.ToLower(name)
	for _, s := range dataSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// naturalCompare orders strings with runs of digits compared by value.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			da, db := digitRun(a), digitRun(b)
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitRun(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}
