package main

// The DuckDB side: bench/engine/duckdb/aggregate.mjs run by node as a
// child process, over the same file, with the same groups and rules.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// duckdbSpec is the input of aggregate.mjs.
type duckdbSpec struct {
	CSV           string   `json:"csv"`
	Columns       []string `json:"columns"`
	AmountColumns []string `json:"amountColumns"`
	DecimalType   string   `json:"decimalType"`
	Groups        []group  `json:"groups"`
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

// duckdbDir is bench/engine/duckdb of the module at root.
func duckdbDir(root string) string { return filepath.Join(root, "bench", "engine", "duckdb") }

// duckdbMissing says why the DuckDB side cannot run ("" when it can): node
// must be on the PATH and the npm package installed. Nothing is installed
// at run time.
func duckdbMissing(root string) string {
	if _, err := exec.LookPath("node"); err != nil {
		return "node is not on the PATH"
	}
	if _, err := os.Stat(filepath.Join(duckdbDir(root), "node_modules", "@duckdb", "node-api")); err != nil {
		return "the DuckDB npm package is not installed: run `npm ci --prefix bench/engine/duckdb`"
	}
	return ""
}

// runDuckDB writes the spec for csv, reading amounts as decimalType, to
// work and runs aggregate.mjs on it.
func runDuckDB(root, work, csv, decimalType string) (*duckdbOutput, measure, error) {
	spec := duckdbSpec{CSV: csv, Columns: header[:], DecimalType: decimalType, Groups: groups}
	for i := range nColumns {
		if amountColumns[i] {
			spec.AmountColumns = append(spec.AmountColumns, header[i])
		}
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, measure{}, err
	}
	specPath := filepath.Join(work, "duckdb-spec.json")
	if err := os.WriteFile(specPath, b, 0o644); err != nil {
		return nil, measure{}, err
	}
	dir := duckdbDir(root)
	out, m, err := run(dir, "node", filepath.Join(dir, "aggregate.mjs"), specPath)
	if err != nil {
		return nil, m, err
	}
	var res duckdbOutput
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, m, fmt.Errorf("aggregate.mjs output: %v\n%s", err, tail(string(out), 2000))
	}
	return &res, m, nil
}
