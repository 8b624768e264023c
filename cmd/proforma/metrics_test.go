package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetrics scrapes /_proforma/metrics after calls that succeed and
// fail, an import and a rejected import, and reads the counters and the
// latency histogram of those operations with the Prometheus text parser.
func TestMetrics(t *testing.T) {
	p := startProforma(t, t.TempDir(), "--now", "2026-10-15")
	c := newClient(p.URL, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	for range 2 {
		if _, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("bad name!"), Scope: "GLOBAL",
		Type: "MARKUP", ModifierPercentage: aws.Float64(1)})
	if re := (*awshttp.ResponseError)(nil); !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Fatalf("a bad name: %v", err)
	}
	id := sts.New(sts.Options{BaseEndpoint: aws.String(p.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	if _, err := id.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(p.URL, url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("STS AssumeRole: %d, want 400", resp.StatusCode)
	}
	if status, _ := uploadString(t, p.URL, "october.csv", engineCUR, true); status != http.StatusOK {
		t.Fatalf("import: %d", status)
	}
	badRow := engineCUR[:strings.IndexByte(engineCUR, '\n')+1] + "x,INV-1,AWS,123456789012,not a date\n"
	if status, _ := uploadString(t, p.URL, "broken.csv", badRow, true); status != http.StatusBadRequest {
		t.Fatalf("a broken CUR: %d, want 400", status)
	}
	// Refused from its first bytes, before any import begins.
	if status, _ := uploadString(t, p.URL, "notes.csv", "just,some\ncolumns,here\n", true); status != http.StatusBadRequest {
		t.Fatalf("a CSV that is no CUR: %d, want 400", status)
	}
	resp, err = http.Get(p.URL + "/no/such/route?secret=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	m := scrape(t, p.URL)
	requests := []struct {
		labels map[string]string
		count  float64
	}{
		{map[string]string{"operation": "ListBillingGroups", "status": "200", "error_code": ""}, 2},
		{map[string]string{"operation": "CreatePricingRule", "status": "400", "error_code": "ValidationException"}, 1},
		{map[string]string{"operation": "GetCallerIdentity", "status": "200", "error_code": ""}, 1},
		{map[string]string{"operation": "unknown", "status": "400", "error_code": "InvalidAction"}, 1}, // STS: the code is in the body only
		{map[string]string{"operation": "POST /_proforma/usage", "status": "200", "error_code": ""}, 1},
		{map[string]string{"operation": "POST /_proforma/usage", "status": "400", "error_code": ""}, 2},
	}
	for _, want := range requests {
		if got := value(t, m, "proforma_requests_total", want.labels); got != want.count {
			t.Errorf("proforma_requests_total%v = %v, want %v", want.labels, got, want.count)
		}
	}
	for _, metric := range m["proforma_requests_total"].GetMetric() {
		for _, l := range metric.GetLabel() {
			if strings.Contains(l.GetValue(), "/no/such") || strings.Contains(l.GetValue(), "secret") {
				t.Errorf("a label carries text of a request: %v", metric.GetLabel())
			}
		}
	}

	h := find(t, m, "proforma_request_duration_seconds", map[string]string{"operation": "ListBillingGroups"}).GetHistogram()
	if h.GetSampleCount() != 2 || len(h.GetBucket()) < 10 || h.GetSampleSum() <= 0 {
		t.Errorf("ListBillingGroups latency: %d samples, %d buckets, sum %v", h.GetSampleCount(), len(h.GetBucket()), h.GetSampleSum())
	}
	for i, b := range h.GetBucket() {
		if i > 0 && b.GetCumulativeCount() < h.GetBucket()[i-1].GetCumulativeCount() {
			t.Errorf("buckets are not cumulative: %v", h.GetBucket())
		}
	}
	if top := h.GetBucket()[len(h.GetBucket())-1]; top.GetCumulativeCount() != 2 {
		t.Errorf("the top bucket (le %v) counts %d, want 2", top.GetUpperBound(), top.GetCumulativeCount())
	}
	find(t, m, "proforma_request_duration_seconds", map[string]string{"operation": "CreatePricingRule"})

	if got := value(t, m, "proforma_imports_total", map[string]string{"source": "upload", "outcome": "ok"}); got != 1 {
		t.Errorf("successful imports: %v", got)
	}
	if got := value(t, m, "proforma_imports_total", map[string]string{"source": "upload", "outcome": "rejected"}); got != 2 {
		t.Errorf("rejected imports: %v", got)
	}
	if got := value(t, m, "proforma_import_lines_total", nil); got != float64(strings.Count(engineCUR, "\n")-1) {
		t.Errorf("imported lines: %v", got)
	}
	if got := value(t, m, "proforma_import_bytes_total", nil); got < float64(len(engineCUR)) {
		t.Errorf("imported bytes: %v, want at least %d", got, len(engineCUR))
	}
	if n := find(t, m, "proforma_import_duration_seconds", nil).GetHistogram().GetSampleCount(); n != 3 {
		t.Errorf("import durations: %d, want 3", n)
	}
	if got := value(t, m, "proforma_store_size_bytes", nil); got < 4096 {
		t.Errorf("store size: %v", got)
	}
	if got := value(t, m, "proforma_open_connections", nil); got < 1 {
		t.Errorf("open connections: %v, want the scrape's at least", got)
	}
	commits, writes := value(t, m, "proforma_store_commits_total", nil), value(t, m, "proforma_store_committed_writes_total", nil)
	if commits < 1 || writes < commits {
		t.Errorf("store commits %v of %v writes", commits, writes)
	}
	if got := value(t, m, "proforma_write_conflict_retries_total", nil); got != 0 {
		t.Errorf("write-conflict retries on one server: %v", got)
	}
	logs := p.output.String()
	for _, want := range []string{
		`msg="import started" source=upload name=october.csv payer=""`,
		`msg="import finished" source=upload name=october.csv bytesRead=`,
		`payer=123456789012 lines=5 periods=2026-10`,
		`msg="import rejected" source=upload name=broken.csv`,
		`msg="import rejected" source=upload name=notes.csv status=400`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %s:\n%s", want, logs)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "proforma_refused_connections_total"} {
		if _, ok := m[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
}

// scrape reads the server's metrics with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/_proforma/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /_proforma/metrics: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// find returns the metric of the family whose labels include labels.
func find(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	for _, metric := range families[name].GetMetric() {
		have := map[string]string{}
		for _, l := range metric.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			match = match && have[k] == v
		}
		if match {
			return metric
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return nil
}

// value is the value of a counter or gauge.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	metric := find(t, families, name, labels)
	if c := metric.GetCounter(); c != nil {
		return c.GetValue()
	}
	return metric.GetGauge().GetValue()
}
