package main

// The limits of `proforma serve` that make it safe to share: timeouts on
// every phase of a connection, a cap on open connections (listener.go), and
// the usage upload's size, pace, content check and spool directory.

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/proforma-dev/proforma/internal/postgres"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/server"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// Limits are the timeouts and caps of `proforma serve`; a zero timeout is
// none. Deadlines are set on the connection per request (by withDeadlines
// and the upload's paced body) rather than with http.Server.ReadTimeout and
// WriteTimeout, which would cut off a large upload and a long import.
type Limits struct {
	// ReadHeaderTimeout runs from accepting a connection, or from the
	// first byte of its next request, to the end of the headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds receiving a request body. An upload instead has
	// it as grace before UploadMinRate counts, and as its longest pause.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of a response, and its end, from the
	// moment the handler makes it.
	WriteTimeout time.Duration
	// IdleTimeout bounds a kept-alive connection's wait for its next request.
	IdleTimeout time.Duration
	// MaxConnections caps open connections; it is lowered to the
	// open-file limit minus fdReserve.
	MaxConnections int
	// MaxUpload bounds the bytes of one usage upload.
	MaxUpload byteSize
	// UploadMinRate is the bytes per second a usage upload must average;
	// 0 = no minimum.
	UploadMinRate byteSize
	// SpoolDir is where uploads wait for their import; "" = the default
	// of (*Main).spoolDir.
	SpoolDir string
}

// defaultLimits are the documented defaults: generous for a user on a slow
// link, short enough that idle or trickling clients cannot pile up.
func defaultLimits() Limits {
	return Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 60 * time.Second, MaxConnections: 4096, MaxUpload: 8 << 30, UploadMinRate: 64 << 10}
}

// addFlags defines the flags of the limits on fs, with l's values as defaults.
func (l *Limits) addFlags(fs *flag.FlagSet) {
	fs.DurationVar(&l.ReadHeaderTimeout, "read-header-timeout", l.ReadHeaderTimeout,
		"time a client has to send a request's headers, from connecting or from the next request's first byte (0 = none)")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", l.ReadTimeout,
		"time a client has to send a request body once the headers are in; a usage upload has this much grace, then must keep "+
			"--upload-min-rate, and may never pause longer (0 = none)")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", l.WriteTimeout,
		"time each write of a response has to reach the client; a long import still answers (0 = none)")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", l.IdleTimeout, "time a kept-alive connection may wait for its next request (0 = none)")
	fs.IntVar(&l.MaxConnections, "max-connections", l.MaxConnections, fmt.Sprintf("open connections at most, lowered to the "+
		"open-file limit (ulimit -n) minus %d; a connection over it is answered 503 and closed", fdReserve))
	fs.Var(&l.MaxUpload, "max-upload", "largest `size` of a usage upload (POST /_proforma/usage), e.g. 512MiB or 8GiB "+
		"(units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB); a larger one is refused with 413: import it with proforma import")
	fs.Var(&l.UploadMinRate, "upload-min-rate", "`bytes` per second a usage upload must average once its --read-timeout "+
		"grace has passed, e.g. 64KiB; a slower one is cut off with 408 (0 = no minimum)")
	fs.StringVar(&l.SpoolDir, "spool-dir", l.SpoolDir, "`directory` where usage uploads wait for their import, each removed "+
		"after it (default: DATA/uploads, or the system temp directory when --data is :memory: or a postgres:// URL)")
}

// check refuses limits no server can run with.
func (l Limits) check() error {
	for name, d := range map[string]time.Duration{"--read-header-timeout": l.ReadHeaderTimeout,
		"--read-timeout": l.ReadTimeout, "--write-timeout": l.WriteTimeout, "--idle-timeout": l.IdleTimeout} {
		if d < 0 {
			return fmt.Errorf("%s must not be negative, not %v", name, d)
		}
	}
	switch {
	case l.MaxConnections < 1:
		return fmt.Errorf("--max-connections must be at least 1, not %d", l.MaxConnections)
	case l.MaxUpload < 1:
		return errors.New("--max-upload must be at least 1 byte")
	}
	return nil
}

// newServer returns the HTTP server of srv under the limits, counting its
// connections in srv.Metrics.
func (m *Main) newServer(srv *server.Server) *http.Server {
	l := m.Config.Limits
	return &http.Server{Handler: withDeadlines(srv.Handler, l.ReadTimeout, l.WriteTimeout),
		ReadHeaderTimeout: l.ReadHeaderTimeout, IdleTimeout: l.IdleTimeout, ConnState: srv.Metrics.ConnState}
}

// withDeadlines sets a request's deadlines on its connection before h runs:
// a body must arrive within read (requests without one get no read
// deadline, as the server then reads the connection in the background),
// and each write of the response within write of its start, as must the
// end of the response once h returns. A handler may move them with
// http.ResponseController, as the usage upload does for its body.
func withDeadlines(h http.Handler, read, write time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if read > 0 && r.Body != nil && r.Body != http.NoBody {
			rc.SetReadDeadline(time.Now().Add(read))
		}
		if write > 0 {
			dw := &deadlineWriter{ResponseWriter: w, rc: rc, timeout: write}
			defer dw.arm()
			w = dw
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineWriter renews the write deadline before each write, so a slow
// computation before the response does not count against it. Unwrap keeps
// http.ResponseController working through it.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *deadlineWriter) arm() { w.rc.SetWriteDeadline(time.Now().Add(w.timeout)) }

func (w *deadlineWriter) WriteHeader(status int) {
	w.arm()
	w.ResponseWriter.WriteHeader(status)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(p)
}

// Flush serves handlers that assert http.Flusher.
func (w *deadlineWriter) Flush() {
	w.arm()
	w.rc.Flush()
}

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// listen opens the listener of --addr, capped at --max-connections.
func (m *Main) listen(metrics *server.Metrics) (net.Listener, error) {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return nil, err
	}
	want := m.Config.Limits.MaxConnections
	limit, fileLimit := connectionCap(want)
	if limit < want {
		m.log.Warn("--max-connections lowered to fit the open-file limit", "maxConnections", limit,
			"openFileLimit", fileLimit, "reserved", fdReserve)
	}
	return newLimitListener(ln, limit, m.refusalLog(limit, metrics)), nil
}

// uploadPolicy is the usage upload's policy under the limits. The default
// spool directory under --data is cleared of what an earlier run left
// (a killed process cannot remove its spool).
func (m *Main) uploadPolicy() restjson.Upload {
	dir, own := m.spoolDir()
	if own {
		removeSpools(dir)
	}
	l := m.Config.Limits
	return restjson.Upload{MaxBytes: int64(l.MaxUpload), SpoolDir: dir, Grace: l.ReadTimeout,
		MinRate: int64(l.UploadMinRate), Check: server.CheckUpload}
}

// spoolDir resolves --spool-dir; own reports the default under --data.
func (m *Main) spoolDir() (dir string, own bool) {
	data := m.Config.DataDir
	switch {
	case m.Config.Limits.SpoolDir != "":
		return m.Config.Limits.SpoolDir, false
	case data == sqlite.Memory || postgres.IsDSN(data):
		return os.TempDir(), false
	}
	return filepath.Join(data, "uploads"), true
}

// removeSpools removes the upload directories in dir.
func removeSpools(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, "proforma-upload-*"))
	for _, d := range old {
		os.RemoveAll(d)
	}
}

// byteSize is a flag value of bytes, written as a whole number with an
// optional unit: B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB
// (powers of 1000), in any case, e.g. 8GiB or 512mib.
type byteSize int64

// byteUnits are checked in order, so that "GiB" is not read as "B".
var byteUnits = []struct {
	suffix string
	size   int64
}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"b", 1}}

func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// String writes b in the largest binary unit that divides it, e.g. 8GiB.
func (b *byteSize) String() string {
	n, unit := int64(*b), ""
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if n == 0 || n%1024 != 0 {
			break
		}
		n, unit = n/1024, u
	}
	return strconv.FormatInt(n, 10) + unit
}

func parseByteSize(s string) (int64, error) {
	num, size := strings.TrimSpace(s), int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(strings.ToLower(num), u.suffix) {
			num, size = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/size {
		return 0, fmt.Errorf("%q is not a size: want bytes or a whole number with a unit, e.g. 1048576, 512MiB or 8GiB", s)
	}
	return n * size, nil
}
