package cur

import (
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// pqColumn is one top-level column: a primitive, or a map<key,value>
// rendered as a JSON object the way CUR 2.0 CSV writes it. Other nested
// columns (lists, structs) are kept in the header with empty text.
type pqColumn struct {
	name  string
	out   int // index in the header
	first int // first leaf column index in the schema read
	leaf  pqLeaf
	kind  int // pqScalar, pqMap or pqOther
	value pqLeaf
}

const (
	pqScalar = iota
	pqMap
	pqOther
)

// pqColumns lists the top-level columns and counts the leaf columns.
func pqColumns(schema *parquet.Schema) ([]pqColumn, int) {
	var cols []pqColumn
	next := 0
	for _, f := range schema.Fields() {
		c := pqColumn{name: f.Name(), first: next, kind: pqOther}
		leaves := leafNodes(f, nil)
		switch {
		case f.Leaf():
			c.kind, c.leaf = pqScalar, newLeaf(f)
		case len(leaves) == 2 && isMap(f):
			c.kind, c.leaf, c.value = pqMap, newLeaf(leaves[0]), newLeaf(leaves[1])
		}
		next += len(leaves)
		cols = append(cols, c)
	}
	return cols, next
}

func leafNodes(n parquet.Node, dst []parquet.Node) []parquet.Node {
	if n.Leaf() {
		return append(dst, n)
	}
	for _, f := range n.Fields() {
		dst = leafNodes(f, dst)
	}
	return dst
}

// isMap recognizes MAP (or legacy MAP_KEY_VALUE) groups by annotation or by
// the standard key_value/key,value layout.
func isMap(n parquet.Node) bool {
	if lt := n.Type().LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.MapType); ok {
			return true
		}
	}
	fs := n.Fields()
	if len(fs) != 1 || fs[0].Leaf() {
		return false
	}
	kv := fs[0].Fields()
	return len(kv) == 2 && kv[0].Name() == "key" && kv[1].Name() == "value"
}

// appendText appends the column's text of one row to dst, the row's text
// so far; the whole may not pass limit bytes.
func (c *pqColumn) appendText(dst []byte, leafs [][]parquet.Value, limit int) ([]byte, error) {
	switch c.kind {
	case pqScalar:
		vals := leafs[c.first]
		if len(vals) == 0 {
			return dst, nil
		}
		if len(dst)+valueSize(vals[0]) > limit {
			return dst, errRowTooLong(limit)
		}
		return c.leaf.appendValue(dst, vals[0])
	case pqMap:
		return c.appendMap(dst, leafs[c.first], leafs[c.first+1], limit)
	}
	return dst, nil
}

// valueSize returns the bytes of a byte-array value (0 for others, whose
// text is short).
func valueSize(v parquet.Value) int {
	if k := v.Kind(); (k == parquet.ByteArray || k == parquet.FixedLenByteArray) && !v.IsNull() {
		return len(v.ByteArray())
	}
	return 0
}

func errRowTooLong(limit int) error { return limitf("row longer than %d bytes", limit) }

// appendMap writes {"k":"v",...}; numeric values are written unquoted.
func (c *pqColumn) appendMap(dst []byte, keys, vals []parquet.Value, limit int) ([]byte, error) {
	dst = append(dst, '{')
	n := 0
	for i, k := range keys {
		if k.IsNull() || i >= len(vals) {
			continue
		}
		if len(dst)+valueSize(k)+valueSize(vals[i]) > limit {
			return dst, errRowTooLong(limit)
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendJSONString(dst, string(k.ByteArray()))
		dst = append(dst, ':')
		v := vals[i]
		switch {
		case v.IsNull():
			dst = append(dst, "null"...)
		case c.value.kind == leafString || c.value.kind == leafTime:
			text, err := c.value.appendValue(nil, v)
			if err != nil {
				return dst, err
			}
			dst = appendJSONString(dst, string(text))
		default:
			var err error
			if dst, err = c.value.appendValue(dst, v); err != nil {
				return dst, err
			}
		}
	}
	return append(dst, '}'), nil
}
