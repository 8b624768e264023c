package cur

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// csvSource reads CSV rows. encoding/csv gives each row one string that its
// fields are substrings of, and ReuseRecord reuses the []string. A
// recordLimiter under it bounds the record and field sizes.
type csvSource struct {
	file string
	comp string // "gzip" or "zip" when decompressing, for errors
	cr   *csv.Reader
	hdr  []string
	next int // line where the next record starts, at the earliest
}

func newCSVSource(r io.Reader, file, comp string, l *Limits) (*csvSource, error) {
	lim := newRecordLimiter(r, l)
	cr := csv.NewReader(bufio.NewReaderSize(lim, 64<<10)) // csv.Reader keeps a large enough bufio.Reader
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // counted here, to name the column in the error
	s := &csvSource{file: file, comp: comp, cr: cr, next: 1}
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, &Error{File: file, Line: 1, Err: ErrNoHeader}
	}
	if err != nil {
		return nil, s.wrap(err)
	}
	s.hdr = slices.Clone(rec)
	s.hdr[0] = strings.TrimPrefix(s.hdr[0], "\ufeff") // a byte order mark
	s.next = s.lastLine(len(rec)) + 1
	return s, nil
}

func (s *csvSource) header() []string { return s.hdr }

func (s *csvSource) read() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, s.wrap(err)
	}
	line, _ := s.cr.FieldPos(0)
	s.next = s.lastLine(len(rec)) + 1
	if len(rec) != len(s.hdr) {
		return nil, line, s.fieldCount(rec, line)
	}
	return rec, line, nil
}

// fieldLine returns the line of field col of the last record read.
func (s *csvSource) fieldLine(col int) int {
	line, _ := s.cr.FieldPos(col)
	return line
}

// lastLine returns the line of the last field of the record just read, so
// records with quoted newlines are counted whole.
func (s *csvSource) lastLine(n int) int {
	line, _ := s.cr.FieldPos(max(n-1, 0))
	return line
}

func (s *csvSource) fieldCount(rec []string, line int) error {
	err := fmt.Errorf("%w: row has %d, header has %d", ErrFieldCount, len(rec), len(s.hdr))
	col := ""
	if len(rec) < len(s.hdr) {
		col = s.hdr[len(rec)] // the first column without a value
	}
	return &Error{File: s.file, Line: line, Column: col, Err: err}
}

// wrap gives a CSV, limit or decompression error its position.
func (s *csvSource) wrap(err error) error {
	var le *recordLimitError
	if errors.As(err, &le) {
		col := ""
		if le.field < len(s.hdr) {
			col = s.hdr[le.field]
		}
		return &Error{File: s.file, Line: le.line, Column: col, Err: le.err}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: s.file, Line: pe.Line, Err: fmt.Errorf("%w (byte %d)", pe.Err, pe.Column)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	if s.comp != "" {
		err = fmt.Errorf("%s: %w", s.comp, err)
	}
	return &Error{File: s.file, Line: s.next, Err: err}
}

func (s *csvSource) close() error { return nil }
