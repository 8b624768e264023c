package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/proforma-dev/proforma/internal/delivery/s3test"
)

// olderCUR is engineCUR as an earlier version of the month reported it:
// twice the EC2 usage of account 100000000001. Imported instead of
// engineCUR, the group's AWS cost would be 1.508; imported with it, 2.912.
var olderCUR = strings.Replace(engineCUR, ",10,USD,0.0104,0.104,0.104,Amazon Elastic Compute Cloud,0.104,0.0104",
	",20,USD,0.0104,0.208,0.208,Amazon Elastic Compute Cloud,0.208,0.0104", 1)

// cur2 is a CUR in CUR 2.0 (Data Exports) column names.
func cur2(legacy string) string {
	header, rest, _ := strings.Cut(legacy, "\n")
	names := map[string]string{"identity/LineItemId": "identity_line_item_id", "bill/InvoiceId": "bill_invoice_id",
		"bill/BillingEntity": "bill_billing_entity", "bill/PayerAccountId": "bill_payer_account_id",
		"bill/BillingPeriodStartDate": "bill_billing_period_start_date", "lineItem/UsageAccountId": "line_item_usage_account_id",
		"lineItem/LineItemType": "line_item_line_item_type", "lineItem/ProductCode": "line_item_product_code",
		"lineItem/UsageType": "line_item_usage_type", "lineItem/Operation": "line_item_operation",
		"lineItem/UsageAmount": "line_item_usage_amount", "lineItem/CurrencyCode": "line_item_currency_code",
		"lineItem/UnblendedRate": "line_item_unblended_rate", "lineItem/UnblendedCost": "line_item_unblended_cost",
		"lineItem/BlendedCost": "line_item_blended_cost", "product/ProductName": "product_product_name",
		"pricing/publicOnDemandCost": "pricing_public_on_demand_cost", "pricing/publicOnDemandRate": "pricing_public_on_demand_rate"}
	cols := strings.Split(header, ",")
	for i, c := range cols {
		cols[i] = names[c]
	}
	return strings.Join(cols, ",") + "\n" + rest
}

// inSeptember moves a CUR of October 2026 to September.
func inSeptember(cur string) string {
	return strings.ReplaceAll(cur, "2026-10-01T00:00:00Z", "2026-09-01T00:00:00Z")
}

// writeGzip writes text gzip-compressed, as AWS delivers CUR files.
func writeGzip(t *testing.T, path, text string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(text))
	zw.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// legacyAssembly writes one assembly of a legacy CUR report's month under
// root (the bucket's "reports" prefix) and, when current, the period
// manifest naming it.
func legacyAssembly(t *testing.T, root, period, assembly, text string, current bool) {
	t.Helper()
	key := fmt.Sprintf("reports/payer-cur/%s/%s/payer-cur-1.csv.gz", period, assembly)
	writeGzip(t, filepath.Join(root, key), text)
	if current {
		start, end, _ := strings.Cut(period, "-")
		manifest := fmt.Sprintf(`{"assemblyId":%q,"account":"123456789012","reportName":"payer-cur","bucket":"billing",`+
			`"billingPeriod":{"start":"%sT000000.000Z","end":"%sT000000.000Z"},"compression":"GZIP","contentType":"text/csv",`+
			`"reportKeys":[%q]}`, assembly, start, end, key)
		writeFile(t, filepath.Join(root, "reports/payer-cur", period, "payer-cur-Manifest.json"), manifest)
	}
}

// exportsExecution writes one execution of a Data Exports month under
// root and, when current, the month's manifest naming it.
func exportsExecution(t *testing.T, root, month, execution, text string, current bool) {
	t.Helper()
	key := fmt.Sprintf("exports/payer-cur2/data/BILLING_PERIOD=%s/%s-16T00:00:00.000Z-%s/payer-cur2-00001.csv.gz", month, month, execution)
	writeGzip(t, filepath.Join(root, key), cur2(text))
	if current {
		manifest := fmt.Sprintf(`{"executionId":%q,"exportArn":"arn:aws:bcm-data-exports:us-east-1:123456789012:export/payer-cur2-1a2b",`+
			`"columns":[],"dataFiles":["s3://billing/%s"]}`, execution, key)
		dir := filepath.Join(root, "exports/payer-cur2/metadata/BILLING_PERIOD="+month)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "payer-cur2-Manifest.json"), manifest)
	}
}

// groupAWSCost prices the "resold" group (createMarkupGroup) over the
// usage imported into data and returns its AWS and pro forma costs for
// October 2026.
func groupAWSCost(t *testing.T, data string) (awsCost, proforma string) {
	t.Helper()
	p := startProforma(t, data, "--now", "2026-10-15")
	defer p.Stop()
	return resoldCosts(t, p.URL)
}

// resoldCosts creates the "resold" group on the server at url and returns
// its AWS and pro forma costs for the server's period.
func resoldCosts(t *testing.T, url string) (awsCost, proforma string) {
	t.Helper()
	arn := createMarkupGroup(t, url)
	ctx, cancel := callCtx()
	defer cancel()
	got, err := newClient(url, "123456789012").GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	r := got.BillingGroupCostReportResults[0]
	return *r.AWSCost, *r.ProformaCost
}

// TestImportTakesTheManifestsVersions imports a legacy CUR report folder
// and a Data Exports folder that each keep two versions of October 2026:
// only the versions the manifests name count, the command says what it
// took and left, and the report equals the newer version's totals.
func TestImportTakesTheManifestsVersions(t *testing.T) {
	for _, layout := range []struct {
		name, dir, says string
		write           func(t *testing.T, root, month, version, text string, current bool)
	}{
		{"legacy CUR", "reports", "CUR manifest", func(t *testing.T, root, month, version, text string, current bool) {
			legacyAssembly(t, root, "20261001-20261101", version, text, current)
		}},
		{"Data Exports", "exports", "Data Exports manifest", exportsExecution},
	} {
		t.Run(layout.name, func(t *testing.T) {
			root, data := t.TempDir(), t.TempDir()
			layout.write(t, root, "2026-10", "aaaa-older", olderCUR, false)
			layout.write(t, root, "2026-10", "bbbb-newer", engineCUR, true)
			out := runProforma(t, "import", "--data", data, filepath.Join(root, layout.dir))
			for _, want := range []string{layout.says, "bbbb-newer: took 1 file, left 1 file of other versions",
				"billing period 2026-10 of payer 123456789012: 5 lines"} {
				if !strings.Contains(out, want) {
					t.Errorf("import output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "aaaa-older/") {
				t.Errorf("the older version was read:\n%s", out)
			}
			if aws, proforma := groupAWSCost(t, data); aws != "1.404" || proforma != "7.6444" {
				t.Errorf("cost report = aws %s, pro forma %s; want the newer version's 1.404 and 7.6444", aws, proforma)
			}
		})
	}
}

// TestImportAgainSkipsUnchangedPeriods imports a two-month legacy report
// twice: the second import reads nothing; after October is restated (a
// new assembly and manifest), only October is imported again.
func TestImportAgainSkipsUnchangedPeriods(t *testing.T) {
	root, data := t.TempDir(), t.TempDir()
	legacyAssembly(t, root, "20260901-20261001", "sep-1", inSeptember(engineCUR), true)
	legacyAssembly(t, root, "20261001-20261101", "oct-1", olderCUR, true)
	out := runProforma(t, "import", "--data", data, root)
	if strings.Count(out, "took 1 file") != 2 {
		t.Fatalf("first import:\n%s", out)
	}

	out = runProforma(t, "import", "--data", data, root)
	if strings.Count(out, "unchanged, not read again") != 2 || strings.Contains("\n"+out, "\nread ") {
		t.Errorf("second import of an unchanged source:\n%s", out)
	}

	legacyAssembly(t, root, "20261001-20261101", "oct-2", engineCUR, true)
	out = runProforma(t, "import", "--data", data, root)
	for _, want := range []string{"names assembly sep-1, as at the last import: unchanged",
		"names assembly oct-2: took 1 file, left 1 file of other versions", "billing period 2026-10 of payer 123456789012: 5 lines"} {
		if !strings.Contains(out, want) {
			t.Errorf("import after October's restatement lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "billing period 2026-09 of payer") {
		t.Errorf("September was imported again:\n%s", out)
	}
	if aws, _ := groupAWSCost(t, data); aws != "1.404" {
		t.Errorf("October's AWS cost after the restatement = %s, want 1.404", aws)
	}
}

// TestImportFromS3 uploads the same deliveries to a real S3 protocol
// server (moto) and imports them through s3://: the same versions, the
// same totals, and an unchanged second import.
func TestImportFromS3(t *testing.T) {
	endpoint := s3test.Start(t)
	s3test.Setenv(t, endpoint)
	root, data := t.TempDir(), t.TempDir()
	legacyAssembly(t, root, "20261001-20261101", "aaaa-older", olderCUR, false)
	legacyAssembly(t, root, "20261001-20261101", "bbbb-newer", engineCUR, true)
	exportsExecution(t, root, "2026-09", "cccc-older", inSeptember(olderCUR), false)
	exportsExecution(t, root, "2026-09", "dddd-newer", inSeptember(engineCUR), true)
	s3test.Upload(t, endpoint, "billing", root, "")

	out := runProforma(t, "import", "--data", data, "s3://billing/reports", "s3://billing/exports/")
	for _, want := range []string{"names assembly bbbb-newer: took 1 file, left 1 file of other versions",
		"names execution dddd-newer: took 1 file, left 1 file of other versions",
		"read s3://billing/reports/payer-cur/20261001-20261101/bbbb-newer/payer-cur-1.csv.gz",
		"billing period 2026-09 of payer 123456789012: 5 lines", "billing period 2026-10 of payer 123456789012: 5 lines"} {
		if !strings.Contains(out, want) {
			t.Errorf("import from S3 lacks %q:\n%s", want, out)
		}
	}
	out = runProforma(t, "import", "--data", data, "s3://billing/reports", "s3://billing/exports/")
	if strings.Count(out, "unchanged, not read again") != 2 || strings.Contains("\n"+out, "\nread ") {
		t.Errorf("second import from S3:\n%s", out)
	}
	if aws, proforma := groupAWSCost(t, data); aws != "1.404" || proforma != "7.6444" {
		t.Errorf("cost report = aws %s, pro forma %s; want the newer version's 1.404 and 7.6444", aws, proforma)
	}
}

// TestServerImportsFromS3 has a running server import a delivery from S3
// (POST /_proforma/usage?source=s3://…, no body): the manifest's version is
// taken, a second call finds it unchanged, and a local path is refused.
func TestServerImportsFromS3(t *testing.T) {
	endpoint := s3test.Start(t)
	s3test.Setenv(t, endpoint) // the server inherits the S3 endpoint and credentials
	root := t.TempDir()
	legacyAssembly(t, root, "20261001-20261101", "aaaa-older", olderCUR, false)
	legacyAssembly(t, root, "20261001-20261101", "bbbb-newer", engineCUR, true)
	s3test.Upload(t, endpoint, "billing", root, "")
	p := startProforma(t, t.TempDir(), "--now", "2026-10-15")

	importFrom := func(source string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(p.URL+"/_proforma/usage?payer=123456789012&source="+url.QueryEscape(source), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	manifest := func(body map[string]any) map[string]any {
		t.Helper()
		m, _ := body["manifests"].([]any)
		if len(m) != 1 {
			t.Fatalf("manifests = %v", body["manifests"])
		}
		return m[0].(map[string]any)
	}

	status, body := importFrom("s3://billing/reports")
	if m := manifest(body); status != http.StatusOK || m["version"] != "bbbb-newer" || m["files"] != 1.0 || m["left"] != 1.0 ||
		m["unchanged"] != false || len(body["files"].([]any)) != 1 {
		t.Fatalf("first import = %d %v", status, body)
	}
	status, body = importFrom("s3://billing/reports")
	if m := manifest(body); status != http.StatusOK || m["unchanged"] != true || len(body["files"].([]any)) != 0 {
		t.Errorf("second import = %d %v", status, body)
	}
	if aws, proforma := resoldCosts(t, p.URL); aws != "1.404" || proforma != "7.6444" {
		t.Errorf("cost report = aws %s, pro forma %s; want the newer version's 1.404 and 7.6444", aws, proforma)
	}
	if status, body := importFrom(root); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["error"]), "only s3://") {
		t.Errorf("import of a server path = %d %v, want 400", status, body)
	}
}
