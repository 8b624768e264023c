package cur

import (
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
// Files does not read manifests: a legacy CUR folder that keeps several
// report versions (one folder per assembly ID) yields them all.
func Files(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := strings.HasPrefix(d.Name(), ".") && p != path
		switch {
		case d.IsDir() && hidden:
			return filepath.SkipDir
		case !d.IsDir() && !hidden && isDataFile(d.Name()):
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := naturalCompare(a, b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out, nil
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
