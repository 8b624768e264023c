package cur

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
)

// Writer writes a CUR as CSV with a given header, so a pro forma CUR keeps
// the input's columns and naming style (category/Name or snake_case). The
// caller writes the input's rows (Record.Raw, with costs replaced) and adds
// custom line items as extra rows of its own. Parquet output is not
// supported yet: a Parquet input is exported as CSV with the same columns.
type Writer struct {
	cw     *csv.Writer
	gz     *gzip.Writer
	file   *os.File
	header []string
	line   int
	name   string
}

// NewWriter writes header to w and returns a Writer for the rows. With
// f.Gzip the output is gzip-compressed; f.Parquet and f.Zip are refused.
// Close must be called to flush; it does not close w.
func NewWriter(w io.Writer, header []string, f Format) (*Writer, error) {
	return newWriter(w, header, f, "")
}

// Create creates (or truncates) path and writes a CUR to it, as NewWriter.
// Close closes the file.
func Create(path string, header []string, f Format) (*Writer, error) {
	if err := checkWriteFormat(path, f); err != nil {
		return nil, err
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	w, err := newWriter(file, header, f, path)
	if err != nil {
		file.Close()
		return nil, err
	}
	w.file = file
	return w, nil
}

func checkWriteFormat(name string, f Format) error {
	switch {
	case f.Parquet:
		return &Error{File: name, Err: ErrParquetWrite}
	case f.Zip:
		return &Error{File: name, Err: errors.New("writing zip is not supported: use Gzip")}
	}
	return nil
}

func newWriter(w io.Writer, header []string, f Format, name string) (*Writer, error) {
	if err := checkWriteFormat(name, f); err != nil {
		return nil, err
	}
	if len(header) == 0 {
		return nil, &Error{File: name, Err: errors.New("empty header")}
	}
	out := &Writer{header: header, name: name}
	if f.Gzip {
		out.gz = gzip.NewWriter(w)
		w = out.gz
	}
	out.cw = csv.NewWriter(w)
	if err := out.Write(header); err != nil {
		return nil, err
	}
	return out, nil
}

// Write writes one row; it must have one field per header column. Rows are
// buffered: errors may show only at a later Write or at Close.
func (w *Writer) Write(row []string) error {
	w.line++
	if len(row) != len(w.header) {
		err := fmt.Errorf("%w: row has %d, header has %d", ErrFieldCount, len(row), len(w.header))
		return &Error{File: w.name, Line: w.line, Err: err}
	}
	if err := w.cw.Write(row); err != nil {
		return &Error{File: w.name, Line: w.line, Err: err}
	}
	return nil
}

// Close flushes the rows, ends the gzip stream and closes a file made by
// Create. It returns the first error met.
func (w *Writer) Close() error {
	w.cw.Flush()
	err := w.cw.Error()
	if w.gz != nil {
		if gerr := w.gz.Close(); err == nil {
			err = gerr
		}
		w.gz = nil
	}
	if w.file != nil {
		if ferr := w.file.Close(); err == nil {
			err = ferr
		}
		w.file = nil
	}
	if err != nil {
		return &Error{File: w.name, Err: err}
	}
	return nil
}
