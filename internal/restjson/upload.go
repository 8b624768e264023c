package restjson

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/sigv4"
)

// DefaultMaxUploadBytes bounds a usage upload when Upload.MaxBytes is 0;
// larger files are better imported with `proforma import` on the store's
// host.
const DefaultMaxUploadBytes = 8 << 30

// SniffBytes is how much of an upload is read, and given to Upload.Check,
// before anything is written to disk.
const SniffBytes = 64 << 10

// Upload is the policy of POST /_proforma/usage. The zero value takes
// DefaultMaxUploadBytes, spools to os.TempDir(), checks no content and sets
// no read deadline.
type Upload struct {
	// MaxBytes bounds the body (0 = DefaultMaxUploadBytes). A larger
	// Content-Length is refused with 413 before any byte is read; a body
	// without one is counted and refused with 413 at the first byte over.
	MaxBytes int64
	// SpoolDir is where the body is written, in a directory of its own
	// (proforma-upload-*) that is removed when the request ends, whatever
	// its outcome; "" = os.TempDir(). It is created when missing.
	SpoolDir string
	// Grace and MinRate pace the body through the connection's read
	// deadline: the body must arrive at an average of MinRate bytes per
	// second counted from Grace after the request's start, and no read
	// may wait longer than Grace. Grace 0 sets no deadline (nor clears
	// one the server set); MinRate 0 leaves only the pause limit. A body
	// cut off this way is answered 408.
	Grace   time.Duration
	MinRate int64
	// Check sees the first SniffBytes of the body (all of it when whole)
	// and returns an error, whose message names the file, when they are
	// not a file the import reads; the upload is then refused with 400
	// before the rest is read. nil = no check.
	Check func(name string, prefix []byte, whole bool) error
	// Refused, when set, is told of each upload refused before its import
	// (over the limit, not a CUR, too slow, unreadable, not the body
	// signed, a spool that cannot be written): the server logs and counts
	// it like an import that failed.
	Refused func(Refusal)
}

// Refusal is an upload refused before its import: the file's name, the
// status answered, the bytes received, the time spent and why.
type Refusal struct {
	Name     string
	Status   int
	Received int64
	Elapsed  time.Duration
	Err      error
}

func (u Upload) maxBytes() int64 {
	if u.MaxBytes <= 0 {
		return DefaultMaxUploadBytes
	}
	return u.MaxBytes
}

// importUsage receives the uploaded file under its name (so errors name it)
// in a spool directory, imports it and removes the directory. Errors are
// answered {"error": message}: 413 for a body over the limit, 400 for a
// body that is not a CUR or cannot be read, 408 for one that arrives too
// slowly, 500 when the spool cannot be written; a body that is not the one
// signed (a *sigv4.Error) is answered 403 as the strict-mode guard answers.
//
// With a source parameter instead of a body (?source=s3://bucket/prefix),
// the server imports from that source itself (importSource).
func (a *Admin) importUsage(w http.ResponseWriter, r *http.Request) {
	if source := r.URL.Query().Get("source"); source != "" {
		a.importSource(w, r, source)
		return
	}
	if a.ImportUsage == nil {
		adminError(w, http.StatusNotImplemented, "usage import is not configured")
		return
	}
	start, name, u := time.Now(), uploadName(r), a.Upload
	if r.ContentLength > u.maxBytes() {
		msg := tooLarge(name, u.maxBytes())
		adminError(w, http.StatusRequestEntityTooLarge, msg)
		u.refused(Refusal{Name: name, Status: http.StatusRequestEntityTooLarge, Elapsed: time.Since(start), Err: errors.New(msg)})
		return
	}
	body := newPacedBody(http.MaxBytesReader(w, r.Body, u.maxBytes()), http.NewResponseController(w), u.Grace, u.MinRate)
	dir, err := u.receive(name, body)
	if dir != "" {
		defer os.RemoveAll(dir)
	}
	if err != nil {
		status := u.refuse(w, name, dir, body, err)
		u.refused(Refusal{Name: name, Status: status, Received: body.n, Elapsed: time.Since(start), Err: err})
		return
	}
	a.runImport(w, r, dir, name)
}

// uploadName is the base name of the name parameter, "upload" if it has
// none.
func uploadName(r *http.Request) string {
	switch name := filepath.Base(r.URL.Query().Get("name")); name {
	case ".", "..", string(filepath.Separator):
		return "upload"
	default:
		return name
	}
}

func (a *Admin) runImport(w http.ResponseWriter, r *http.Request, dir, name string) {
	summary, err := a.ImportUsage(r.Context(), r.URL.Query().Get("payer"), filepath.Join(dir, name))
	answerImport(w, summary, err, dir+string(filepath.Separator))
}

// importSource imports what the server reads from source itself: 501 when
// no ImportSource hook is set, else answered as an upload's import.
func (a *Admin) importSource(w http.ResponseWriter, r *http.Request, source string) {
	if a.ImportSource == nil {
		adminError(w, http.StatusNotImplemented, "import from a source is not configured")
		return
	}
	summary, err := a.ImportSource(r.Context(), r.URL.Query().Get("payer"), source)
	answerImport(w, summary, err, "")
}

// answerImport answers an import's outcome: its summary, 400 for a
// BadUpload (its message without the spool folder, when one is given),
// else the domain error's status.
func answerImport(w http.ResponseWriter, summary any, err error, spool string) {
	var bad BadUpload
	switch {
	case errors.As(err, &bad):
		msg := err.Error()
		if spool != "" {
			msg = strings.ReplaceAll(msg, spool, "")
		}
		adminError(w, http.StatusBadRequest, msg)
	case err != nil:
		adminDomainError(w, err)
	default:
		writeJSON(w, http.StatusOK, summary)
	}
}

// notUpload is a Check refusal.
type notUpload struct{ error }

// spoolError is a failure to write the spool, which is the server's.
type spoolError struct{ error }

// receive checks the body's first bytes, then writes the whole body to
// name in a new spool directory, which it returns ("" when none was made).
func (u Upload) receive(name string, body *pacedBody) (dir string, err error) {
	prefix, whole, err := readPrefix(body)
	if err != nil {
		return "", err
	}
	if u.Check != nil {
		if err := u.Check(name, prefix, whole); err != nil {
			return "", notUpload{err}
		}
	}
	if dir, err = u.spoolDir(); err != nil {
		return "", spoolError{err}
	}
	return dir, spool(filepath.Join(dir, name), prefix, body)
}

// readPrefix reads the first SniffBytes of body; whole reports that the
// body ended within them (a body of exactly SniffBytes is not known to).
func readPrefix(body io.Reader) (prefix []byte, whole bool, err error) {
	prefix = make([]byte, SniffBytes)
	n, err := io.ReadFull(body, prefix)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return prefix[:n], true, nil
	}
	return prefix[:n], false, err
}

func (u Upload) spoolDir() (string, error) {
	base := u.SpoolDir
	if base == "" {
		base = os.TempDir()
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", err
	}
	return os.MkdirTemp(base, "proforma-upload-*")
}

// spool writes prefix and the rest of body to a new file at path. Errors of
// the file are spoolErrors; those of body are returned as they are.
func spool(path string, prefix []byte, body io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return spoolError{err}
	}
	_, err = f.Write(prefix)
	if err == nil {
		_, err = io.Copy(writerOnly{f}, body)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = spoolError{cerr}
	}
	return err
}

// writerOnly hides *os.File's ReadFrom, so that io.Copy reads through
// body's Read (and its deadlines) and write errors can be told apart.
type writerOnly struct{ f *os.File }

func (w writerOnly) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = spoolError{err}
	}
	return n, err
}

// refused tells Refused of r, if it is set.
func (u Upload) refused(r Refusal) {
	if u.Refused != nil {
		u.Refused(r)
	}
}

// refuse answers a failed receive, and returns the status it answered;
// messages name the file, never the spool.
func (u Upload) refuse(w http.ResponseWriter, name, dir string, body *pacedBody, err error) int {
	var (
		notCUR   notUpload
		spoolErr spoolError
		tooBig   *http.MaxBytesError
		authErr  *sigv4.Error
	)
	status, msg := http.StatusBadRequest, fmt.Sprintf("reading the upload of %s: %v", name, err)
	switch {
	case errors.As(err, &notCUR):
		msg = err.Error()
	case errors.As(err, &spoolErr):
		msg = fmt.Sprintf("spooling the upload of %s: %v", name, err)
		status, msg = http.StatusInternalServerError, strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
	case errors.As(err, &tooBig):
		status, msg = http.StatusRequestEntityTooLarge, tooLarge(name, u.maxBytes())
	case errors.As(err, &authErr):
		writeAdminAuthError(w, authErr) // as the strict-mode guard answers
		return authErr.Status
	case errors.Is(err, os.ErrDeadlineExceeded):
		status, msg = http.StatusRequestTimeout, u.tooSlow(name, body.n)
	}
	adminError(w, status, msg)
	return status
}

func tooLarge(name string, limit int64) string {
	return fmt.Sprintf("%s is larger than this server's upload limit of %s: import larger files with "+
		"`proforma import` on the store's host, or raise the limit (proforma serve --max-upload)", name, formatBytes(limit))
}

func (u Upload) tooSlow(name string, received int64) string {
	rate := ""
	if u.MinRate > 0 {
		rate = fmt.Sprintf(", at an average of at least %s/s after the first %v", formatBytes(u.MinRate), u.Grace)
	}
	return fmt.Sprintf("the upload of %s was cut off after %s: it must arrive without a pause of %v%s",
		name, formatBytes(received), u.Grace, rate)
}

// formatBytes writes n in the largest binary unit it reaches, rounded down:
// "8 GiB", "64 KiB", "512 bytes".
func formatBytes(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	unit, v := "bytes", n
	for i := 0; i < len(units) && v >= 1024; i++ {
		unit, v = units[i], v/1024
	}
	return fmt.Sprintf("%d %s", v, unit)
}
