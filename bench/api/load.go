package main

// The load pattern shared by every server: N workers, each a closed loop of
// one request at a time, for a fixed duration (or until an operation budget
// is spent); every request's latency is kept for the percentiles.

import (
	"context"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proforma-dev/proforma/internal/harness"
)

// opFunc performs request number seq of a worker.
type opFunc func(ctx context.Context, worker, seq int) error

// phase is one measured workload of a server.
type phase struct {
	Name       string
	Operations string // what one request is, for the report
	// Prepare resets the server and creates what the phase needs.
	Prepare func(ctx context.Context, workers int) error
	Op      opFunc
	// Expected reports an error the workload can legitimately get (counted
	// separately, e.g. a service quota).
	Expected func(error) bool
	// MaxOps bounds the requests of one run (0: unbounded), e.g. to stay
	// under a service quota.
	MaxOps int64
}

// phaseResult is the measurement of one phase at one worker count.
type phaseResult struct {
	Phase          string   `json:"phase"`
	Operations     string   `json:"operations"`
	Workers        int      `json:"workers"`
	OK             int64    `json:"ok"`
	Errors         int64    `json:"errors"`
	ExpectedErrors int64    `json:"expected_errors"`
	ErrorSamples   []string `json:"error_samples,omitempty"`
	ElapsedS       float64  `json:"elapsed_s"`
	RPS            float64  `json:"requests_per_s"` // successful requests per second
	P50Ms          float64  `json:"p50_ms"`
	P90Ms          float64  `json:"p90_ms"`
	P99Ms          float64  `json:"p99_ms"`
	MaxMs          float64  `json:"max_ms"`
	// RPSByQuarter is the successful requests/s in each quarter of the run:
	// a falling trend means requests get slower as the run adds state.
	RPSByQuarter []float64 `json:"requests_per_s_by_quarter"`
	Capped       bool      `json:"capped,omitempty"` // ended by MaxOps before the duration
	LoadAvg      float64   `json:"loadavg_1m_after"` // /proc/loadavg when the run ended
	// OtherCPU is the share of the machine's CPU capacity (percent) used by
	// processes other than the benchmark and the server during the run.
	OtherCPU      float64 `json:"other_cpu_percent"`
	ReqBodyBytes  float64 `json:"request_body_bytes_avg"`
	RespBodyBytes float64 `json:"response_body_bytes_avg"`
}

// run measures the phase with the given workers for dur.
func (ph phase) run(ctx context.Context, workers int, dur time.Duration, meter *meter) phaseResult {
	meter.reset()
	res := phaseResult{Phase: ph.Name, Operations: ph.Operations, Workers: workers}
	var (
		issued  atomic.Int64
		capped  atomic.Bool
		mu      sync.Mutex
		all     []time.Duration
		ends    []time.Duration // completion times of the successful requests, since t0
		samples = map[string]bool{}
		wg      sync.WaitGroup
	)
	begin := make(chan struct{})
	var t0 time.Time
	var last atomic.Int64 // end of the last request, ns since t0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			done := make([]time.Duration, 0, 4096)
			var ok, errs, expected int64
			var errSamples []string
			<-begin
			for seq := 0; ctx.Err() == nil && time.Since(t0) < dur; seq++ {
				if ph.MaxOps > 0 && issued.Add(1) > ph.MaxOps {
					capped.Store(true)
					break
				}
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				s := time.Now()
				err := ph.Op(rctx, w, seq)
				d := time.Since(s)
				cancel()
				end := int64(time.Since(t0))
				for {
					old := last.Load()
					if end <= old || last.CompareAndSwap(old, end) {
						break
					}
				}
				switch {
				case err == nil:
					ok++
					lat = append(lat, d)
					done = append(done, time.Duration(end))
				case ph.Expected != nil && ph.Expected(err):
					expected++
				default:
					errs++
					if len(errSamples) < 3 {
						errSamples = append(errSamples, err.Error())
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			ends = append(ends, done...)
			res.OK += ok
			res.Errors += errs
			res.ExpectedErrors += expected
			for _, e := range errSamples {
				samples[e] = true
			}
			mu.Unlock()
		}()
	}
	t0 = time.Now()
	close(begin)
	wg.Wait()
	elapsed := time.Duration(last.Load())
	res.ElapsedS = elapsed.Seconds()
	if elapsed > 0 {
		res.RPS = float64(res.OK) / elapsed.Seconds()
	}
	res.Capped = capped.Load()
	if elapsed > 0 {
		var n [4]int
		for _, e := range ends {
			n[min(int(4*e/elapsed), 3)]++
		}
		for _, c := range n {
			res.RPSByQuarter = append(res.RPSByQuarter, math.Round(float64(c)/(elapsed.Seconds()/4)))
		}
	}
	slices.Sort(all)
	res.P50Ms, res.P90Ms, res.P99Ms = ms(pct(all, 0.50)), ms(pct(all, 0.90)), ms(pct(all, 0.99))
	if len(all) > 0 {
		res.MaxMs = ms(all[len(all)-1])
	}
	for e := range samples {
		if len(res.ErrorSamples) < 5 {
			res.ErrorSamples = append(res.ErrorSamples, e)
		}
	}
	slices.Sort(res.ErrorSamples)
	res.ReqBodyBytes, res.RespBodyBytes = meter.averages()
	return res
}

// warm runs the phase briefly without measuring it.
func (ph phase) warm(ctx context.Context, workers int, dur time.Duration) {
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; ctx.Err() == nil && time.Now().Before(deadline); seq++ {
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				ph.Op(rctx, w, seq)
				cancel()
			}
		}()
	}
	wg.Wait()
}

func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// meter counts request and response body bytes of a client.
type meter struct {
	reqBytes, respBytes, n atomic.Int64
}

func (m *meter) reset() { m.reqBytes.Store(0); m.respBytes.Store(0); m.n.Store(0) }

func (m *meter) averages() (req, resp float64) {
	n := m.n.Load()
	if n == 0 {
		return 0, 0
	}
	return float64(m.reqBytes.Load()) / float64(n), float64(m.respBytes.Load()) / float64(n)
}

// newHTTPClient returns a client over loopback keeping enough idle
// connections for every worker, recording body sizes in m.
func newHTTPClient(m *meter, readOnly bool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	var rt http.RoundTripper = tr
	if readOnly {
		rt = harness.ReadOnlyBodies{Base: rt} // the SDK clients' workaround, see harness
	}
	return &http.Client{Transport: metered{rt, m}}
}

// metered records the sizes of request and response bodies.
type metered struct {
	base http.RoundTripper
	m    *meter
}

func (t metered) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		t.m.n.Add(1)
		if req.ContentLength > 0 {
			t.m.reqBytes.Add(req.ContentLength)
		}
		if resp.ContentLength > 0 {
			t.m.respBytes.Add(resp.ContentLength)
		}
	}
	return resp, err
}
