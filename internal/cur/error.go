package cur

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors, wrapped in an [*Error] that carries the position. Test
// with errors.Is.
var (
	// ErrMissingColumn: a required column is not in the header.
	ErrMissingColumn = errors.New("missing required column")
	// ErrFOCUS: the file is a FinOps FOCUS export, not a CUR.
	ErrFOCUS = errors.New("file is FOCUS (FinOps Open Cost and Usage Specification), not a CUR: export a Cost and Usage Report (legacy CUR or CUR 2.0) instead")
	// ErrNoHeader: the input is empty.
	ErrNoHeader = errors.New("empty file: no header")
	// ErrFieldCount: a CSV row has a different number of fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrNumber: a numeric field is not a decimal number.
	ErrNumber = errors.New("invalid number")
	// ErrTime: a date field is not a timestamp.
	ErrTime = errors.New("invalid timestamp")
	// ErrLineItemType: the line item type is not one of [LineItemTypes].
	ErrLineItemType = errors.New("unknown line item type")
	// ErrTruncated: the input ended in the middle (e.g. a cut gzip stream).
	ErrTruncated = errors.New("truncated input")
	// ErrLimit: the input would need more memory or work than the Reader's
	// [Limits] allow (a record, field or page too large, a decompression
	// ratio too high, a Parquet footer claiming more than the file holds).
	ErrLimit = errors.New("exceeds a limit (cur.Limits)")
	// ErrParquetWrite: the Writer cannot write Parquet yet.
	ErrParquetWrite = errors.New("writing Parquet is not supported yet: write CSV (same column names)")
)

// Error is a malformed or unsupported input, with its position.
type Error struct {
	File   string // file name as given to Open or NewReader; "" for anonymous input
	Line   int    // CSV: 1-based line (the header is line 1); Parquet: 1-based row; 0 if none
	Column string // column name as in the header (both styles for a missing column); "" if none
	Err    error  // the cause, often one of the Err* sentinels

	parquet bool // Line is a Parquet row number
}

// Error returns "cur: FILE:LINE: column COL: CAUSE", leaving out the parts
// that are unknown; Parquet positions read "FILE: row N".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cur: ")
	file := e.File
	if file == "" {
		file = "<input>"
	}
	b.WriteString(file)
	switch {
	case e.Line > 0 && e.parquet:
		b.WriteString(": row ")
		b.WriteString(strconv.Itoa(e.Line))
	case e.Line > 0:
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Column != "" {
		b.WriteString(": column ")
		b.WriteString(e.Column)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("error")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// limitError is a refusal for passing one of the Limits: its message says
// which, and errors.Is(err, ErrLimit) holds.
type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

// limitf returns a limitError with a formatted message.
func limitf(format string, args ...any) error {
	return &limitError{fmt.Sprintf(format, args...)}
}
