// Command testsummary reads `go test -json` on standard input, prints what
// `go test` prints without -json — a line a package, the output of what
// failed — and ends with the tests that were skipped and why: the optional
// suites (boto3, the AWS CLIs, the JS SDK, the sample CURs, PostgreSQL, …)
// this machine could not run, which `go test` alone names only with -v.
// It exits 1 when a test or a build failed.
//
//	go test -json ./... | go run ./internal/testsummary
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	Elapsed    float64
	ImportPath string // build-output and build-fail events
}

// skip is a skipped test and its reason.
type skip struct{ pkg, test, why string }

// summary follows the events and prints as go test would.
type summary struct {
	out     io.Writer
	output  map[string][]string // package or package/test → its output lines
	skips   []skip
	failed  bool
	skipped map[string]bool // packages with a skipped test, for the ok line
}

func main() {
	s := &summary{out: os.Stdout, output: map[string][]string{}, skipped: map[string]bool{}}
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s.finish()
	if s.failed {
		os.Exit(1)
	}
}

// read handles every event of r; a line that is not an event is printed
// as it is (go test writes some errors without -json framing).
func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(s.out, sc.Text())
			if strings.HasPrefix(sc.Text(), "FAIL") {
				s.failed = true
			}
			continue
		}
		s.handle(e)
	}
	return sc.Err()
}

func (s *summary) handle(e event) {
	key := e.Package
	if e.Test != "" {
		key += "/" + e.Test
	}
	switch e.Action {
	case "build-output":
		s.output["build "+e.ImportPath] = append(s.output["build "+e.ImportPath], e.Output)
	case "build-fail":
		s.print(s.output["build "+e.ImportPath])
		s.failed = true
	case "output":
		s.output[key] = append(s.output[key], e.Output)
		if e.Test != "" {
			s.output[e.Package] = append(s.output[e.Package], e.Output)
		}
	case "skip":
		if e.Test == "" {
			fmt.Fprintf(s.out, "?   \t%s\t[no test files]\n", e.Package)
			return
		}
		s.skips = append(s.skips, skip{e.Package, e.Test, reason(s.output[key])})
		s.skipped[e.Package] = true
	case "fail":
		if e.Test == "" {
			s.print(s.output[e.Package]) // ends with go test's FAIL line
			s.failed = true
		}
	case "pass":
		if e.Test == "" {
			took := fmt.Sprintf("%.3fs", e.Elapsed)
			if e.Elapsed == 0 {
				took = "(cached)"
			}
			if s.skipped[e.Package] {
				took += "\t(skipped tests below)"
			}
			fmt.Fprintf(s.out, "ok  \t%s\t%s\n", e.Package, took)
		}
	}
	if e.Test == "" && (e.Action == "pass" || e.Action == "fail") {
		for k := range s.output { // the package is done: forget its lines
			if k == e.Package || strings.HasPrefix(k, e.Package+"/") {
				delete(s.output, k)
			}
		}
	}
}

func (s *summary) print(lines []string) {
	for _, l := range lines {
		fmt.Fprint(s.out, l)
	}
}

// reason is what a skipped test said — its output without the framing
// lines go test adds and the file:line of the call — on one line.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if file, rest, ok := strings.Cut(t, ": "); ok && strings.Contains(file, ".go:") {
			t = rest
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// finish ends with the skipped tests, one line per package and reason.
func (s *summary) finish() {
	if len(s.skips) == 0 {
		fmt.Fprintln(s.out, "no test was skipped: every optional suite ran")
		return
	}
	type group struct {
		pkg, why string
		tests    []string
	}
	var groups []*group
	index := map[[2]string]*group{}
	for _, k := range s.skips {
		g := index[[2]string{k.pkg, k.why}]
		if g == nil {
			g = &group{pkg: k.pkg, why: k.why}
			index[[2]string{k.pkg, k.why}] = g
			groups = append(groups, g)
		}
		g.tests = append(g.tests, k.test)
	}
	fmt.Fprintln(s.out, "\nskipped here:")
	for _, g := range groups {
		fmt.Fprintf(s.out, "  %s %s: %s\n", strings.TrimPrefix(g.pkg, module+"/"), testList(g.tests), g.why)
	}
	fmt.Fprintf(s.out, "%s skipped, for the %s above (an optional suite's reason says what to install or set)\n",
		count(len(s.skips), "test"), count(len(groups), "reason"))
}

// count is n and the noun, plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// module is trimmed from package paths in the summary.
const module = "github.com/proforma-dev/proforma"

// testList names skipped tests briefly: a test whose subtests all share a
// reason is named once, with their number.
func testList(tests []string) string {
	var names []string
	count := map[string]int{}
	for _, t := range tests {
		top, _, _ := strings.Cut(t, "/")
		if count[top] == 0 {
			names = append(names, top)
		}
		count[top]++
	}
	for i, n := range names {
		if count[n] > 1 {
			names[i] = fmt.Sprintf("%s (%d subtests)", n, count[n])
		}
	}
	return strings.Join(names, ", ")
}
