package cur

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
)

// parquetBatch is how many rows are decoded from the column pages at a time.
const parquetBatch = 256

// parquetSource reads a Parquet file row group by row group, a few hundred
// rows at a time, and renders each row as text: one string per row that the
// fields are substrings of, as for CSV.
type parquetSource struct {
	file string
	rgs  []parquet.RowGroup
	conv parquet.Conversion // nil unless projected
	rg   int
	rows parquet.Rows
	buf  []parquet.Row
	n, i int
	row  int // rows returned so far

	hdr   []string
	cols  []pqColumn        // the columns read, in the order of the schema read
	leafs [][]parquet.Value // values of the current row, by leaf column
	text  []byte
	ends  []int
	raw   []string // one per header column; columns not read stay ""

	costs  *pqCosts // from the preflight
	limits *Limits
}

// newParquetSource opens a Parquet file after checking (checkParquet) that
// nothing it claims can make parquet-go allocate more than the limits.
func newParquetSource(ra io.ReaderAt, size int64, file string, l *Limits) (_ *parquetSource, err error) {
	costs, err := checkParquet(ra, size, file, l)
	if err != nil {
		return nil, err
	}
	defer recoverParquet(file, 0, &err) // a corrupt footer must not crash the caller
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &Error{File: file, Err: fmt.Errorf("parquet: %w", err)}
	}
	s := &parquetSource{file: file, rgs: f.RowGroups(), buf: make([]parquet.Row, parquetBatch), costs: costs, limits: l}
	for _, fl := range f.Schema().Fields() {
		s.hdr = append(s.hdr, fl.Name())
	}
	s.raw = make([]string, len(s.hdr))
	s.setColumns(f.Schema())
	return s, nil
}

// recoverParquet turns a panic of the Parquet library into an *Error.
func recoverParquet(file string, row int, err *error) {
	if p := recover(); p != nil {
		*err = &Error{File: file, Line: row, Err: fmt.Errorf("parquet: %v", p), parquet: row > 0}
	}
}

// setColumns prepares rendering for the columns of the schema read.
func (s *parquetSource) setColumns(read *parquet.Schema) {
	cols, nleaf := pqColumns(read)
	for i := range cols {
		cols[i].out = slices.Index(s.hdr, cols[i].name)
	}
	s.cols, s.leafs, s.ends = cols, make([][]parquet.Value, nleaf), make([]int, len(cols))
}

// prepare readies the source to read the named top-level columns (nil:
// all) once the preflight's memory estimate of reading them passes.
func (s *parquetSource) prepare(names []string) error {
	if err := s.costs.check(s.file, names, s.limits); err != nil {
		return err
	}
	s.buf = s.buf[:s.costs.batch(names, s.limits)]
	if names == nil {
		return nil
	}
	return s.project(names)
}

// project reads only the named top-level columns: the column chunks of the
// others are never decompressed, and their text stays "".
func (s *parquetSource) project(names []string) (err error) {
	defer recoverParquet(s.file, 0, &err)
	if len(s.rgs) == 0 {
		return nil
	}
	from := s.rgs[0].Schema()
	group := parquet.Group{}
	for _, f := range from.Fields() {
		if slices.Contains(names, f.Name()) {
			group[f.Name()] = f
		}
	}
	to := parquet.NewSchema(from.Name(), group)
	conv, err := parquet.Convert(to, from)
	if err != nil {
		return &Error{File: s.file, Err: fmt.Errorf("parquet: %w", err)}
	}
	s.conv = conv
	s.setColumns(to)
	return nil
}

func (s *parquetSource) header() []string { return s.hdr }

func (s *parquetSource) fieldLine(int) int { return s.row }

func (s *parquetSource) read() ([]string, int, error) {
	for s.i >= s.n {
		if err := s.fill(); err != nil {
			return nil, 0, err
		}
	}
	row := s.buf[s.i]
	s.i++
	s.row++
	if err := s.render(row); err != nil {
		return nil, s.row, &Error{File: s.file, Line: s.row, Err: err, parquet: true}
	}
	return s.raw, s.row, nil
}

// fill decodes the next rows, moving to the next row group when one ends.
func (s *parquetSource) fill() (err error) {
	defer recoverParquet(s.file, s.row+1, &err)
	if s.rows == nil {
		if s.rg >= len(s.rgs) {
			return io.EOF
		}
		rg := s.rgs[s.rg]
		if s.conv != nil {
			rg = parquet.ConvertRowGroup(rg, s.conv)
		}
		s.rows = rg.Rows()
		s.rg++
	}
	s.n, s.i = 0, 0
	n, err := s.rows.ReadRows(s.buf)
	s.n = n
	if errors.Is(err, io.EOF) {
		cerr := s.rows.Close()
		s.rows = nil
		if n == 0 && cerr != nil {
			err = cerr
		} else {
			err = nil
		}
	}
	if err != nil {
		return &Error{File: s.file, Line: s.row + 1, Err: fmt.Errorf("parquet: %w", err), parquet: true}
	}
	return nil
}

// render writes the row's columns as text into s.raw; a row's text is
// bounded by MaxRecordBytes, as a CSV record is (a dictionary entry can
// stand for any number of values). A value that contradicts its column's
// type (a corrupt page) can make parquet-go's accessors panic; that is an
// error of the row.
func (s *parquetSource) render(row parquet.Row) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("parquet: %v", p)
		}
	}()
	clear(s.leafs)
	row.Range(func(col int, vals []parquet.Value) bool {
		if col < len(s.leafs) {
			s.leafs[col] = vals
		}
		return true
	})
	s.text = s.text[:0]
	for i := range s.cols {
		c := &s.cols[i]
		if s.text, err = c.appendText(s.text, s.leafs, s.limits.MaxRecordBytes); err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
		s.ends[i] = len(s.text)
	}
	str := string(s.text)
	start := 0
	for i, end := range s.ends {
		s.raw[s.cols[i].out] = str[start:end]
		start = end
	}
	return nil
}

func (s *parquetSource) close() error {
	if s.rows != nil {
		err := s.rows.Close()
		s.rows = nil
		return err
	}
	return nil
}
