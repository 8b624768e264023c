package cur

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The Parquet preflight: before parquet.OpenFile sees a file, check that
// nothing it claims can make parquet-go allocate more than the Limits. The
// footer is walked with the bounded Thrift reader (thrift.go); the fields
// read from it are checked against the file's size and the limits; then
// every page header of every column chunk is walked the same way, and the
// pages of codecs whose output parquet-go does not bound are decompressed
// into a counter (parquet_pages.go).

// pqMeta is what the preflight reads of a FileMetaData.
type pqMeta struct {
	schema    []pqElement
	rowGroups []pqRowGroup
	footerAt  int64 // offset of the footer: column data must end before it
}

// pqElement is one SchemaElement.
type pqElement struct {
	name     string
	leaf     bool // has a physical type
	repeated bool // repetition_type REPEATED
	children int32
}

// pqRowGroup is one RowGroup.
type pqRowGroup struct {
	numRows int64
	chunks  []pqChunk
}

// pqChunk is one ColumnChunk with its ColumnMetaData.
type pqChunk struct {
	hasMeta      bool
	encrypted    bool
	codec        int32
	numValues    int64
	uncompressed int64
	compressed   int64
	dataOffset   int64
	dictOffset   int64
}

// Decoded-memory estimates per list element of the footer, in bytes. A
// ColumnChunk decodes to a 560-byte format.ColumnChunk plus parquet-go's
// per-chunk bookkeeping; every other struct in a footer list decodes to at
// most 96 bytes (TestFooterCostsCoverFormat checks both against parquet-go).
const (
	chunkCost   = 768
	structCost  = 128
	elementCost = 512 // a schema element, with the Column parquet-go builds for it
)

// maxSchemaDepth bounds the nesting of the schema. parquet-go allows 255
// levels but keeps a path of depth names per column, so a deep chain costs
// depth²; CUR nests at most 3 levels (map → key_value → key).
const maxSchemaDepth = 32

// checkParquet runs the preflight on the file ra of size bytes and returns
// the estimated memory of reading each column chunk, for pqCosts.check once
// the columns to read are known.
func checkParquet(ra io.ReaderAt, size int64, file string, l *Limits) (*pqCosts, error) {
	m, err := readFooter(ra, size, l)
	if err == nil {
		err = m.checkSchema()
	}
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	reps := m.leafReps()
	costs := &pqCosts{top: m.leafTops(), rows: make([]int64, len(reps))}
	for g := range m.rowGroups {
		c, rows, err := m.checkRowGroup(ra, g, reps, l)
		if err != nil {
			return nil, &Error{File: file, Column: m.leafPath(err.leaf), Err: err.err}
		}
		costs.chunk = append(costs.chunk, c)
		for i, n := range rows {
			costs.rows[i] = max(costs.rows[i], n)
		}
	}
	return costs, nil
}

// pqCosts is the estimated memory of reading each column chunk: its
// dictionary plus its largest page, which parquet-go holds at once for
// every column it reads.
type pqCosts struct {
	top   []string  // the top-level column each leaf is under
	chunk [][]int64 // by row group, then leaf
	rows  []int64   // by leaf: the most values of one row
}

// batch returns how many rows to decode at a time reading the top-level
// columns read (nil: all): parquetBatch, fewer where rows of a repeated
// column are large, so that a batch holds at most about
// MaxParquetRowValues values of each column.
func (c *pqCosts) batch(read []string, l *Limits) int {
	n := int64(parquetBatch)
	for i, rows := range c.rows {
		if read == nil || slices.Contains(read, c.top[i]) {
			n = min(n, max(1, l.MaxParquetRowValues/max(rows, 1)))
		}
	}
	return int(n)
}

// check refuses a file where reading the top-level columns read (nil: all)
// of one row group would take more than MaxParquetRowGroupBytes.
func (c *pqCosts) check(file string, read []string, l *Limits) error {
	for g, chunks := range c.chunk {
		var total int64
		for i, cost := range chunks {
			if read == nil || slices.Contains(read, c.top[i]) {
				total += cost
			}
		}
		if total > l.MaxParquetRowGroupBytes {
			return &Error{File: file, Err: limitf("parquet: row group %d: reading it would take about %d MiB, more than %d MiB",
				g, total>>20, l.MaxParquetRowGroupBytes>>20)}
		}
	}
	return nil
}

// readFooter checks the magic bytes and footer length, then walks the
// footer.
func readFooter(ra io.ReaderAt, size int64, l *Limits) (*pqMeta, error) {
	if size < 12 {
		return nil, fmt.Errorf("parquet: file of %d bytes is too short for a header and footer", size)
	}
	var head, tail [4]byte
	var foot [8]byte
	if _, err := ra.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	if _, err := ra.ReadAt(foot[:], size-8); err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	copy(tail[:], foot[4:])
	if string(head[:]) != "PAR1" || string(tail[:]) != "PAR1" {
		return nil, fmt.Errorf("parquet: magic bytes %q…%q, want PAR1…PAR1 (encrypted footers are not supported)", head[:], tail[:])
	}
	n := int64(binary.LittleEndian.Uint32(foot[:4]))
	if n > size-12 {
		return nil, fmt.Errorf("parquet: footer length %d is more than the %d bytes before it", n, size-12)
	}
	if n > l.MaxParquetFooterBytes {
		return nil, limitf("parquet: footer of %d bytes, more than %d", n, l.MaxParquetFooterBytes)
	}
	return walkFooter(ra, size-8-n, size-8, l)
}

// walkFooter reads the FileMetaData in [at, end) and checks its estimated
// decoded size: parquet-go holds the footer twice (read and cloned) plus
// what it decodes.
func walkFooter(ra io.ReaderAt, at, end int64, l *Limits) (*pqMeta, error) {
	t := &thriftReader{w: newWindow(ra, at, end, 64<<10), elemCost: footerCost}
	t.cost = 2 * (end - at)
	m := &pqMeta{footerAt: at}
	err := t.structFields(func(id int16, typ byte) error {
		switch {
		case id == 2 && typ == tList:
			return m.readSchema(t, l)
		case id == 4 && typ == tList:
			return m.readRowGroups(t, l)
		}
		return t.skip(typ)
	})
	if err == nil && t.w.remaining() != 0 {
		err = fmt.Errorf("%w: %d bytes after the FileMetaData", errThrift, t.w.remaining())
	}
	if err == nil && t.cost > l.MaxParquetFooterBytes {
		err = limitf("decoding the footer would take about %d MiB, more than %d MiB", t.cost>>20, l.MaxParquetFooterBytes>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("parquet: footer: %w", err)
	}
	return m, nil
}

// footerCost returns the estimated decoded cost of one element of a list
// whose exact type the walk does not know.
func footerCost(elem byte) int64 {
	switch elem {
	case tStruct:
		return structCost
	case tBinary, tList, tSet, tMap:
		return 24
	}
	return 8
}

// budget fails as soon as the footer's estimated cost passes the limit, so
// the walk's own slices never grow past it either.
func budget(t *thriftReader, l *Limits) error {
	if t.cost > l.MaxParquetFooterBytes {
		return limitf("decoding the footer would take more than %d MiB", l.MaxParquetFooterBytes>>20)
	}
	return nil
}

// readSchema reads the list of SchemaElements.
func (m *pqMeta) readSchema(t *thriftReader, l *Limits) error {
	return t.list(func(_ int, elem byte) error {
		if elem != tStruct {
			return fmt.Errorf("%w: schema element of type %d", errThrift, elem)
		}
		t.cost += elementCost - structCost
		if err := budget(t, l); err != nil {
			return err
		}
		var e pqElement
		err := t.structFields(func(id int16, typ byte) error {
			switch {
			case id == 1 && typ == tI32:
				e.leaf = true
				_, err := t.i32()
				return err
			case id == 3 && typ == tI32:
				v, err := t.i32()
				e.repeated = v == 2
				return err
			case id == 4 && typ == tBinary:
				var err error
				e.name, err = t.text()
				return err
			case id == 5 && typ == tI32:
				var err error
				e.children, err = t.i32()
				return err
			}
			return t.skip(typ)
		})
		m.schema = append(m.schema, e)
		return err
	})
}

// readRowGroups reads the list of RowGroups.
func (m *pqMeta) readRowGroups(t *thriftReader, l *Limits) error {
	return t.list(func(_ int, elem byte) error {
		if elem != tStruct {
			return fmt.Errorf("%w: row group of type %d", errThrift, elem)
		}
		if err := budget(t, l); err != nil {
			return err
		}
		var g pqRowGroup
		err := t.structFields(func(id int16, typ byte) error {
			switch {
			case id == 1 && typ == tList:
				return g.readChunks(t, l)
			case id == 3 && typ == tI64:
				var err error
				g.numRows, err = t.i64()
				return err
			}
			return t.skip(typ)
		})
		m.rowGroups = append(m.rowGroups, g)
		return err
	})
}

// readChunks reads a row group's list of ColumnChunks.
func (g *pqRowGroup) readChunks(t *thriftReader, l *Limits) error {
	return t.list(func(_ int, elem byte) error {
		if elem != tStruct {
			return fmt.Errorf("%w: column chunk of type %d", errThrift, elem)
		}
		t.cost += chunkCost - structCost
		if err := budget(t, l); err != nil {
			return err
		}
		var c pqChunk
		err := t.structFields(func(id int16, typ byte) error {
			switch {
			case id == 3 && typ == tStruct:
				c.hasMeta = true
				return c.readMeta(t)
			case id == 8 || id == 9:
				c.encrypted = true
			}
			return t.skip(typ)
		})
		g.chunks = append(g.chunks, c)
		return err
	})
}

// readMeta reads the ColumnMetaData fields the checks need.
func (c *pqChunk) readMeta(t *thriftReader) error {
	return t.structFields(func(id int16, typ byte) error {
		var dst *int64
		switch id {
		case 4:
			if typ == tI32 {
				var err error
				c.codec, err = t.i32()
				return err
			}
		case 5:
			dst = &c.numValues
		case 6:
			dst = &c.uncompressed
		case 7:
			dst = &c.compressed
		case 9:
			dst = &c.dataOffset
		case 11:
			dst = &c.dictOffset
		}
		if dst == nil || typ != tI64 {
			return t.skip(typ)
		}
		var err error
		*dst, err = t.i64()
		return err
	})
}

// checkSchema checks the schema tree: a root, children that add up, a
// bounded depth, and row groups with one chunk per leaf (parquet-go sizes
// a leaves × row groups table before it checks the latter).
func (m *pqMeta) checkSchema() error {
	if len(m.schema) == 0 || m.schema[0].leaf {
		return errors.New("parquet: footer has no schema root")
	}
	next, err := m.checkNode(0, 0)
	if err == nil && next != len(m.schema) {
		err = fmt.Errorf("parquet: schema has %d elements, its tree %d", len(m.schema), next)
	}
	if err != nil {
		return err
	}
	leaves := 0
	for _, e := range m.schema {
		if e.leaf {
			leaves++
		}
	}
	for g, rg := range m.rowGroups {
		if len(rg.chunks) != leaves {
			return fmt.Errorf("parquet: row group %d has %d column chunks, the schema %d columns", g, len(rg.chunks), leaves)
		}
	}
	return nil
}

// checkNode checks the subtree at schema index i and returns the index
// after it.
func (m *pqMeta) checkNode(i, depth int) (int, error) {
	if depth > maxSchemaDepth {
		return 0, limitf("schema nested deeper than %d", maxSchemaDepth)
	}
	if i >= len(m.schema) {
		return 0, fmt.Errorf("parquet: schema: group claims more children than there are elements")
	}
	e := m.schema[i]
	if e.leaf || (e.children <= 0 && i > 0) {
		return i + 1, nil
	}
	if int(e.children) >= len(m.schema)-i {
		return 0, fmt.Errorf("parquet: schema: %q claims %d children, %d elements follow", e.name, e.children, len(m.schema)-i-1)
	}
	next := i + 1
	for range e.children {
		var err error
		if next, err = m.checkNode(next, depth+1); err != nil {
			return 0, err
		}
	}
	return next, nil
}

// walkLeaves calls fn with the schema index of each leaf column, in
// schema order, and the path of schema indexes above it (root excluded).
// The schema must have passed checkSchema.
func (m *pqMeta) walkLeaves(fn func(leaf int, path []int)) {
	var walk func(i int, path []int) int
	walk = func(i int, path []int) int {
		e := m.schema[i]
		if i > 0 {
			path = append(path, i)
		}
		if e.leaf || (e.children <= 0 && i > 0) {
			if e.leaf {
				fn(i, path)
			}
			return i + 1
		}
		next := i + 1
		for range e.children {
			next = walk(next, path)
		}
		return next
	}
	walk(0, nil)
}

// leafReps returns the maximum repetition level of each leaf column: how
// many of it and its ancestors are repeated.
func (m *pqMeta) leafReps() []int {
	var reps []int
	m.walkLeaves(func(_ int, path []int) {
		n := 0
		for _, i := range path {
			if m.schema[i].repeated {
				n++
			}
		}
		reps = append(reps, n)
	})
	return reps
}

// leafTops returns the top-level column each leaf column is under.
func (m *pqMeta) leafTops() []string {
	var tops []string
	m.walkLeaves(func(_ int, path []int) { tops = append(tops, m.schema[path[0]].name) })
	return tops
}

// leafPath returns the dotted path of leaf column n (for messages).
func (m *pqMeta) leafPath(n int) string {
	var out string
	m.walkLeaves(func(_ int, path []int) {
		if n--; n == -1 {
			names := make([]string, len(path))
			for i, j := range path {
				names[i] = m.schema[j].name
			}
			out = strings.Join(names, ".")
		}
	})
	return out
}
