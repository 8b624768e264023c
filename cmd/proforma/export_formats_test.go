package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/shopspring/decimal"

	"github.com/proforma-dev/proforma/internal/cur/curtest"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/usage"
)

// exportResponse is an answer of GET /_proforma/export.
type exportResponse struct {
	status                          int
	contentType, disposition, error string
	body                            []byte
}

// getExport calls GET /_proforma/export?query, signed with key and
// secret unless key is "".
func getExport(t *testing.T, base, query, key, secret string) exportResponse {
	t.Helper()
	req, err := harness.AdminCall{Method: "GET", URL: base + "/_proforma/export?" + query, Key: key, Secret: secret}.Request(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return exportResponse{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"),
		resp.Header.Get("X-Amzn-ErrorType"), body}
}

// parquetColumn reads one column of a Parquet export, decoding that
// column only: the file's column names and the column's values as text —
// decimals exact, null as "<null>" (curtest.ParquetCell.String).
func parquetColumn(t *testing.T, data []byte, name string) ([]string, []string) {
	t.Helper()
	var values []string
	names := curtest.ScanParquet(t, data, []string{name}, func(_ string, _ int, c curtest.ParquetCell) {
		values = append(values, c.String())
	})
	return names, values
}

// sumOf sums decimal texts exactly.
func sumOf(t *testing.T, values []string) decimal.Decimal {
	t.Helper()
	total := decimal.Zero
	for _, v := range values {
		total = total.Add(decimal.RequireFromString(v))
	}
	return total
}

// proformaCost is the group's ProformaCost for October 2026 from the API.
func proformaCost(t *testing.T, base, key, arn string) string {
	t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	out, err := newClient(base, key).GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &arn,
		BillingPeriodRange: &types.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String("2026-10"),
			ExclusiveEndBillingPeriod: aws.String("2026-11")}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.BillingGroupCostReportResults[0].ProformaCost)
}

// TestExportEndpoint exports engineCUR's group "resold" (ProformaCost
// 7.6444: two priced lines and a flat fee) from a permissive server in
// each format, and checks the endpoint's errors.
func TestExportEndpoint(t *testing.T) {
	p := startProforma(t, t.TempDir(), "--now", "2026-10-15")
	file := filepath.Join(t.TempDir(), "october.csv")
	if err := os.WriteFile(file, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, out := importAdmin(t, p.URL, file, ""); status != http.StatusOK {
		t.Fatalf("import: %d %v", status, out)
	}
	arn := createMarkupGroup(t, p.URL)
	want := proformaCost(t, p.URL, "123456789012", arn)
	if want != "7.6444" {
		t.Fatalf("ProformaCost %s, want 7.6444", want)
	}
	for _, tt := range []struct{ format, column, contentType, file string }{
		{"", "lineItem/UnblendedCost", "text/csv; charset=utf-8", "resold-2026-10.csv"},
		{"parquet", "line_item_unblended_cost", "application/vnd.apache.parquet", "resold-2026-10.parquet"},
		{"focus", "BilledCost", "application/vnd.apache.parquet", "resold-2026-10.focus.parquet"},
	} {
		r := getExport(t, p.URL, "billingGroup=resold&period=2026-10&format="+tt.format, "", "")
		if r.status != http.StatusOK || r.contentType != tt.contentType || r.disposition != `attachment; filename=`+tt.file {
			t.Errorf("format %q: %d %q %q, want 200 %q attachment %s\n%s", tt.format, r.status, r.contentType, r.disposition,
				tt.contentType, tt.file, r.body)
			continue
		}
		var costs []string
		if tt.format == "" {
			costs = csvColumn(t, r.body, tt.column)
		} else {
			_, costs = parquetColumn(t, r.body, tt.column)
		}
		if got := sumOf(t, costs); got.String() != want {
			t.Errorf("format %q: %s sums to %s, want ProformaCost %s", tt.format, tt.column, got, want)
		}
	}

	ctx, cancel := callCtx()
	defer cancel()
	other := newClient(p.URL, "210987654321")
	plan, err := other.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("basic")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreateBillingGroup(ctx, groupOf("idle", "200000000001", *plan.Arn)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, query string
		status      int
		code        string
	}{
		{"unknown format", "billingGroup=resold&period=2026-10&format=xlsx", 400, "ValidationException"},
		{"no group given", "period=2026-10", 400, "ValidationException"},
		{"bad period", "billingGroup=resold&period=October", 400, "ValidationException"},
		{"unknown group", "billingGroup=nope&period=2026-10", 404, "ResourceNotFoundException"},
		{"a group of a payer without usage", "billingGroup=idle&period=2026-10&payer=210987654321", 404, "ResourceNotFoundException"},
		{"a linked account", "billingGroup=resold&period=2026-10&payer=100000000001", 403, "AccessDeniedException"},
	} {
		r := getExport(t, p.URL, tt.query, "", "")
		var body struct {
			Type           string `json:"__type"`
			Message, Error string
		}
		if err := json.Unmarshal(r.body, &body); err != nil || r.status != tt.status || r.error != tt.code || body.Type != tt.code ||
			body.Message == "" || body.Error != body.Message {
			t.Errorf("%s: %d %s %s, want %d %s", tt.name, r.status, r.error, r.body, tt.status, tt.code)
		}
		if tt.name == "unknown format" && !strings.Contains(body.Message, "csv, parquet, focus") {
			t.Errorf("unknown format: message %q does not name the choices", body.Message)
		}
	}
	// The payer of a 12-digit access key, as the API decides it.
	if r := getExport(t, p.URL, "billingGroup=idle&period=2026-10", "210987654321", "x"); r.status != http.StatusNotFound ||
		!strings.Contains(string(r.body), "210987654321") {
		t.Errorf("export by payer 210987654321's key: %d %s, want 404 for its period without usage", r.status, r.body)
	}
}

func csvColumn(t *testing.T, data []byte, name string) []string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestStrictExportEndpoint: in strict mode the export requires a
// signature, a payer exports its own groups only, an admin any payer's.
func TestStrictExportEndpoint(t *testing.T) {
	p := startProforma(t, t.TempDir(), "--auth", "strict", "--org", writeOrg(t, strictOrg), "--now", "2026-10-15")
	upload := adminRequest{method: "POST", path: "/_proforma/usage?name=october.csv", body: engineCUR,
		key: "123456789012", secret: "proforma-test-secret", declare: true}
	if status, _, body := upload.send(t, p.URL); status != http.StatusOK {
		t.Fatalf("signed upload: %d %s", status, body)
	}
	createMarkupGroup(t, p.URL)
	const q = "billingGroup=resold&period=2026-10&format=parquet"
	for _, tt := range []struct {
		name, query, key, secret string
		status                   int
		code                     string
	}{
		{"unsigned", q, "", "", 403, "MissingAuthenticationTokenException"},
		{"wrong secret", q, "123456789012", "wrong", 403, "InvalidSignatureException"},
		{"another payer's group", q + "&payer=123456789012", "210987654321", "proforma-test-secret", 403, "AccessDeniedException"},
		{"another payer, its own", q, "210987654321", "proforma-test-secret", 404, "ResourceNotFoundException"},
		{"the payer", q, "123456789012", "proforma-test-secret", 200, ""},
		{"the admin", q + "&payer=123456789012", "AKIAOPS", "ops-secret", 200, ""},
	} {
		r := getExport(t, p.URL, tt.query, tt.key, tt.secret)
		if r.status != tt.status || r.error != tt.code {
			t.Errorf("%s: %d %s %.200s, want %d %s", tt.name, r.status, r.error, r.body, tt.status, tt.code)
			continue
		}
		if tt.status == 200 {
			if _, costs := parquetColumn(t, r.body, "line_item_unblended_cost"); sumOf(t, costs).String() != "7.6444" {
				t.Errorf("%s: costs %v, want a sum of 7.6444", tt.name, costs)
			}
		}
	}
}

// TestExportCommandFormats: `proforma export --format` writes each format
// and says which on its closing line; an unknown format is a usage error
// naming the choices.
func TestExportCommandFormats(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "october.csv")
	if err := os.WriteFile(file, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, file)
	p := startProforma(t, data, "--now", "2026-10-15")
	createMarkupGroup(t, p.URL)
	p.Stop()
	for _, tt := range []struct{ format, column, said string }{
		{"parquet", "line_item_unblended_cost", "legacy CUR (snake_case) Parquet"},
		{"focus", "BilledCost", "FOCUS 1.2 Parquet"},
	} {
		out := filepath.Join(dir, "resold."+tt.format)
		stderr := runProformaStderr(t, "export", "--data", data, "--billing-group", "resold", "--format", tt.format, "--out", out)
		if !strings.Contains(stderr, "2 lines and 1 custom line item, "+tt.said) {
			t.Errorf("--format %s: stderr %q, want it to say %q", tt.format, stderr, tt.said)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		names, costs := parquetColumn(t, b, tt.column)
		if got := sumOf(t, costs); got.String() != "7.6444" {
			t.Errorf("--format %s: %s sums to %s, want 7.6444", tt.format, tt.column, got)
		}
		if tt.format == "focus" {
			for _, c := range usage.FOCUSMandatory {
				if !slices.Contains(names, c) {
					t.Errorf("FOCUS column %s missing", c)
				}
			}
		}
	}
	cmd := exec.Command(proformaBinary(t), "export", "--data", data, "--billing-group", "resold", "--format", "xlsx")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), `unknown export format "xlsx": want csv, parquet, focus`) ||
		!strings.Contains(stderr.String(), "-format FORMAT") {
		t.Errorf("--format xlsx: %v\n%s", err, stderr.String())
	}
}

// runProformaStderr runs a proforma command that must succeed and returns
// its standard error.
func runProformaStderr(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(proformaBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("proforma %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String()
}
