package server

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Metrics are a server's Prometheus metrics, in a registry of their own:
// two servers in one process (tests) count apart. Every label value comes
// from a fixed set (operation names, statuses, error codes, route
// patterns), never from text of a request.
type Metrics struct {
	registry *prometheus.Registry

	requests    *prometheus.CounterVec   // by operation, status, error code
	latency     *prometheus.HistogramVec // by operation
	imports     *prometheus.CounterVec   // by source, outcome
	importLines prometheus.Counter
	importBytes prometheus.Counter
	importTime  prometheus.Histogram
	connections prometheus.Gauge
	refused     prometheus.Counter
}

// sizer is a store that can tell its size (the SQLite and PostgreSQL
// stores).
type sizer interface {
	Size(ctx context.Context) (int64, error)
}

// committer is a store that commits concurrent writes in groups and
// counts them (the SQLite and PostgreSQL stores).
type committer interface {
	CommitStats() (commits, updates int64)
}

// NewMetrics returns the metrics of a server over store and svc, with the
// Go runtime's and the process's.
func NewMetrics(store conductor.Store, svc *conductor.Service) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proforma_requests_total",
			Help: "Requests answered, by operation, HTTP status and AWS error code (empty on success).",
		}, []string{"operation", "status", "error_code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "proforma_request_duration_seconds",
			Help:    "Time from a request's headers to the end of its response, by operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"operation"}),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proforma_imports_total",
			Help: "Usage imports through the server, by source (upload or s3) and outcome (ok, rejected: the input's fault, failed).",
		}, []string{"source", "outcome"}),
		importLines: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proforma_import_lines_total", Help: "CUR lines read by successful imports.",
		}),
		importBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proforma_import_bytes_total", Help: "Bytes of CUR files read by imports, failed ones included.",
		}),
		importTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "proforma_import_duration_seconds",
			Help:    "Duration of usage imports, failed ones included.",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proforma_open_connections", Help: "Client connections open now.",
		}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proforma_refused_connections_total", Help: "Connections refused over --max-connections.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.imports, m.importLines, m.importBytes, m.importTime,
		m.connections, m.refused,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "proforma_write_conflict_retries_total",
			Help: "Write transactions retried after a conflict with another replica's.",
		}, func() float64 { return float64(svc.WriteConflictRetries()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s, ok := store.(sizer); ok {
		m.registry.MustRegister(storeSize{s})
	}
	if s, ok := store.(committer); ok {
		m.registry.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "proforma_store_commits_total",
				Help: "Durable commits of the store: concurrent writes share one (group commit).",
			}, func() float64 { commits, _ := s.CommitStats(); return float64(commits) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "proforma_store_committed_writes_total",
				Help: "Write transactions those commits made durable.",
			}, func() float64 { _, writes := s.CommitStats(); return float64(writes) }))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format (or another
// format the scraper asks for).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// observeRequest counts an answered request.
func (m *Metrics) observeRequest(operation string, status int, errorCode string, d time.Duration) {
	m.requests.WithLabelValues(operation, strconv.Itoa(status), errorCode).Inc()
	m.latency.WithLabelValues(operation).Observe(d.Seconds())
}

// observeImport counts an import of source; bytes are those read.
func (m *Metrics) observeImport(source, outcome string, lines, bytes int64, d time.Duration) {
	m.imports.WithLabelValues(source, outcome).Inc()
	m.importLines.Add(float64(lines))
	m.importBytes.Add(float64(bytes))
	m.importTime.Observe(d.Seconds())
}

// ConnState counts open connections; it is an http.Server's ConnState.
func (m *Metrics) ConnState(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		m.connections.Inc()
	case http.StateClosed, http.StateHijacked:
		m.connections.Dec()
	}
}

// Refused counts a connection refused over the connection cap.
func (m *Metrics) Refused() { m.refused.Inc() }

// storeSize collects the store's size at each scrape; a store that cannot
// tell it within a second is left out of that scrape.
type storeSize struct{ store sizer }

var storeSizeDesc = prometheus.NewDesc("proforma_store_size_bytes",
	"Size of the store: the SQLite database's pages, or the PostgreSQL database on disk.", nil, nil)

func (c storeSize) Describe(ch chan<- *prometheus.Desc) { ch <- storeSizeDesc }

func (c storeSize) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if n, err := c.store.Size(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(storeSizeDesc, prometheus.GaugeValue, float64(n))
	}
}
