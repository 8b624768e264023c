package main

// The DuckDB side: bench/engine/duckdb/readback.mjs run by node as a child
// process over the exported files (the npm package bench/engine installs).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/proforma-dev/proforma/bench/internal/benchproc"
)

// costColumns are the names the summed cost column may have, by format:
// the pro forma CUR's unblended cost (snake_case, or the legacy CSV's
// category/Name should an export keep it); FOCUS has BilledCost.
var costColumns = map[string][]string{
	"parquet": {"line_item_unblended_cost", "lineItem/UnblendedCost"},
	"focus":   {"BilledCost"},
}

// alsoColumns are the other columns that carry the pro forma cost, by
// format: every cost column of the pro forma CUR does (PROFORMA.md rule
// 18); each is summed and checked when the file has it.
var alsoColumns = map[string][][]string{
	"parquet": {
		{"line_item_blended_cost", "lineItem/BlendedCost"},
		{"line_item_net_unblended_cost", "lineItem/NetUnblendedCost"},
	},
}

// readbackSpec is the input of readback.mjs.
type readbackSpec struct {
	Files []readbackFile `json:"files"`
}

type readbackFile struct {
	Path        string     `json:"path"`
	CostColumns []string   `json:"costColumns"`
	AlsoColumns [][]string `json:"alsoColumns,omitempty"`
}

// fileSpec is the readback of an export of format at path.
func fileSpec(format, path string) readbackFile {
	return readbackFile{Path: path, CostColumns: costColumns[format], AlsoColumns: alsoColumns[format]}
}

// readbackOutput is what readback.mjs prints.
type readbackOutput struct {
	Version string     `json:"duckdbVersion"`
	Files   []readback `json:"files"`
}

// readback is one file as DuckDB read it.
type readback struct {
	Path       string      `json:"path"`
	Columns    []column    `json:"columns"`
	CostColumn string      `json:"costColumn"`
	CostType   string      `json:"costType"`
	Sum        string      `json:"sum"` // exact, as DuckDB's DECIMAL sum prints
	Rows       int64       `json:"rows"`
	Also       []columnSum `json:"also,omitempty"` // the alsoColumns present
	Error      string      `json:"error,omitempty"`
}

// columnSum is another cost column's sum.
type columnSum struct {
	Column    string    `json:"column"`
	Type      string    `json:"type"`
	Sum       string    `json:"sum"`
	Agreement agreement `json:"agreement,omitempty"` // set by judge
	Error     string    `json:"error,omitempty"`     // not summed: not a number
}

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// readBack runs readback.mjs on files, writing its spec to work. The
// result has one readback per file, in order.
func readBack(root, work string, files []readbackFile) (*readbackOutput, error) {
	spec := readbackSpec{Files: files}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	specPath := filepath.Join(work, "readback-spec.json")
	if err := os.WriteFile(specPath, b, 0o644); err != nil {
		return nil, err
	}
	dir := benchproc.DuckDBDir(root)
	cmd := exec.Command("node", filepath.Join(dir, "readback.mjs"), specPath)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("node readback.mjs: %v\n%s", err, tail(stderr.String(), 2000))
	}
	return parseReadback(stdout.Bytes(), len(spec.Files))
}

// parseReadback decodes readback.mjs's output, which must have n files.
func parseReadback(out []byte, n int) (*readbackOutput, error) {
	var res readbackOutput
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("readback.mjs output: %v\n%s", err, tail(string(out), 2000))
	}
	if len(res.Files) != n {
		return nil, fmt.Errorf("readback.mjs output: %d files, want %d", len(res.Files), n)
	}
	return &res, nil
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
