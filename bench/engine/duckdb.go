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
	dir := benchproc.DuckDBDir(root)
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
