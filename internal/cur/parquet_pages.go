package cur

import (
	"fmt"
	"io"
)

// Parquet compression codecs (format.CompressionCodec) that parquet-go reads.
const (
	codecUncompressed = 0
	codecSnappy       = 1
	codecGzip         = 2
	codecBrotli       = 4
	codecZstd         = 6
	codecLz4Raw       = 7
)

var codecNames = map[int32]string{codecUncompressed: "UNCOMPRESSED", codecSnappy: "SNAPPY", codecGzip: "GZIP",
	codecBrotli: "BROTLI", codecZstd: "ZSTD", codecLz4Raw: "LZ4_RAW"}

// Parquet page types (format.PageType).
const (
	pageData       = 0
	pageDictionary = 2
	pageDataV2     = 3
)

// valueCost is the memory parquet-go spends per value of a decoded page
// besides the page bytes: repetition and definition levels (1 byte each)
// and a 4-byte offset or dictionary index, or an 8-byte decoded number.
const valueCost = 10

// chunkError is a refusal about one column chunk.
type chunkError struct {
	leaf int // index of the leaf column
	err  error
}

// checkRowGroup checks every column chunk of row group g (reps: the
// maximum repetition level of each leaf) and returns the estimated memory
// of reading each, and the most values a row has in each.
func (m *pqMeta) checkRowGroup(ra io.ReaderAt, g int, reps []int, l *Limits) (costs, rows []int64, _ *chunkError) {
	costs, rows = make([]int64, len(reps)), make([]int64, len(reps))
	for i := range m.rowGroups[g].chunks {
		c := &m.rowGroups[g].chunks[i]
		err := c.check(m.footerAt, l)
		if err == nil {
			costs[i], rows[i], err = c.walkPages(ra, reps[i], l)
		}
		if err != nil {
			return nil, nil, &chunkError{i, fmt.Errorf("parquet: row group %d: %w", g, err)}
		}
	}
	return costs, rows, nil
}

// base returns where the chunk's pages start: its dictionary page if it
// has one, as parquet-go reads it.
func (c *pqChunk) base() int64 {
	if c.dictOffset != 0 {
		return c.dictOffset
	}
	return c.dataOffset
}

// check checks the chunk's metadata: readable, its bytes inside the file's
// data, its claimed expansion within the ratio.
func (c *pqChunk) check(footerAt int64, l *Limits) error {
	switch {
	case c.encrypted:
		return fmt.Errorf("encrypted columns are not supported")
	case !c.hasMeta:
		return fmt.Errorf("column chunk without metadata")
	case codecNames[c.codec] == "":
		return fmt.Errorf("compression codec %d is not supported", c.codec)
	case c.numValues < 0 || c.compressed < 0 || c.uncompressed < 0:
		return fmt.Errorf("%w: negative size or count in column metadata", errThrift)
	}
	if b := c.base(); b < 4 || b > footerAt || c.compressed > footerAt-b {
		return fmt.Errorf("column data at bytes %d…%d+%d is outside the file's data (bytes 4…%d)", b, b, c.compressed, footerAt)
	}
	if l.ratioExceeded(c.uncompressed, c.compressed) {
		return limitf("%d compressed bytes claim to expand to %d, more than %d times", c.compressed, c.uncompressed, l.MaxRatio)
	}
	return nil
}

// walkPages walks the chunk's page headers and checks each page. It
// returns the memory of reading the chunk (its dictionary plus its largest
// page, plus its largest row of a repeated column) and the most values a
// row has; maxRep is the column's maximum repetition level.
func (c *pqChunk) walkPages(ra io.ReaderAt, maxRep int, l *Limits) (cost, row int64, err error) {
	w := newWindow(ra, c.base(), c.base()+c.compressed, 8<<10)
	v := pageVerifier{ra: ra, codec: c.codec, limits: l}
	defer v.close()
	var dict, page int64
	rows := rowValues{max: 1}
	for w.remaining() > 0 {
		at := w.pos
		p, err := readPageHeader(w, l)
		if err == nil {
			err = c.checkPage(&v, w.pos, p, maxRep, &rows)
		}
		if err == nil {
			err = w.skip(p.compressed)
		}
		if err == nil && rows.max > l.MaxParquetRowValues {
			err = limitf("a row holds more than %d values of this column", l.MaxParquetRowValues)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("page at byte %d: %w", at, err)
		}
		cost := p.compressed + p.uncompressed + valueCost*p.numValues + (w.pos - at)
		if p.typ == pageDictionary {
			dict += cost
		} else {
			page = max(page, cost)
		}
	}
	return dict + page + parquetValueSize*rows.max, rows.max, nil
}

// checkPage verifies the page at byte at and, in a repeated column, counts
// its rows' values.
func (c *pqChunk) checkPage(v *pageVerifier, at int64, p *pqPage, maxRep int, rows *rowValues) error {
	repeated := maxRep > 0 && (p.typ == pageData || p.typ == pageDataV2)
	plain, err := v.verify(at, p, repeated)
	if err != nil || !repeated {
		return err
	}
	return rows.pageLevels(p, plain, maxRep)
}

// pqPage is what the checks need of one PageHeader.
type pqPage struct {
	typ          int32
	uncompressed int64
	compressed   int64
	numValues    int64
	levels       int64 // data page v2: bytes of uncompressed levels before the data
	repLen       int64 // data page v2: bytes of repetition levels (the first levels)
	repEnc       int32 // data page v1: the repetition levels' encoding
	notCompress  bool  // data page v2: is_compressed = false
}

// readPageHeader reads and checks one page header at w's position.
func readPageHeader(w *window, l *Limits) (*pqPage, error) {
	start := w.pos
	t := &thriftReader{w: w}
	p := &pqPage{}
	err := t.structFields(func(id int16, typ byte) error { return p.field(t, id, typ) })
	if err != nil {
		return nil, err
	}
	if p.typ != pageDataV2 { // parquet-go reads the v2 header of v2 pages only
		p.levels, p.repLen, p.notCompress = 0, 0, false
	}
	if n := w.pos - start + t.cost; n > l.MaxParquetPageBytes {
		return nil, limitf("page header of %d bytes, more than %d", n, l.MaxParquetPageBytes)
	}
	return p, p.check(w.remaining(), l)
}

// field reads one PageHeader field.
func (p *pqPage) field(t *thriftReader, id int16, typ byte) error {
	switch {
	case id == 1 && typ == tI32:
		v, err := t.i32()
		p.typ = v
		return err
	case id == 2 && typ == tI32:
		return readI32(t, &p.uncompressed)
	case id == 3 && typ == tI32:
		return readI32(t, &p.compressed)
	case (id == 5 || id == 7) && typ == tStruct: // data page, dictionary page
		if id == 5 {
			p.repEnc = encodingRLE
		}
		return t.structFields(func(fid int16, typ byte) error {
			switch {
			case fid == 1 && typ == tI32:
				return p.values(t)
			case fid == 4 && typ == tI32 && id == 5:
				v, err := t.i32()
				p.repEnc = v
				return err
			}
			return t.skip(typ)
		})
	case id == 8 && typ == tStruct:
		return p.v2(t)
	}
	return t.skip(typ)
}

// values reads the num_values of a data or dictionary page header. A
// header may hold several (the one of its type counts for parquet-go):
// the most counts here.
func (p *pqPage) values(t *thriftReader) error {
	var n int64
	err := readI32(t, &n)
	p.numValues = max(p.numValues, n)
	return err
}

// v2 reads a DataPageHeaderV2.
func (p *pqPage) v2(t *thriftReader) error {
	var def, rep int64
	err := t.structFields(func(id int16, typ byte) error {
		switch {
		case id == 1 && typ == tI32:
			return p.values(t)
		case id == 5 && typ == tI32:
			return readI32(t, &def)
		case id == 6 && typ == tI32:
			return readI32(t, &rep)
		case id == 7 && typ == tFalse:
			p.notCompress = true
		}
		return t.skip(typ)
	})
	if def < 0 || rep < 0 {
		return fmt.Errorf("%w: negative level length", errThrift)
	}
	p.levels, p.repLen = def+rep, rep
	return err
}

func readI32(t *thriftReader, dst *int64) error {
	v, err := t.i32()
	*dst = int64(v)
	return err
}

// check checks a page's claims: sizes within the chunk and the limits.
func (p *pqPage) check(left int64, l *Limits) error {
	switch {
	case p.compressed < 0 || p.uncompressed < 0 || p.numValues < 0:
		return fmt.Errorf("%w: negative size or count in page header", errThrift)
	case p.compressed > left:
		return fmt.Errorf("%w: page of %d bytes, %d left in the column chunk", errThrift, p.compressed, left)
	case p.levels > p.compressed:
		return fmt.Errorf("%w: %d bytes of levels in a page of %d", errThrift, p.levels, p.compressed)
	case max(p.compressed, p.uncompressed) > l.MaxParquetPageBytes:
		return limitf("page claims %d bytes (%d compressed), more than %d", p.uncompressed, p.compressed, l.MaxParquetPageBytes)
	case p.numValues > l.MaxParquetPageValues:
		return limitf("page claims %d values, more than %d", p.numValues, l.MaxParquetPageValues)
	case l.ratioExceeded(p.uncompressed, p.compressed):
		return limitf("page of %d bytes claims to expand to %d, more than %d times", p.compressed, p.uncompressed, l.MaxRatio)
	}
	return nil
}
