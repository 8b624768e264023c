package cur

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/shopspring/decimal"
)

// Leaf kinds: how a Parquet leaf column's values become text.
const (
	leafString  = iota // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY, as bytes
	leafDouble         // DOUBLE: shortest decimal, strconv.FormatFloat(f, 'f', -1, 64)
	leafFloat          // FLOAT: the same at 32 bits
	leafInt            // INT32 / INT64
	leafBool           // BOOLEAN: true / false
	leafTime           // TIMESTAMP (INT64), DATE (INT32), INT96: see timeText
	leafDecimal        // DECIMAL(p,s) on INT32, INT64 or bytes: exact text
)

// pqLeaf says how to render one leaf column.
type pqLeaf struct {
	kind  int
	unit  time.Duration // leafTime on INT64: one step; 0 for DATE and INT96
	scale int32         // leafDecimal
}

func newLeaf(n parquet.Node) pqLeaf {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.TimestampType:
			if v.Unit.Value != nil {
				return pqLeaf{kind: leafTime, unit: v.Unit.Value.Duration()}
			}
		case *format.DateType:
			return pqLeaf{kind: leafTime}
		case *format.DecimalType:
			return pqLeaf{kind: leafDecimal, scale: v.Scale}
		}
	}
	switch t.Kind() {
	case parquet.Double:
		return pqLeaf{kind: leafDouble}
	case parquet.Float:
		return pqLeaf{kind: leafFloat}
	case parquet.Int32, parquet.Int64:
		return pqLeaf{kind: leafInt}
	case parquet.Boolean:
		return pqLeaf{kind: leafBool}
	case parquet.Int96:
		return pqLeaf{kind: leafTime}
	}
	return pqLeaf{kind: leafString}
}

// appendValue appends v as text; a null is empty text.
func (l pqLeaf) appendValue(dst []byte, v parquet.Value) ([]byte, error) {
	if v.IsNull() {
		return dst, nil
	}
	switch l.kind {
	case leafDouble:
		return strconv.AppendFloat(dst, v.Double(), 'f', -1, 64), nil
	case leafFloat:
		return strconv.AppendFloat(dst, float64(v.Float()), 'f', -1, 32), nil
	case leafInt:
		return strconv.AppendInt(dst, v.Int64(), 10), nil
	case leafBool:
		return strconv.AppendBool(dst, v.Boolean()), nil
	case leafTime:
		return l.appendTime(dst, v)
	case leafDecimal:
		return l.appendDecimal(dst, v)
	}
	return append(dst, v.ByteArray()...), nil
}

// Timestamps are written as CUR CSV writes them, "2006-01-02T15:04:05.000Z",
// with more digits only when the value has them; dates as "2006-01-02".
func (l pqLeaf) appendTime(dst []byte, v parquet.Value) ([]byte, error) {
	var t time.Time
	switch v.Kind() {
	case parquet.Int32: // DATE: days since the epoch
		return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, "2006-01-02"), nil
	case parquet.Int64:
		if l.unit <= 0 {
			return nil, fmt.Errorf("timestamp without a unit")
		}
		t = unixUnits(v.Int64(), l.unit)
	case parquet.Int96:
		t = int96Time(v.Int96())
	default:
		return nil, fmt.Errorf("timestamp of physical type %s", v.Kind())
	}
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return t.AppendFormat(dst, time.RFC3339Nano), nil
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00"), nil
}

func unixUnits(n int64, unit time.Duration) time.Time {
	perSec := int64(time.Second / unit)
	sec, rem := n/perSec, n%perSec
	if rem < 0 {
		sec, rem = sec-1, rem+perSec
	}
	return time.Unix(sec, rem*int64(unit)).UTC()
}

// int96Time decodes the legacy Impala/Spark timestamp: nanoseconds of the
// day in the low 8 bytes, the Julian day in the high 4.
func int96Time(i [3]uint32) time.Time {
	const julianUnixEpoch = 2440588
	nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
	days := int64(i[2]) - julianUnixEpoch
	return time.Unix(days*86400, 0).Add(time.Duration(nanos)).UTC()
}

func (l pqLeaf) appendDecimal(dst []byte, v parquet.Value) ([]byte, error) {
	var d decimal.Decimal
	switch v.Kind() {
	case parquet.Int32:
		d = decimal.New(int64(v.Int32()), -l.scale)
	case parquet.Int64:
		d = decimal.New(v.Int64(), -l.scale)
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b := v.ByteArray()
		if len(b) > maxDecimalBytes {
			return nil, fmt.Errorf("decimal of %d bytes, more than %d", len(b), maxDecimalBytes)
		}
		d = decimal.NewFromBigInt(twosComplement(b), -l.scale)
	default:
		return nil, fmt.Errorf("decimal of physical type %s", v.Kind())
	}
	return append(dst, d.String()...), nil
}

// maxDecimalBytes bounds a DECIMAL stored as bytes: 32 bytes hold 76
// digits, twice Parquet's usual 38; converting a longer one to text costs
// time quadratic in its length.
const maxDecimalBytes = 32

// twosComplement reads a big-endian two's complement integer.
func twosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return n
}
