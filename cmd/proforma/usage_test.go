package main

import (
	"flag"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		payer     string
		quiet     bool
		positions []string
	}{
		{[]string{"--payer", "1", "a.csv"}, "1", false, []string{"a.csv"}},
		{[]string{"a.csv", "--payer", "1", "b.csv", "--quiet"}, "1", true, []string{"a.csv", "b.csv"}},
		{[]string{"--quiet", "--", "--payer", "a.csv"}, "", true, []string{"--payer", "a.csv"}},
		{nil, "", false, nil},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		payer, quiet := fs.String("payer", "", ""), fs.Bool("quiet", false, "")
		got, err := parseInterspersed(fs, tc.args)
		if err != nil || *payer != tc.payer || *quiet != tc.quiet || !cmp.Equal(got, tc.positions) {
			t.Errorf("%q: positional %q payer %q quiet %v err %v", tc.args, got, *payer, *quiet, err)
		}
	}
}
