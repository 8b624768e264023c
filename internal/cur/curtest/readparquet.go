package curtest

import (
	"bytes"
	"io"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/shopspring/decimal"
)

// ParquetCell is one value of a flat Parquet file as ReadParquet reads it.
// Text is set for every value that is not null; Dec and Time as well for a
// DECIMAL or TIMESTAMP column.
type ParquetCell struct {
	Null bool
	Text string          // the value as text: a decimal exact, a timestamp in RFC 3339 (UTC), anything else as parquet.Value.String writes it
	Dec  decimal.Decimal // a DECIMAL column's value, exact
	Time time.Time       // a TIMESTAMP column's value (microseconds), in UTC
}

// String is Text, or "<null>" for a null.
func (c ParquetCell) String() string {
	if c.Null {
		return "<null>"
	}
	return c.Text
}

// ParquetColumns is the cells of a flat Parquet file's columns by column
// name, each column's in row order: row i is index i of every column.
type ParquetColumns map[string][]ParquetCell

// Len is the number of rows.
func (c ParquetColumns) Len() int {
	for _, cells := range c {
		return len(cells)
	}
	return 0
}

// Row is row i's cells by column name (a new map each call: for small
// files).
func (c ParquetColumns) Row(i int) map[string]ParquetCell {
	m := make(map[string]ParquetCell, len(c))
	for name, cells := range c {
		m[name] = cells[i]
	}
	return m
}

// ReadParquet reads a flat Parquet file (an export's): its column names in
// order, and the cells of the columns named in keep (every column when
// keep is empty; a column named twice is read once). It reads column by
// column and decodes only the kept columns, so a test of a large export
// holds the kept columns' cells and no more; ScanParquet holds none. A
// file that is not Parquet, a kept column the file lacks, or a read error
// fails the test.
func ReadParquet(tb testing.TB, data []byte, keep ...string) ([]string, ParquetColumns) {
	tb.Helper()
	cols := ParquetColumns{}
	names := ScanParquet(tb, data, keep, func(column string, _ int, c ParquetCell) {
		cols[column] = append(cols[column], c)
	})
	for _, name := range keepOrAll(names, keep) {
		if cols[name] == nil {
			cols[name] = []ParquetCell{} // a file without rows
		}
	}
	return names, cols
}

// ScanParquet calls fn with every cell of the columns named in keep (every
// column when keep is empty; each once) of a flat Parquet file, a column
// at a time, each in row order (row counts from 0), and returns the file's
// column names in order. It decodes only the kept columns, a page at a
// time, and keeps nothing: checking a column of a 100k-row export costs a
// page of memory. A file that is not Parquet, a kept column the file
// lacks, a column whose value count is not the file's row count, or a
// read error fails the test.
func ScanParquet(tb testing.TB, data []byte, keep []string, fn func(column string, row int, c ParquetCell)) []string {
	tb.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatalf("not a Parquet file: %v", err)
	}
	fields := f.Schema().Fields()
	names := make([]string, len(fields))
	for i, fl := range fields {
		if !fl.Leaf() {
			tb.Fatalf("column %s is not flat", fl.Name())
		}
		names[i] = fl.Name()
	}
	for _, k := range keep {
		if !slices.Contains(names, k) {
			tb.Fatalf("column %s not in %v", k, names)
		}
	}
	buf := make([]parquet.Value, 1024)
	for _, name := range keepOrAll(names, keep) {
		i := slices.Index(names, name)
		cell := cellReader(fields[i])
		row := 0
		for _, rg := range f.RowGroups() {
			values := parquet.NewColumnChunkValueReader(rg.ColumnChunks()[i])
			for {
				// The values of a batch may point into a page that the
				// next ReadValues releases: use them before reading on.
				n, err := values.ReadValues(buf)
				for _, v := range buf[:n] {
					fn(name, row, cell(v))
					row++
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					tb.Fatalf("column %s: %v", name, err)
				}
			}
			values.Close()
		}
		if int64(row) != f.NumRows() {
			tb.Fatalf("column %s has %d values, the file %d rows", name, row, f.NumRows())
		}
	}
	return names
}

// keepOrAll is keep without repeats, or every name when keep is empty.
func keepOrAll(names, keep []string) []string {
	if len(keep) == 0 {
		return names
	}
	var out []string
	for _, k := range keep {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// cellReader returns the function that makes a column's values cells.
func cellReader(fl parquet.Field) func(parquet.Value) ParquetCell {
	var logical any
	if lt := fl.Type().LogicalType(); lt != nil {
		logical = lt.Value
	}
	dec, isDec := logical.(*format.DecimalType)
	_, isTime := logical.(*format.TimestampType)
	return func(v parquet.Value) ParquetCell {
		c := ParquetCell{Null: v.IsNull()}
		switch {
		case c.Null:
		case isDec:
			b := v.ByteArray()
			n := new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 { // two's complement, big-endian
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
			}
			c.Dec = decimal.NewFromBigInt(n, -dec.Scale)
			c.Text = c.Dec.String()
		case isTime:
			c.Time = time.UnixMicro(v.Int64()).UTC()
			c.Text = c.Time.Format(time.RFC3339Nano)
		default:
			c.Text = v.String()
		}
		return c
	}
}
