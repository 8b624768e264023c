package main

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proforma-dev/proforma/internal/server"
)

const (
	// fdReserve is how many file descriptors --max-connections leaves to
	// the rest of the process: the store's files, the listener, the
	// refusals being answered, spooled uploads and logs.
	fdReserve = 256
	// maxRefusing bounds the refusals answered at a time; beyond, a
	// connection over the cap is closed without an answer.
	maxRefusing = 64
	// refuseWait bounds the life of a refused connection.
	refuseWait = time.Second
)

// connectionCap returns want lowered to the open-file soft limit
// (RLIMIT_NOFILE) minus fdReserve, but at least 1, and that limit (0 when
// the platform has none to read).
func connectionCap(want int) (int, uint64) {
	limit, ok := openFileLimit()
	if !ok {
		return want, 0
	}
	room := uint64(1)
	if limit > fdReserve+1 {
		room = limit - fdReserve
	}
	if uint64(want) > room {
		return int(room), limit
	}
	return want, limit
}

// limitListener accepts at most cap(slots) connections at a time. A
// connection over the cap is answered 503 and closed on a goroutine of its
// own, so Accept goes straight on to the next: a flood cannot keep a health
// check from the room the cap leaves.
type limitListener struct {
	net.Listener
	slots    chan struct{} // a token per open connection
	refusing chan struct{} // a token per refusal being answered
	busy     []byte        // the refusal
	onRefuse func()
}

// newLimitListener caps ln at limit open connections; onRefuse is called
// for each connection refused.
func newLimitListener(ln net.Listener, limit int, onRefuse func()) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, limit), refusing: make(chan struct{}, maxRefusing),
		busy: busyResponse(limit), onRefuse: onRefuse}
}

// Accept returns the next connection within the cap; its Close frees its
// slot once, however often it is called.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.refuse(c)
		}
	}
}

func (l *limitListener) refuse(c net.Conn) {
	l.onRefuse()
	select {
	case l.refusing <- struct{}{}:
		go func() {
			defer func() { <-l.refusing }()
			answerBusy(c, l.busy)
		}()
	default:
		c.Close()
	}
}

// answerBusy waits for the client's request (so the answer is not one it
// did not ask for), writes busy, shuts its side down and reads on until the
// client closes, so that closing does not reset the answer away; all within
// refuseWait.
func answerBusy(c net.Conn, busy []byte) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(refuseWait))
	buf := make([]byte, 4096)
	if _, err := c.Read(buf); err != nil {
		return
	}
	if _, err := c.Write(busy); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, c)
}

// busyResponse is the refusal of a connection over the cap: 503, as AWS
// services answer when they cannot take a request, which SDKs retry.
func busyResponse(limit int) []byte {
	body := fmt.Sprintf(`{"__type":"ServiceUnavailableException","Message":"The server has reached its limit of `+
		`%d open connections (proforma serve --max-connections). Retry later."}`, limit)
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n" +
		"X-Amzn-ErrorType: ServiceUnavailableException\r\nRetry-After: 1\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// limitConn is a connection holding a slot of its limitListener.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite shuts down the writing side, as net/http does before closing
// a connection whose request it did not read in full, so the client gets
// the answer rather than a reset.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the TCP connection's sendfile path for responses copied
// from files.
func (c *limitConn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(c.Conn, r) }

// refusalLog returns the listener's onRefuse: it counts the refusal in
// metrics and logs a warning at most once a minute, with the count so far.
func (m *Main) refusalLog(limit int, metrics *server.Metrics) func() {
	var count, last atomic.Int64
	return func() {
		metrics.Refused()
		n, now, prev := count.Add(1), time.Now().UnixNano(), last.Load()
		if now-prev < int64(time.Minute) || !last.CompareAndSwap(prev, now) {
			return
		}
		m.log.Warn("refusing connections over --max-connections", "maxConnections", limit, "refusedSinceStart", n)
	}
}
