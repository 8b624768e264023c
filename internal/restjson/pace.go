package restjson

import (
	"io"
	"net/http"
	"time"
)

// pacedBody reads a request body under a read deadline that moves with the
// bytes received, set through the connection before each read: by then
// the body must have averaged rate bytes per second since grace after
// start, and the read may wait grace at most. A fast body may so arrive at
// any size; a trickling or stalled one is cut off with an error that
// matches os.ErrDeadlineExceeded.
//
// After the first error (io.EOF included) it sets no more deadlines: the
// server then reads the connection in the background to notice a client
// that goes away, and a deadline there would cancel the request. So the
// readers it wraps must end in the read in which the request body ends, as
// http.MaxBytesReader and sigv4.CheckedBody do.
type pacedBody struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	grace time.Duration // 0 = no deadlines
	rate  int64         // bytes per second; 0 = only the pause limit
	n     int64         // bytes received
	done  bool          // an error was returned
}

func newPacedBody(r io.Reader, rc *http.ResponseController, grace time.Duration, rate int64) *pacedBody {
	return &pacedBody{r: r, rc: rc, start: time.Now(), grace: grace, rate: rate}
}

// Read reads from the body. Setting the deadline is best effort: a
// ResponseWriter without deadlines (httptest.ResponseRecorder) reads
// without one.
func (b *pacedBody) Read(p []byte) (int, error) {
	if !b.done && b.grace > 0 {
		b.rc.SetReadDeadline(b.deadline(time.Now()))
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil {
		b.done = true
	}
	return n, err
}

// deadline is when the next byte is due, seen at now.
func (b *pacedBody) deadline(now time.Time) time.Time {
	wait := b.grace.Seconds()
	if b.rate > 0 {
		earned := b.grace.Seconds() + float64(b.n)/float64(b.rate) - now.Sub(b.start).Seconds()
		wait = min(wait, earned)
	}
	return now.Add(time.Duration(wait * float64(time.Second)))
}
