package main

// The DuckDB side: bench/engine/duckdb/aggregate.mjs run by node as a
// child process, over the same file, with the same groups and rules.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/proforma-dev/proforma/bench/internal/benchproc"
)

// duckdbSpec is the input of aggregate.mjs.
type duckdbSpec struct {
	CSV           string   `json:"csv"`
	Columns       []string `json:"columns"`
	AmountColumns []string `json:"amountColumns"`
	DecimalType   string   `json:"decimalType"`
	Groups        []group  `json:"groups"`
	Query         string   `json:"query,omitempty"` // "" (the pro forma query) or "perkey"
}

// duckdbDecimals are the types DuckDB reads the amounts as, one run each:
// DECIMAL(38,10) holds any CUR amount; DECIMAL(18,10) (at most 99,999,999
// before the point, enough for the generated file but not for every real
// CUR's usage amounts) parses several times faster in DuckDB.
var duckdbDecimals = []string{"DECIMAL(38,10)", "DECIMAL(18,10)"}

// duckdbRun is one run of aggregate.mjs.
type duckdbRun struct {
	DecimalType string        `json:"decimal_type"`
	Output      *duckdbOutput `json:"output"`
	Run         measure       `json:"run"`
}

// duckdbOutput is what aggregate.mjs prints.
type duckdbOutput struct {
	Version         string       `json:"duckdbVersion"`
	QueryMs         float64      `json:"queryMs"`
	Rows            int64        `json:"rows"`
	UnmonitoredRows int64        `json:"unmonitoredRows"`
	Groups          []groupCosts `json:"groups"`
}

// perKeyRun is the run of aggregate.mjs's "perkey" query: what an
// import computes (the lines summed per aggregation key), for the import's
// rows/s to be read against.
type perKeyRun struct {
	Output *perKeyOutput `json:"output"`
	Run    measure       `json:"run"`
}

// perKeyOutput is what the "perkey" query prints.
type perKeyOutput struct {
	Version   string  `json:"duckdbVersion"`
	QueryMs   float64 `json:"queryMs"`
	Rows      int64   `json:"rows"`
	Keys      int64   `json:"keys"`
	Usage     string  `json:"usage"`
	Unblended string  `json:"unblended"`
	Public    string  `json:"public"`
}

// runDuckDB runs aggregate.mjs's pro forma query on csv, reading amounts
// as decimalType.
func runDuckDB(root, work, csv, decimalType string) (*duckdbOutput, measure, error) {
	var res duckdbOutput
	m, err := runAggregate(root, work, duckdbSpec{CSV: csv, DecimalType: decimalType, Groups: groups}, &res)
	return &res, m, err
}

// runDuckDBPerKey runs aggregate.mjs's per-key query on csv, with the
// amounts as DECIMAL(38,10), the exact type.
func runDuckDBPerKey(root, work, csv string) (*perKeyOutput, measure, error) {
	var res perKeyOutput
	m, err := runAggregate(root, work, duckdbSpec{CSV: csv, DecimalType: duckdbDecimals[0], Groups: groups, Query: "perkey"}, &res)
	return &res, m, err
}

// runAggregate writes spec (its columns filled in) to work, runs
// aggregate.mjs on it and decodes what it prints into out.
func runAggregate(root, work string, spec duckdbSpec, out any) (measure, error) {
	spec.Columns = header[:]
	for i := range nColumns {
		if amountColumns[i] {
			spec.AmountColumns = append(spec.AmountColumns, header[i])
		}
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return measure{}, err
	}
	specPath := filepath.Join(work, "duckdb-spec.json")
	if err := os.WriteFile(specPath, b, 0o644); err != nil {
		return measure{}, err
	}
	dir := benchproc.DuckDBDir(root)
	stdout, m, err := run(dir, "node", filepath.Join(dir, "aggregate.mjs"), specPath)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		return m, fmt.Errorf("aggregate.mjs output: %v\n%s", err, tail(string(stdout), 2000))
	}
	return m, nil
}
