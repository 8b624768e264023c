package main

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		api, sum string
		want     agreement
	}{
		{"7.6444", "7.644400000000000000", exact},
		{"7.6444", "7.6444", exact},
		{"0", "0.000000000000000000", exact},
		{"-3.25", "-3.250000000000000000", exact},
		{"12", "12.000000000000000000", exact},
		// More digits than the API writes: half-even at 10 decimals.
		{"1.0000000001", "1.000000000050000001", rounded},
		{"1", "1.000000000050000000", rounded}, // a tie rounds to even
		{"1.0000000002", "1.000000000150000000", rounded},
		{"1.0000000001", "1.000000000150000001", different},
		{"7.6444", "7.644400000000000001", rounded},
		{"7.6444", "7.6445", different},
		{"7.6444", "-7.6444", different},
		{"100", "99.999999999999999999", rounded},
		{"100", "99.99999999", different},
	} {
		got, err := compare(c.api, c.sum)
		if err != nil || got != c.want {
			t.Errorf("compare(%q, %q) = %q, %v; want %q", c.api, c.sum, got, err, c.want)
		}
	}
}

func TestCompareRefusesNonDecimals(t *testing.T) {
	for _, c := range [][2]string{{"", "1"}, {"1", ""}, {"1e3", "1000"}, {"1000", "1E3"}, {"NaN", "1"}, {"1", "1.2.3"}} {
		if got, err := compare(c[0], c[1]); err == nil {
			t.Errorf("compare(%q, %q) = %q, nil; want an error", c[0], c[1], got)
		}
	}
}

func TestJudge(t *testing.T) {
	f := fileCheck{Format: "parquet", Readback: &readback{Sum: "5.000000000000000000", Rows: 3}}
	if f.judge("5"); f.Agreement != exact || f.Error != "" {
		t.Errorf("judge equal: %+v", f)
	}
	f = fileCheck{Format: "focus", Readback: &readback{Error: "IO Error: No files found"}}
	if f.judge("5"); f.Error != "IO Error: No files found" || f.Agreement.ok() {
		t.Errorf("judge unreadable: %+v", f)
	}
	f = fileCheck{Format: "parquet", Readback: &readback{Sum: "5", Also: []columnSum{{Sum: "5.0"}, {Sum: "4"}, {Error: "VARCHAR, not a number"}}}}
	if f.judge("5"); f.Agreement != exact || f.Readback.Also[0].Agreement != exact || f.Readback.Also[1].Agreement != different ||
		f.Readback.Also[2].Agreement != "" || f.Error != "" {
		t.Errorf("judge with other cost columns: %+v %+v", f, f.Readback.Also)
	}
	f = fileCheck{Format: "focus", Readback: &readback{Sum: "4.5"}}
	if f.judge("5"); f.Agreement != different || f.Error != "" {
		t.Errorf("judge different: %+v", f)
	}
	f = fileCheck{Format: "focus", ExportError: "proforma export: exit status 2"}
	if f.judge("5"); f.Error != "not exported" || f.Agreement.ok() {
		t.Errorf("judge not exported: %+v", f)
	}
	f = fileCheck{Format: "focus"}
	if f.judge("5"); f.Error == "" {
		t.Errorf("judge without readback: %+v", f)
	}
}

func TestStatus(t *testing.T) {
	good := sampleResult{Files: []fileCheck{{Agreement: exact}, {Agreement: rounded}}}
	diff := sampleResult{Files: []fileCheck{{Agreement: exact}, {Agreement: different}}}
	unreadable := sampleResult{Files: []fileCheck{{Agreement: exact}, {Error: "not a Parquet file"}}}
	failed := sampleResult{Error: "proforma import: exit status 2"}
	alsoDiff := sampleResult{Files: []fileCheck{{Agreement: exact, Readback: &readback{Also: []columnSum{{Agreement: different}}}}}}
	alsoText := sampleResult{Files: []fileCheck{{Agreement: exact, Readback: &readback{Also: []columnSum{{Error: "VARCHAR, not a number"}}}}}}
	skipped := sampleResult{Skipped: "no such file"}
	for _, c := range []struct {
		name string
		rs   []sampleResult
		want int
	}{
		{"all equal", []sampleResult{good, good}, 0},
		{"one skipped", []sampleResult{good, skipped}, 0},
		{"all skipped", []sampleResult{skipped}, 1},
		{"none", nil, 1},
		{"different", []sampleResult{good, diff, failed}, 3},
		{"unreadable", []sampleResult{good, unreadable}, 1},
		{"failed", []sampleResult{failed, good}, 1},
		{"another cost column different", []sampleResult{good, alsoDiff}, 3},
		{"another cost column not a number", []sampleResult{good, alsoText}, 1},
	} {
		if got := status(c.rs); got != c.want {
			t.Errorf("%s: status = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestParseReadback(t *testing.T) {
	out := `{"duckdbVersion":"v1.5.6","files":[{"path":"a.parquet","columns":[{"name":"BilledCost","type":"DECIMAL(38,18)"}],` +
		`"costColumn":"BilledCost","costType":"DECIMAL(38,18)","sum":"1.500000000000000000","rows":2,"error":""}]}`
	res, err := parseReadback([]byte(out), 1)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Files[0]; res.Version != "v1.5.6" || f.Sum != "1.500000000000000000" || f.Rows != 2 || f.Columns[0].Name != "BilledCost" {
		t.Errorf("parseReadback = %+v", res)
	}
	if _, err := parseReadback([]byte(out), 2); err == nil {
		t.Error("parseReadback with a file missing: no error")
	}
	if _, err := parseReadback([]byte("Error: Cannot find package '@duckdb/node-api'"), 1); err == nil {
		t.Error("parseReadback of a non-JSON output: no error")
	}
}

func TestPrintResult(t *testing.T) {
	r := sampleResult{Sample: "s.csv", Payer: "123412340534", Period: "2023-11", Group: groupName, API: "7.6444",
		Files: []fileCheck{
			{Format: "parquet", Agreement: exact, Readback: &readback{Sum: "7.644400000000000000", Rows: 3,
				CostColumn: "line_item_unblended_cost", CostType: "DECIMAL(38,18)", Also: []columnSum{
					{Column: "line_item_blended_cost", Type: "DECIMAL(38,18)", Sum: "7.64440000000000000001", Agreement: rounded},
					{Column: "line_item_net_unblended_cost", Type: "VARCHAR", Error: "VARCHAR, not a number"}}}},
			{Format: "focus", Agreement: different, Readback: &readback{Sum: "7.6", Rows: 3, CostColumn: "BilledCost", CostType: "DOUBLE"}},
		}}
	var b strings.Builder
	printResult(&b, r)
	for _, want := range []string{"s.csv  (payer 123412340534, 2023-11, group exports-check)", "7.644400000000000000",
		"line_item_unblended_cost (DECIMAL(38,18))", "equal", "DIFFERENT", "note: focus: BilledCost is DOUBLE, want DECIMAL(38,18)",
		"line_item_blended_cost (DECIMAL(38,18))", "equal at 10 dp", "NOT A NUMBER", "note: parquet: line_item_net_unblended_cost: VARCHAR, not a number"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("printResult lacks %q:\n%s", want, b.String())
		}
	}
}
