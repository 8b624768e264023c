package cur

import (
	"bytes"
	"io"
)

// recordLimiter sits under encoding/csv and refuses a record or field
// longer than the limits before csv.Reader buffers it: csv.Reader keeps a
// whole record (several times over) however long it is, so a file of one
// endless line, or one quote never closed, would take all memory.
//
// It follows RFC 4180 quoting as csv.Reader does: a double quote toggles
// "inside quotes" (an escaped "" toggles twice), a comma outside quotes ends
// a field and a line feed outside quotes ends a record. Input csv.Reader
// refuses (a bare quote in an unquoted field) may be counted differently,
// but csv.Reader reports it first: the limiter's error comes only after
// the bytes before it.
//
// The scan works a line or a run between quotes at a time with
// bytes.IndexByte and bytes.Count (vectorized), so it costs about 4% of the
// CPU of parsing (BenchmarkRecordLimiter against BenchmarkReadCSV); it
// looks at single bytes only within reach of a limit.
type recordLimiter struct {
	r         io.Reader
	maxField  int64
	maxRecord int64

	quoted   bool
	line     int   // line of the next byte, 1-based
	recLine  int   // line where the current record starts
	field    int   // index of the current field in its record
	fieldLen int64 // bytes of the current field so far
	recLen   int64 // bytes of the current record so far
	err      error // sticky
}

func newRecordLimiter(r io.Reader, l *Limits) *recordLimiter {
	return &recordLimiter{r: r, maxField: int64(l.MaxFieldBytes), maxRecord: int64(l.MaxRecordBytes), line: 1, recLine: 1}
}

// Read reads from the underlying reader and scans what it read. Past a
// limit it returns the bytes before the one that passed it, and a
// *recordLimitError; then the error alone. So csv.Reader never sees the
// end of an oversized record, however the input is split into reads.
func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if k, lerr := l.scan(p[:n]); lerr != nil {
		l.err = lerr
		return k, lerr
	}
	return n, err
}

// scan updates the state for b. Past a limit it returns the index of the
// byte that passed it.
//
// A whole line that starts a record, holds an even number of quotes and is
// no longer than either limit ends that record within the limits: that
// common case costs one search for the line feed and one count of quotes.
// Anything else is scanned run by run between quotes and line feeds.
func (l *recordLimiter) scan(b []byte) (int, error) {
	short := int(min(l.maxField, l.maxRecord))
	for off := 0; off < len(b); {
		nl := bytes.IndexByte(b[off:], '\n')
		if nl >= 0 && nl <= short && l.wholeRecord(b[off:off+nl]) {
			l.line++
			l.recLine = l.line
			off += nl + 1
			continue
		}
		end := len(b)
		if nl >= 0 {
			end = off + nl + 1
		}
		if k, err := l.runs(b[off:end]); err != nil {
			return off + k, err
		}
		off = end
	}
	return len(b), nil
}

// wholeRecord reports whether line (without its line feed) starts and
// ends a record: it starts one, and quotes open in it close in it.
func (l *recordLimiter) wholeRecord(line []byte) bool {
	return l.recLen == 0 && bytes.Count(line, quoteByte)%2 == 0
}

var quoteByte = []byte{'"'}

// runs scans b, at most one line (a line feed only at its end), run by
// run between quotes and the line feed.
func (l *recordLimiter) runs(b []byte) (int, error) {
	last := len(b) - 1
	for off := 0; off < len(b); {
		end := indexFrom(b, off, '"')
		if b[last] == '\n' && last < end {
			end = last
		}
		if k, err := l.run(b[off:end]); err != nil {
			return off + k, err
		}
		if end == len(b) {
			break
		}
		if err := l.delim(b[end]); err != nil {
			return end, err
		}
		off = end + 1
	}
	return len(b), nil
}

// indexFrom returns the index of c in b at or after from, or len(b).
func indexFrom(b []byte, from int, c byte) int {
	if i := bytes.IndexByte(b[from:], c); i >= 0 {
		return from + i
	}
	return len(b)
}

// run counts a run of bytes without quotes or line feeds.
func (l *recordLimiter) run(r []byte) (int, error) {
	n := int64(len(r))
	if l.fieldLen+n > l.maxField || l.recLen+n > l.maxRecord {
		return l.runNearLimit(r)
	}
	l.recLen += n
	if l.quoted {
		l.fieldLen += n
		return len(r), nil
	}
	if last := bytes.LastIndexByte(r, ','); last >= 0 {
		l.field += bytes.Count(r, []byte{','})
		l.fieldLen = n - int64(last) - 1
	} else {
		l.fieldLen += n
	}
	return len(r), nil
}

// runNearLimit counts a run byte by byte, to find where a limit is passed
// and in which field.
func (l *recordLimiter) runNearLimit(r []byte) (int, error) {
	for i, c := range r {
		l.recLen++
		if c == ',' && !l.quoted {
			l.field++
			l.fieldLen = 0
		} else {
			l.fieldLen++
		}
		if err := l.check(); err != nil {
			return i, err
		}
	}
	return len(r), nil
}

// delim counts a quote or a line feed.
func (l *recordLimiter) delim(c byte) error {
	if c == '"' {
		l.quoted = !l.quoted
	} else if l.line++; !l.quoted {
		l.recLine, l.field, l.fieldLen, l.recLen = l.line, 0, 0, 0
		return nil
	}
	l.recLen++
	l.fieldLen++
	return l.check()
}

// check returns the error of a passed limit, with the line the record
// starts on and the field's index.
func (l *recordLimiter) check() error {
	switch {
	case l.recLen > l.maxRecord:
		return &recordLimitError{l.recLine, l.field, limitf("record longer than %d bytes", l.maxRecord)}
	case l.fieldLen > l.maxField:
		return &recordLimitError{l.recLine, l.field, limitf("field longer than %d bytes", l.maxField)}
	}
	return nil
}

// recordLimitError is a passed limit. The limiter scans ahead of csv.Reader
// (a buffer's worth), possibly before the header is parsed, so csvSource
// names the column when the error reaches it.
type recordLimitError struct {
	line  int // the record's first line
	field int // index of the field in the record
	err   error
}

func (e *recordLimitError) Error() string { return e.err.Error() }
func (e *recordLimitError) Unwrap() error { return e.err }
