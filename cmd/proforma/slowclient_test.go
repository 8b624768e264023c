package main

// Black-box tests of the server's limits against the real binary: slow
// clients are cut off within the configured timeouts while health keeps
// answering, and connections over --max-connections are refused at once.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowTimeout is every timeout of the slow-client test.
const slowTimeout = 2 * time.Second

// slowKinds are the slow clients: what each sends before it trickles one
// byte a second (unless it is a whole request), and from when the server's
// timeout counts.
var slowKinds = []struct {
	name  string
	start string // sent at once
	after bool   // the timeout counts after start was sent (else from connecting)
}{
	// --read-header-timeout, from the connection.
	{"trickled headers", "GET /_proforma/health HTTP/1.1\r\nHost: proforma\r\nX-Slow: ", false},
	// --read-timeout, from the headers.
	{"trickled body", "POST /list-billing-groups HTTP/1.1\r\nHost: proforma\r\nContent-Type: application/json\r\n" +
		"Content-Length: 1000\r\n\r\n{", true},
	// --idle-timeout, from the answer to a complete request.
	{"idle keep-alive", "GET /_proforma/health HTTP/1.1\r\nHost: proforma\r\n\r\n", true},
}

// slowResult is how long one slow client stayed connected.
type slowResult struct {
	kind int
	// held runs from before the server's timeout starts (before connecting,
	// or before start is sent) to the server's close, as the client sees
	// it: never shorter than the server held the connection, however late
	// the client's goroutine runs (the server's clock can only start after).
	held time.Duration
	err  error // a failure of the client itself
}

// TestSlowClientsAreCutOff holds 1,000 slow connections against a server
// whose timeouts are all slowTimeout: each must be closed by the server
// after slowTimeout and within a margin, and health must keep answering
// 200 while they are open (all of them, unless opening them took nearly
// slowTimeout).
func TestSlowClientsAreCutOff(t *testing.T) {
	const clients = 1000
	p := startProforma(t, t.TempDir(), "--read-header-timeout", slowTimeout.String(), "--read-timeout", slowTimeout.String(),
		"--idle-timeout", slowTimeout.String(), "--write-timeout", slowTimeout.String())
	addr := strings.TrimPrefix(p.URL, "http://")
	results := make(chan slowResult, clients)
	var opened sync.WaitGroup
	var open atomic.Int32 // connections open, as the clients see them
	opened.Add(clients)
	begin := time.Now()
	for i := range clients {
		go func() { results <- slowClient(addr, i%len(slowKinds), opened.Done, &open) }()
	}
	opened.Wait()
	allOpen := time.Now()
	// No timeout ends before begin+slowTimeout.
	probes, fewest := probeHealth(t, p.URL, begin.Add(slowTimeout-100*time.Millisecond), &open)
	var held [3][]time.Duration
	for range clients {
		r := <-results
		if r.err != nil {
			t.Fatalf("%s client: %v", slowKinds[r.kind].name, r.err)
		}
		held[r.kind] = append(held[r.kind], r.held)
	}
	for kind, hs := range held {
		slices.Sort(hs)
		t.Logf("%d %s clients: closed by the server after %v (median %v, max %v)", len(hs), slowKinds[kind].name,
			hs[0].Round(time.Millisecond), hs[len(hs)/2].Round(time.Millisecond), hs[len(hs)-1].Round(time.Millisecond))
		if hs[0] < slowTimeout-50*time.Millisecond || hs[len(hs)-1] > slowTimeout+4*time.Second {
			t.Errorf("%s clients closed after %v to %v; want about %v", slowKinds[kind].name, hs[0], hs[len(hs)-1], slowTimeout)
		}
	}
	slices.Sort(probes)
	t.Logf("health with %d to %d slow connections open (all opened in %v): %d probes, median %v, max %v", fewest, clients,
		allOpen.Sub(begin).Round(time.Millisecond), len(probes), probes[len(probes)/2].Round(time.Microsecond),
		probes[len(probes)-1].Round(time.Microsecond))
	if fewest < clients/2 {
		t.Errorf("only %d slow connections were open during the health probes; want nearly %d", fewest, clients)
	}
}

// slowClient connects to addr, sends its kind's start and trickles a byte a
// second until the server closes the connection; opened is called once
// the connection is open (or failed), and open counts it while it is.
func slowClient(addr string, kind int, opened func(), open *atomic.Int32) slowResult {
	k := slowKinds[kind]
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		opened()
		return slowResult{kind: kind, err: err}
	}
	open.Add(1)
	defer open.Add(-1)
	opened()
	defer c.Close()
	if k.after { // before sending: the server reads start, then its timeout starts
		start = time.Now()
	}
	if _, err := io.WriteString(c, k.start); err != nil {
		return slowResult{kind: kind, err: err}
	}
	stop := make(chan struct{})
	defer close(stop)
	if !strings.HasSuffix(k.start, "\r\n\r\n") {
		go trickleBytes(c, stop)
	}
	c.SetReadDeadline(time.Now().Add(slowTimeout + 10*time.Second))
	return slowResult{kind: kind, held: readUntilClosed(c, start)}
}

// trickleBytes writes one byte a second to c until stop or an error.
func trickleBytes(c net.Conn, stop <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if _, err := c.Write([]byte("x")); err != nil {
			return
		}
	}
}

// readUntilClosed reads c until the server closes it (or the client's own
// deadline passes) and returns the time since start.
func readUntilClosed(c net.Conn, start time.Time) time.Duration {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return time.Since(start)
		}
	}
}

// probeHealth gets /_proforma/health on a new connection every 20 ms
// until the time until (once at least), failing the test on anything but
// 200, and returns the latencies and the fewest connections open at a probe.
func probeHealth(t *testing.T, base string, until time.Time, open *atomic.Int32) ([]time.Duration, int) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var latencies []time.Duration
	fewest := int(open.Load())
	for time.Now().Before(until) || len(latencies) == 0 {
		fewest = min(fewest, int(open.Load()))
		start := time.Now()
		resp, err := client.Get(base + "/_proforma/health")
		if err != nil {
			t.Fatalf("health with slow clients open: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health with slow clients open: %s", resp.Status)
		}
		latencies = append(latencies, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	return latencies, min(fewest, int(open.Load()))
}

// TestConnectionCapRefusesAtOnce fills --max-connections with kept-alive
// connections: the next one is answered 503 at once, and health answers
// 200 again as soon as one of them closes.
func TestConnectionCapRefusesAtOnce(t *testing.T) {
	const limit = 4
	p := startProforma(t, ":memory:", "--max-connections", fmt.Sprint(limit))
	http.DefaultTransport.(*http.Transport).CloseIdleConnections() // startProforma's health checks
	addr := strings.TrimPrefix(p.URL, "http://")
	held := make([]net.Conn, limit)
	for i := range held {
		held[i] = dialWithin(t, addr)
	}
	start := time.Now()
	status, body := getOnce(t, addr)
	took := time.Since(start)
	t.Logf("connection %d: %d in %v: %s", limit+1, status, took.Round(time.Microsecond), body)
	if status != http.StatusServiceUnavailable || took > 2*time.Second || !strings.Contains(body, fmt.Sprintf("limit of %d open", limit)) {
		t.Errorf("connection over the cap: %d in %v, %q; want 503 at once naming the limit", status, took, body)
	}
	resp, err := http.Get(p.URL + "/_proforma/health")
	if err != nil {
		t.Fatalf("an HTTP client over the cap: %v; want a 503 answer", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !resp.Close {
		t.Errorf("an HTTP client over the cap: %s, Retry-After %q, close %v; want 503, Retry-After, Connection: close",
			resp.Status, resp.Header.Get("Retry-After"), resp.Close)
	}
	held[0].Close()
	if status := waitStatus(t, addr, http.StatusOK); status != http.StatusOK {
		t.Errorf("health after a connection closed: %d; want 200", status)
	}
}

// dialWithin opens a kept-alive connection that got health 200, retrying
// for 5 seconds while the server still counts connections just closed.
func dialWithin(t *testing.T, addr string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		status, _ := rawGet(t, c)
		if status == http.StatusOK {
			return c
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("no room under the cap: %d", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
