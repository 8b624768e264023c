package main

import (
	"bytes"
	"strings"
	"testing"
)

// A run with a passing package whose subtests skip for one reason, a
// package that fails, and a package without tests: go test's lines, the
// failing output, and the skips grouped by package and reason.
func TestSummary(t *testing.T) {
	const run = `{"Action":"start","Package":"m/a"}
{"Action":"run","Package":"m/a","Test":"TestDB"}
{"Action":"output","Package":"m/a","Test":"TestDB","Output":"=== RUN   TestDB\n"}
{"Action":"run","Package":"m/a","Test":"TestDB/one"}
{"Action":"output","Package":"m/a","Test":"TestDB/one","Output":"    db_test.go:9: DB_DSN is not set\n"}
{"Action":"output","Package":"m/a","Test":"TestDB/one","Output":"--- SKIP: TestDB/one (0.00s)\n"}
{"Action":"skip","Package":"m/a","Test":"TestDB/one"}
{"Action":"output","Package":"m/a","Test":"TestDB/two","Output":"    db_test.go:9: DB_DSN is not set\n"}
{"Action":"skip","Package":"m/a","Test":"TestDB/two"}
{"Action":"output","Package":"m/a","Test":"TestBoto3","Output":"    boto3_test.go:4: python3 is not on PATH\n"}
{"Action":"skip","Package":"m/a","Test":"TestBoto3"}
{"Action":"pass","Package":"m/a","Elapsed":1.5}
{"Action":"output","Package":"m/b","Test":"TestBad","Output":"    b_test.go:3: boom\n"}
{"Action":"fail","Package":"m/b","Test":"TestBad"}
{"Action":"output","Package":"m/b","Output":"FAIL\tm/b\t0.003s\n"}
{"Action":"fail","Package":"m/b","Elapsed":0.003}
{"Action":"skip","Package":"m/c"}
`
	var out bytes.Buffer
	s := &summary{out: &out, output: map[string][]string{}, skipped: map[string]bool{}}
	if err := s.read(strings.NewReader(run)); err != nil {
		t.Fatal(err)
	}
	s.finish()
	for _, want := range []string{
		"ok  \tm/a\t1.500s\t(skipped tests below)\n",
		"    b_test.go:3: boom\n",
		"FAIL\tm/b\t0.003s\n",
		"?   \tm/c\t[no test files]\n",
		"  m/a TestDB (2 subtests): DB_DSN is not set\n",
		"  m/a TestBoto3: python3 is not on PATH\n",
		"3 tests skipped, for the 2 reasons above",
		"m/a TestBoto3: python3 is not on PATH",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if !s.failed {
		t.Error("a failing package did not fail the summary")
	}
}

func TestSummaryWithoutSkips(t *testing.T) {
	var out bytes.Buffer
	s := &summary{out: &out, output: map[string][]string{}, skipped: map[string]bool{}}
	if err := s.read(strings.NewReader(`{"Action":"pass","Package":"m/a","Elapsed":0}` + "\n")); err != nil {
		t.Fatal(err)
	}
	s.finish()
	if got := out.String(); got != "ok  \tm/a\t(cached)\nno test was skipped: every optional suite ran\n" || s.failed {
		t.Errorf("summary = %q, failed %v", got, s.failed)
	}
}
