package usage

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/shopspring/decimal"
)

// Parquet output: both Parquet formats write through pqTable, a streaming
// writer of flat tables whose columns are optional text, DECIMAL(38,18)
// or TIMESTAMP (UTC, microseconds). Rows are buffered in one row group at
// a time, cut at pqRowGroupRows rows or pqRowGroupBytes bytes of values,
// whichever comes first, so memory stays flat whatever the export's size.
const (
	pqRowGroupRows  = 64 << 10
	pqRowGroupBytes = 32 << 20
	pqScale         = 18 // decimal places of DECIMAL(38,18)
	pqPrecision     = 38
)

// ErrDecimalRange is returned when a cost does not fit DECIMAL(38,18):
// more than 18 decimal places, or 21 integer digits or more. Exports
// never round: a cost that needs rounding fails the export.
var ErrDecimalRange = errors.New("amount does not fit DECIMAL(38,18)")

// pqKind is the type of a pqTable column.
type pqKind int

const (
	pqText    pqKind = iota // optional UTF8 string; "" is null
	pqDecimal               // optional DECIMAL(38,18) on FIXED_LEN_BYTE_ARRAY(16)
	pqTime                  // optional TIMESTAMP(MICROS, UTC); the zero time is null
)

type pqColumn struct {
	name string
	kind pqKind
}

// pqTable writes rows to a Parquet file: set each column's value with
// text, decimal and time, then end the row with next.
type pqTable struct {
	w        *parquet.GenericWriter[any]
	row      parquet.Row
	buffered int // bytes of values in the current row group
}

func newPQTable(w io.Writer, cols []pqColumn) *pqTable {
	fields := make([]parquet.Field, len(cols))
	for i, c := range cols {
		fields[i] = pqField{parquet.Optional(pqNode(c.kind)), c.name}
	}
	schema := parquet.NewSchema("schema", pqGroup(fields))
	pw := parquet.NewGenericWriter[any](w, schema, parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(pqRowGroupRows), parquet.CreatedBy("proforma", "", ""))
	t := &pqTable{w: pw, row: make(parquet.Row, len(cols))}
	t.clear()
	return t
}

func pqNode(k pqKind) parquet.Node {
	switch k {
	case pqDecimal:
		return parquet.Decimal(pqScale, pqPrecision, parquet.FixedLenByteArrayType(16))
	case pqTime:
		return parquet.TimestampAdjusted(parquet.Microsecond, true)
	}
	return parquet.String()
}

func (t *pqTable) clear() {
	for i := range t.row {
		t.row[i] = parquet.NullValue().Level(0, 0, i)
	}
}

// text sets column i to s; "" leaves it null.
func (t *pqTable) text(i int, s string) {
	if s != "" {
		t.row[i] = parquet.ByteArrayValue([]byte(s)).Level(0, 1, i)
		t.buffered += len(s)
	}
}

// decimal sets column i to d, or fails with ErrDecimalRange.
func (t *pqTable) decimal(i int, d decimal.Decimal) error {
	b, err := decimal128(d)
	if err != nil {
		return err
	}
	t.row[i] = parquet.FixedLenByteArrayValue(b).Level(0, 1, i)
	t.buffered += len(b)
	return nil
}

// time sets column i to tm; the zero time leaves it null.
func (t *pqTable) time(i int, tm time.Time) {
	if !tm.IsZero() {
		t.row[i] = parquet.Int64Value(tm.UnixMicro()).Level(0, 1, i)
		t.buffered += 8
	}
}

// next writes the row and starts a new one, all null.
func (t *pqTable) next() error {
	if _, err := t.w.WriteRows([]parquet.Row{t.row}); err != nil {
		return err
	}
	t.clear()
	if t.buffered >= pqRowGroupBytes {
		t.buffered = 0
		return t.w.Flush()
	}
	return nil
}

// close writes the last row group and the footer.
func (t *pqTable) close() error { return t.w.Close() }

// maxUnscaled bounds DECIMAL(38,18)'s unscaled integer: 10^38.
var maxUnscaled = new(big.Int).Exp(big.NewInt(10), big.NewInt(pqPrecision), nil)

// decimal128 encodes d as DECIMAL(38,18): its value × 10^18, a big-endian
// two's complement integer of 16 bytes. It fails rather than round.
func decimal128(d decimal.Decimal) ([]byte, error) {
	scaled := d.Shift(pqScale)
	if !scaled.IsInteger() {
		return nil, fmt.Errorf("%w: %s has more than %d decimal places", ErrDecimalRange, d, pqScale)
	}
	n := scaled.BigInt()
	if new(big.Int).Abs(n).Cmp(maxUnscaled) >= 0 {
		return nil, fmt.Errorf("%w: %s has more than %d integer digits", ErrDecimalRange, d, pqPrecision-pqScale)
	}
	if n.Sign() < 0 {
		n.Add(n, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return n.FillBytes(make([]byte, 16)), nil
}

// pqGroup is a group node whose fields keep their order (parquet.Group,
// a map, sorts them by name): an export's columns stay in the input's order.
type pqGroup []parquet.Field

func (g pqGroup) ID() int                     { return 0 }
func (g pqGroup) String() string              { return "group" }
func (g pqGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g pqGroup) Optional() bool              { return false }
func (g pqGroup) Repeated() bool              { return false }
func (g pqGroup) Required() bool              { return true }
func (g pqGroup) Leaf() bool                  { return false }
func (g pqGroup) Fields() []parquet.Field     { return g }
func (g pqGroup) Encoding() encoding.Encoding { return nil }
func (g pqGroup) Compression() compress.Codec { return nil }
func (g pqGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }

// pqField names a node in a pqGroup.
type pqField struct {
	parquet.Node
	name string
}

func (f pqField) Name() string                      { return f.name }
func (f pqField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// curParquetSink writes the pro forma CUR as Parquet (FormatParquet).
type curParquetSink struct {
	t     *pqTable
	kinds []pqKind
}

// newCURParquetSink names the header's columns as Athena does (see
// athenaName) and types them: cost and rate columns DECIMAL(38,18), the
// others text.
func newCURParquetSink(w io.Writer, header []string) (*curParquetSink, error) {
	cols := make([]pqColumn, len(header))
	seen := map[string]bool{}
	kinds := make([]pqKind, len(header))
	for i, h := range header {
		lower := strings.ToLower(h)
		if slices.Contains(costColumns, lower) || slices.Contains(rateColumns, lower) {
			kinds[i] = pqDecimal
		}
		cols[i] = pqColumn{name: uniqueName(athenaName(h), seen), kind: kinds[i]}
	}
	return &curParquetSink{t: newPQTable(w, cols), kinds: kinds}, nil
}

func (s *curParquetSink) line(l *exportLine) error {
	for i, v := range l.row {
		if s.kinds[i] != pqDecimal || v == "" {
			s.t.text(i, v)
			continue
		}
		d, err := decimal.NewFromString(v)
		if err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
		if err := s.t.decimal(i, d); err != nil {
			return err
		}
	}
	return s.t.next()
}

func (s *curParquetSink) close() error { return s.t.close() }

// athenaName is the column name Athena gives a legacy CUR column, as AWS's
// Parquet CURs have it: lower case, an underscore before each upper-case
// letter and for each run of other characters, none at either end
// ("lineItem/UnblendedCost" → "line_item_unblended_cost",
// "savingsPlan/SavingsPlanARN" → "savings_plan_savings_plan_a_r_n",
// "resourceTags/user:Name" → "resource_tags_user_name"). snake_case names
// are unchanged.
func athenaName(name string) string {
	var b strings.Builder
	sep := false // an underscore is due before the next letter or digit
	for _, r := range name {
		switch {
		case unicode.IsUpper(r):
			if b.Len() > 0 {
				sep = true
			}
			r = unicode.ToLower(r)
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			sep = b.Len() > 0
			continue
		}
		if sep {
			b.WriteByte('_')
			sep = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "column"
	}
	return b.String()
}

// uniqueName returns name, or name_2, name_3… when taken, and takes it.
func uniqueName(name string, seen map[string]bool) string {
	out := name
	for n := 2; seen[out]; n++ {
		out = fmt.Sprintf("%s_%d", name, n)
	}
	seen[out] = true
	return out
}
