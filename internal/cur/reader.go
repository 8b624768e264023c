package cur

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
)

// Format describes an input as detected from its bytes and header.
type Format struct {
	Parquet bool // Apache Parquet; otherwise CSV
	Gzip    bool // CSV compressed with gzip (found by magic bytes, not by name)
	Zip     bool // CSV inside a zip archive (a legacy CUR compression option)
	Snake   bool // snake_case names (line_item_unblended_cost); otherwise category/Name
	CUR2    bool // CUR 2.0 (Data Exports): snake_case plus the "product" map or account names
}

// String names the format, e.g. "legacy CUR CSV (gzip)" or "CUR 2.0 Parquet".
func (f Format) String() string {
	kind := "legacy CUR"
	switch {
	case f.CUR2:
		kind = "CUR 2.0"
	case f.Snake:
		kind = "legacy CUR (snake_case)"
	}
	s := kind + " CSV"
	if f.Parquet {
		s = kind + " Parquet"
	}
	switch {
	case f.Gzip:
		s += " (gzip)"
	case f.Zip:
		s += " (zip)"
	}
	return s
}

// source yields raw rows; errors it returns are *Error or io.EOF.
type source interface {
	header() []string
	// read returns the next row (valid until the next call) and its position.
	read() (raw []string, line int, err error)
	// fieldLine returns the position of one field of the last row.
	fieldLine(col int) int
	close() error
}

// Reader streams Records from one CUR file. Memory stays flat as the file
// grows: CSV is read record by record, Parquet a few hundred rows at a time
// within a row group. A Reader is not safe for concurrent use.
type Reader struct {
	src    source
	dec    decoder
	format Format
	closer io.Closer
	err    error    // sticky: the stream cannot go on
	batch  []string // backing of the Raw slices of NextBatch
	noRaw  bool
	limits Limits
}

// Option configures Open and NewReader.
type Option func(*Reader)

// WithoutRaw leaves Record.Raw nil, for callers that do not export rows.
// Parquet input then decodes only the columns a Record needs, which is
// several times faster on wide files; CSV is parsed whole either way.
func WithoutRaw() Option { return func(r *Reader) { r.noRaw = true } }

// Open opens a CUR data file: CSV, gzip- or zip-compressed CSV, or Parquet.
// The caller must Close the Reader.
func Open(path string, opts ...Option) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	r, err := newReader(f, path, f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads a CUR from r; name is used in errors. CSV and gzip work
// with any io.Reader; Parquet and zip need r to be an io.ReaderAt and
// io.Seeker too (an *os.File or *bytes.Reader). Close does not close r.
func NewReader(r io.Reader, name string, opts ...Option) (*Reader, error) {
	return newReader(r, name, nil, opts)
}

func newReader(r io.Reader, name string, closer io.Closer, opts []Option) (*Reader, error) {
	rd := &Reader{closer: closer, limits: DefaultLimits}
	for _, o := range opts {
		o(rd)
	}
	src, format, err := openSource(r, name, &rd.limits)
	if err != nil {
		return nil, err
	}
	cols, err := resolveHeader(name, src.header())
	if err != nil {
		src.close()
		return nil, err
	}
	format.Snake, format.CUR2 = cols.snake, cols.cur2
	rd.src, rd.format = src, format
	rd.dec = decoder{file: name, parquet: format.Parquet, header: src.header(), cols: cols}
	if ps, ok := src.(*parquetSource); ok {
		var read []string // all columns
		if rd.noRaw {
			read = cols.names(src.header())
		}
		if err := ps.prepare(read); err != nil {
			src.close()
			return nil, err
		}
	}
	return rd, nil
}

// openSource picks the container by its magic bytes and reads the header.
func openSource(r io.Reader, name string, l *Limits) (source, Format, error) {
	cr := &countReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	magic, _ := br.Peek(4)
	var (
		f   Format
		src source
		err error
	)
	switch {
	case bytes.HasPrefix(magic, []byte("PAR1")):
		f.Parquet = true
		src, err = openRandomAccess(r, name, func(ra io.ReaderAt, size int64) (source, error) {
			return newParquetSource(ra, size, name, l)
		})
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		f.Gzip = true
		src, err = openGzip(br, cr, name, l)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")):
		f.Zip = true
		src, err = openRandomAccess(r, name, func(ra io.ReaderAt, size int64) (source, error) {
			return openZip(ra, size, name, l)
		})
	default:
		src, err = newCSVSource(br, name, "", l)
	}
	return src, f, err
}

func openRandomAccess(r io.Reader, name string, open func(io.ReaderAt, int64) (source, error)) (source, error) {
	ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	})
	if !ok {
		return nil, &Error{File: name, Err: errors.New("random access needed: Parquet and zip input must come from Open or an io.ReaderAt")}
	}
	size, err := ra.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, &Error{File: name, Err: err}
	}
	return open(ra, size)
}

// openGzip reads CSV from a gzip stream (one member or several, as
// concatenated .gz files are). The output is bounded by the limits: in
// total, and as a multiple of the compressed bytes cr has counted.
func openGzip(br io.Reader, cr *countReader, name string, l *Limits) (source, error) {
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, (&csvSource{file: name, comp: "gzip", next: 1}).wrap(err)
	}
	return newCSVSource(newBoundedReader(gz, cr.count, l), name, "gzip", l)
}

// openZip reads the one CSV file in a zip archive. The sizes its directory
// declares are checked against the limits first; archive/zip refuses data
// beyond the declared size, and the output is bounded as for gzip.
func openZip(ra io.ReaderAt, size int64, name string, l *Limits) (source, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, &Error{File: name, Err: fmt.Errorf("zip: %w", err)}
	}
	var files []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		return nil, &Error{File: name, Err: fmt.Errorf("zip: want one CSV file in the archive, found %d", len(files))}
	}
	f := files[0]
	inner := name + "!" + f.Name
	if err := checkZipEntry(f, l); err != nil {
		return nil, &Error{File: inner, Err: fmt.Errorf("zip: %w", err)}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &Error{File: name, Err: fmt.Errorf("zip: %w", err)}
	}
	compressed := func() int64 { return int64(f.CompressedSize64) }
	return newCSVSource(newBoundedReader(rc, compressed, l), inner, "zip", l)
}

// Header returns the column names in file order, as written (for Parquet, the
// top-level column names). It is shared: do not modify it.
func (r *Reader) Header() []string { return r.dec.header }

// Format returns the detected format.
func (r *Reader) Format() Format { return r.format }

// Index returns the position of f in Header, or -1 when the file lacks it.
func (r *Reader) Index(f Field) int { return r.dec.cols.idx[f] }

// Next returns the next Record, or io.EOF after the last one. Other errors
// are *Error. After an error about one row's values (a bad number, an
// unknown line item type, a wrong field count) Next may be called again to
// go on with the next row; after any other error Next keeps returning it.
// The Record's Raw slice is reused by the next call.
func (r *Reader) Next() (Record, error) {
	var rec Record
	err := r.next(&rec)
	return rec, err
}

// All iterates over the Records to the end of the input, each with a nil
// error; when reading fails (an *Error), it yields the zero Record with
// the error and stops. A Record's Raw slice is reused by the next one.
func (r *Reader) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for {
			rec, err := r.Next()
			switch {
			case err == io.EOF:
				return
			case err != nil:
				yield(Record{}, err)
				return
			case !yield(rec, nil):
				return
			}
		}
	}
}

func (r *Reader) next(rec *Record) error {
	if r.err != nil {
		return r.err
	}
	raw, line, err := r.src.read()
	if err != nil {
		if !errors.Is(err, ErrFieldCount) {
			r.err = err
		}
		return err
	}
	err = r.dec.decode(raw, line, r.src.fieldLine, rec)
	if r.noRaw {
		rec.Raw = nil
	}
	return err
}

// NextBatch fills dst with up to len(dst) Records and returns how many. It
// returns 0, io.EOF at the end; when a row fails, the Records before it are
// returned with the error (n may be > 0). The Raw slices of the batch are
// reused by the next Next or NextBatch call.
func (r *Reader) NextBatch(dst []Record) (int, error) {
	ncol := len(r.dec.header)
	if need := len(dst) * ncol; cap(r.batch) < need && !r.noRaw {
		r.batch = make([]string, need)
	}
	for i := range dst {
		err := r.next(&dst[i])
		if err == io.EOF && i > 0 {
			return i, nil
		}
		if err != nil {
			return i, err
		}
		if r.noRaw {
			continue
		}
		raw := r.batch[i*ncol : (i+1)*ncol : (i+1)*ncol]
		copy(raw, dst[i].Raw)
		dst[i].Raw = raw
	}
	return len(dst), nil
}

// Close releases the file opened by Open. It is safe to call twice.
func (r *Reader) Close() error {
	err := r.src.close()
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil {
			err = cerr
		}
		r.closer = nil
	}
	if r.err == nil {
		r.err = &Error{File: r.dec.file, Err: os.ErrClosed}
	}
	return err
}
