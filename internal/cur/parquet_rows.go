package cur

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Values per row of repeated (list and map) columns. parquet-go builds each
// row whole, one parquet.Value (24 bytes) per value, and a row of a
// repeated column may span any number of data pages (v1): run-length
// encoding stores millions of entries of one row in a few bytes, so no
// page limit bounds a row. The preflight therefore decodes the repetition
// levels of such columns (a level 0 starts a row) and refuses a row of more
// than MaxParquetRowValues values.

// Level encodings of a data page v1 (format.Encoding).
const (
	encodingRLE       = 3
	encodingBitPacked = 4
)

// parquetValueSize is the size of a parquet.Value.
const parquetValueSize = 24

// rowValues counts the values of the current row of one column chunk and
// the most any row has had.
type rowValues struct {
	cur, max int64
}

// rows counts n rows of one value each (a run of level 0).
func (r *rowValues) rows(n int64) {
	if n > 0 {
		r.cur, r.max = 1, max(r.max, 1)
	}
}

// more counts n more values of the current row.
func (r *rowValues) more(n int64) {
	r.cur += n
	r.max = max(r.max, r.cur)
}

// level counts one repetition level.
func (r *rowValues) level(v uint64) {
	if v == 0 {
		r.rows(1)
	} else {
		r.more(1)
	}
}

// levels counts n repetition levels of maximum maxRep, RLE/bit-packed
// hybrid encoded in data (https://parquet.apache.org/docs/file-format/data-pages/encodings/).
func (r *rowValues) levels(data []byte, maxRep int, n int64) error {
	width := bits.Len(uint(maxRep))
	for n > 0 {
		h, k := binary.Uvarint(data)
		if k <= 0 {
			return fmt.Errorf("%w: repetition levels end after %d of their values", errThrift, n)
		}
		data = data[k:]
		var err error
		if h&1 == 0 {
			count := int64(min(h>>1, uint64(n)))
			data, err = r.rleRun(data, count, width)
			n -= count
		} else {
			groups := int64(min(h>>1, uint64(n+7)/8))
			data, err = r.bitPacked(data, groups, width, n)
			n -= min(groups*8, n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rleRun counts a run of count copies of one level.
func (r *rowValues) rleRun(data []byte, count int64, width int) ([]byte, error) {
	size := (width + 7) / 8
	if len(data) < size {
		return nil, fmt.Errorf("%w: repetition level run cut short", errThrift)
	}
	var v uint64
	for i := range size {
		v |= uint64(data[i]) << (8 * i)
	}
	if v == 0 {
		r.rows(count)
	} else {
		r.more(count)
	}
	return data[size:], nil
}

// bitPacked counts groups of 8 levels of width bits each, least significant
// bit first; at most n of them are values (the rest pad the last group).
func (r *rowValues) bitPacked(data []byte, groups int64, width int, n int64) ([]byte, error) {
	size := groups * int64(width)
	if int64(len(data)) < size {
		return nil, fmt.Errorf("%w: bit-packed repetition levels cut short", errThrift)
	}
	count := min(groups*8, n)
	for i := range count {
		bit := i * int64(width)
		var v uint64
		for b := range int64(width) {
			v |= uint64(data[(bit+b)/8]>>((bit+b)%8)&1) << b
		}
		r.level(v)
	}
	return data[size:], nil
}

// pageLevels counts the repetition levels of one data page: plain holds the
// page as decompressed (v1) or its uncompressed level bytes (v2).
func (r *rowValues) pageLevels(p *pqPage, plain []byte, maxRep int) error {
	switch {
	case p.typ == pageDataV2:
		return r.levels(plain[:min(int64(len(plain)), p.repLen)], maxRep, p.numValues)
	case p.repEnc != encodingRLE:
		// Deprecated BIT_PACKED (or unknown) levels: count the page as one row.
		r.more(p.numValues)
		return nil
	case len(plain) < 4:
		return fmt.Errorf("%w: data page of %d bytes has no repetition levels", errThrift, len(plain))
	}
	n := int64(binary.LittleEndian.Uint32(plain))
	if n > int64(len(plain)-4) {
		return fmt.Errorf("%w: repetition levels of %d bytes in a page of %d", errThrift, n, len(plain))
	}
	return r.levels(plain[4:4+n], maxRep, p.numValues)
}
