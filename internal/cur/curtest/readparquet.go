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

// ReadParquet reads a flat Parquet file (an export's) whole: its column
// names in order, and its rows as maps from column name to cell, holding
// only the columns named in keep (every column when keep is empty). A file
// that is not Parquet, a kept column the file lacks, or a read error fails
// the test.
func ReadParquet(tb testing.TB, data []byte, keep ...string) ([]string, []map[string]ParquetCell) {
	tb.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatalf("not a Parquet file: %v", err)
	}
	fields := f.Schema().Fields()
	names := make([]string, len(fields))
	for i, fl := range fields {
		names[i] = fl.Name()
	}
	for _, k := range keep {
		if !slices.Contains(names, k) {
			tb.Fatalf("column %s not in %v", k, names)
		}
	}
	var out []map[string]ParquetCell
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 256)
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				out = append(out, parquetCells(fields, row, keep))
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
		}
		rows.Close()
	}
	return names, out
}

// parquetCells is a row's cells of the kept columns (all when keep is
// empty).
func parquetCells(fields []parquet.Field, row parquet.Row, keep []string) map[string]ParquetCell {
	m := make(map[string]ParquetCell, min(len(row), len(keep)+1))
	for _, v := range row {
		fl := fields[v.Column()]
		if len(keep) > 0 && !slices.Contains(keep, fl.Name()) {
			continue
		}
		c := ParquetCell{Null: v.IsNull()}
		var logical any
		if lt := fl.Type().LogicalType(); lt != nil {
			logical = lt.Value
		}
		dec, isDec := logical.(*format.DecimalType)
		_, isTime := logical.(*format.TimestampType)
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
		m[fl.Name()] = c
	}
	return m
}
