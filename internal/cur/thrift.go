package cur

import (
	"errors"
	"fmt"
	"io"
)

// A bounded reader of the Thrift compact protocol, for checking the Parquet
// footer and page headers before parquet-go decodes them. parquet-go's
// decoder allocates whatever a length or list size read from the file says
// (up to 2^31 elements), which no recover() can catch; this reader never
// allocates from a claim: every size is checked against the bytes that are
// actually left, and skipped values are stepped over, not read.
//
// Wire format: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md

// Compact protocol type codes.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
	tUUID   = 13
)

// maxThriftDepth bounds the nesting of structs, lists and maps. Parquet's
// deepest footer value (a logical type inside a schema element, or
// statistics inside column metadata) is about 6 levels down.
const maxThriftDepth = 32

// errThrift is the cause of every malformed-Thrift refusal.
var errThrift = errors.New("malformed Thrift metadata")

// window reads the byte range [pos, end) of an io.ReaderAt through a small
// buffer. Skipping moves the position without reading, so a walk costs one
// buffer however large the values it steps over.
type window struct {
	ra    io.ReaderAt
	pos   int64 // absolute offset of the next byte
	end   int64 // absolute offset after the last byte of the range
	buf   []byte
	bufAt int64 // absolute offset of buf[0]
}

func newWindow(ra io.ReaderAt, start, end int64, bufSize int) *window {
	return &window{ra: ra, pos: start, end: end, buf: make([]byte, 0, bufSize), bufAt: start}
}

// remaining returns the bytes left in the range.
func (w *window) remaining() int64 { return w.end - w.pos }

// ReadByte returns the next byte; io.ErrUnexpectedEOF at the end of the range.
func (w *window) ReadByte() (byte, error) {
	if w.pos < w.bufAt || w.pos >= w.bufAt+int64(len(w.buf)) {
		if err := w.fill(); err != nil {
			return 0, err
		}
	}
	b := w.buf[w.pos-w.bufAt]
	w.pos++
	return b, nil
}

// peek returns up to n (≤ the buffer's capacity) bytes at the position
// without consuming them; fewer at the end of the range.
func (w *window) peek(n int) ([]byte, error) {
	n = int(min(int64(n), w.remaining()))
	if n <= 0 {
		return nil, nil
	}
	if w.pos < w.bufAt || w.pos+int64(n) > w.bufAt+int64(len(w.buf)) {
		if err := w.fill(); err != nil {
			return nil, err
		}
	}
	i := w.pos - w.bufAt
	return w.buf[i : i+int64(n)], nil
}

// fill reads the buffer from the position.
func (w *window) fill() error {
	n := int(min(int64(cap(w.buf)), w.remaining()))
	if n <= 0 {
		return io.ErrUnexpectedEOF
	}
	w.buf, w.bufAt = w.buf[:n], w.pos
	got, err := w.ra.ReadAt(w.buf, w.pos)
	if got < n {
		w.buf = w.buf[:got]
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// skip steps over n bytes; it fails when fewer are left.
func (w *window) skip(n int64) error {
	if n < 0 || n > w.remaining() {
		return fmt.Errorf("%w: %d bytes claimed, %d left", errThrift, n, w.remaining())
	}
	w.pos += n
	return nil
}

// thriftReader reads compact-protocol values from a window, counting an
// estimate of the memory a full decode by parquet-go would take (list
// elements at a per-type cost, binary values at their length).
type thriftReader struct {
	w     *window
	depth int
	cost  int64
	// elemCost returns the decoded cost of one list element of wire type
	// typ; nil counts 8 bytes per scalar, 24 plus the bytes per binary
	// value and 128 per struct.
	elemCost func(typ byte) int64
}

// uvarint reads an unsigned LEB128 varint of at most 10 bytes.
func (t *thriftReader) uvarint() (uint64, error) {
	var x uint64
	for shift := uint(0); shift < 70; shift += 7 {
		b, err := t.w.ReadByte()
		if err != nil {
			return 0, err
		}
		if shift == 63 && b > 1 {
			break
		}
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("%w: varint overflows 64 bits", errThrift)
}

// i64 reads a zigzag varint.
func (t *thriftReader) i64() (int64, error) {
	u, err := t.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// i32 reads a zigzag varint that must fit 32 bits.
func (t *thriftReader) i32() (int32, error) {
	v, err := t.i64()
	if err == nil && (v < -1<<31 || v > 1<<31-1) {
		err = fmt.Errorf("%w: i32 value %d out of range", errThrift, v)
	}
	return int32(v), err
}

// size reads a length or element count and checks that at least need bytes
// per unit are left for it; so no claim can exceed the input.
func (t *thriftReader) size(need int64) (int64, error) {
	u, err := t.uvarint()
	if err != nil {
		return 0, err
	}
	if left := t.w.remaining(); u > uint64(left)/uint64(need) {
		return 0, fmt.Errorf("%w: size %d claimed with %d bytes left", errThrift, u, left)
	}
	return int64(u), nil
}

// text reads a binary or string value and returns at most its first
// maxText bytes, as a string (for names in messages).
func (t *thriftReader) text() (string, error) {
	n, err := t.size(1)
	if err != nil {
		return "", err
	}
	t.cost += n
	b, err := t.w.peek(int(min(n, maxText)))
	s := string(b)
	if err == nil {
		err = t.w.skip(n)
	}
	return s, err
}

// maxText bounds the bytes text keeps of a string.
const maxText = 256

// structFields calls fn for each field of a struct until its stop byte;
// fn must consume the value (or t.skip it).
func (t *thriftReader) structFields(fn func(id int16, typ byte) error) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	var last int16
	for {
		b, err := t.w.ReadByte()
		if err != nil {
			return err
		}
		typ := b & 0x0f
		if typ == tStop {
			return nil
		}
		id := last + int16(b>>4)
		if b>>4 == 0 {
			v, err := t.i32()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		if err := fn(id, typ); err != nil {
			return err
		}
	}
}

// list reads a list or set header and calls fn for each element; fn must
// consume it (or t.skip it). Each element takes at least one byte (a bool
// in a list is a whole byte), so the count is checked against what is left.
func (t *thriftReader) list(fn func(i int, elem byte) error) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	b, err := t.w.ReadByte()
	if err != nil {
		return err
	}
	elem, n := b&0x0f, int64(b>>4)
	if n == 15 {
		if n, err = t.size(minSize(elem)); err != nil {
			return err
		}
	} else if n*minSize(elem) > t.w.remaining() {
		return fmt.Errorf("%w: list of %d claimed with %d bytes left", errThrift, n, t.w.remaining())
	}
	t.cost += n * t.costOf(elem)
	for i := range int(n) {
		if err := fn(i, elem); err != nil {
			return err
		}
	}
	return nil
}

// costOf returns the estimated decoded memory of one list element.
func (t *thriftReader) costOf(elem byte) int64 {
	if t.elemCost != nil {
		return t.elemCost(elem)
	}
	switch elem {
	case tStruct:
		return 128
	case tBinary, tList, tSet, tMap:
		return 24
	}
	return 8
}

// minSize returns the fewest bytes a value of the type takes.
func minSize(typ byte) int64 {
	switch typ {
	case tDouble:
		return 8
	case tUUID:
		return 16
	}
	return 1
}

func (t *thriftReader) enter() error {
	if t.depth++; t.depth > maxThriftDepth {
		return fmt.Errorf("%w: nested deeper than %d", errThrift, maxThriftDepth)
	}
	return nil
}

func (t *thriftReader) leave() { t.depth-- }

// skip steps over one value of the type without allocating.
func (t *thriftReader) skip(typ byte) error {
	switch typ {
	case tTrue, tFalse:
		return nil // in a struct field the value is the type
	case tByte:
		return t.w.skip(1)
	case tI16, tI32, tI64:
		_, err := t.uvarint()
		return err
	case tDouble:
		return t.w.skip(8)
	case tUUID:
		return t.w.skip(16)
	case tBinary:
		n, err := t.size(1)
		if err == nil {
			t.cost += n
			err = t.w.skip(n)
		}
		return err
	case tList, tSet:
		return t.list(func(_ int, elem byte) error { return t.skipElem(elem) })
	case tStruct:
		return t.structFields(func(_ int16, typ byte) error { return t.skip(typ) })
	case tMap:
		return t.skipMap()
	}
	return fmt.Errorf("%w: unknown type %d", errThrift, typ)
}

// skipMap steps over a map: a varint size, then (if not empty) one byte of
// key and value types, then the pairs.
func (t *thriftReader) skipMap() error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	n, err := t.size(2)
	if err != nil || n == 0 {
		return err
	}
	kv, err := t.w.ReadByte()
	if err != nil {
		return err
	}
	t.cost += n * (t.costOf(kv>>4) + t.costOf(kv&0x0f))
	for range n {
		if err := t.skipElem(kv >> 4); err != nil {
			return err
		}
		if err := t.skipElem(kv & 0x0f); err != nil {
			return err
		}
	}
	return nil
}

// skipElem steps over a list, set or map element: unlike a struct field, a
// bool element is a byte of its own.
func (t *thriftReader) skipElem(typ byte) error {
	if typ == tTrue || typ == tFalse {
		return t.w.skip(1)
	}
	return t.skip(typ)
}
