package delivery

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

const (
	curCSV   = "identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/UnblendedCost\nx,123456789012,123456789012,1.5\n"
	focusCSV = "BilledCost,ChargeCategory,BillingAccountId\n1,Usage,123456789012\n"
	otherCSV = "name,colour\nsky,blue\n"
)

// tree writes files (slash-separated path → content) under dir.
func tree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonOf marshals v for a manifest fixture.
func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// legacyManifest is a legacy CUR manifest naming keys in bucket "cur-bucket".
func legacyManifest(t testing.TB, assembly string, keys ...string) string {
	return jsonOf(t, map[string]any{
		"assemblyId":             assembly,
		"account":                "123456789012",
		"columns":                []map[string]string{{"category": "identity", "name": "LineItemId", "type": "String"}},
		"charset":                "UTF-8",
		"compression":            "GZIP",
		"contentType":            "text/csv",
		"reportId":               "abc",
		"reportName":             "report",
		"billingPeriod":          map[string]string{"start": "20181101T000000.000Z", "end": "20181201T000000.000Z"},
		"bucket":                 "cur-bucket",
		"reportKeys":             keys,
		"additionalArtifactKeys": []any{},
	})
}

// exportsManifest is a Data Exports manifest naming s3:// URIs.
func exportsManifest(t testing.TB, execution string, uris ...string) string {
	return jsonOf(t, map[string]any{
		"executionId":   execution,
		"exportArn":     "arn:aws:bcm-data-exports:us-east-1:210987654321:export/daily-abc",
		"columns":       []map[string]string{{"name": "line_item_unblended_cost", "type": "double"}},
		"dataFiles":     uris,
		"billingPeriod": map[string]string{"start": "2024-01-01", "end": "2024-02-01"},
	})
}

const (
	period  = "prefix/report/20181101-20181201"
	asmOld  = "11111111-aaaa"
	asmNew  = "22222222-bbbb"
	expData = "exp/daily/data/BILLING_PERIOD=2024-01"
	expMeta = "exp/daily/metadata/BILLING_PERIOD=2024-01"
	execOld = "2024-01-10T01:00:00.000Z-e1"
	execNew = "2024-01-11T01:00:00.000Z-e2"
)

// legacyTree is a legacy report with two assemblies of November 2018
// (the newer one in two files), the period manifest naming the newer,
// and a copy of each assembly's manifest in its folder.
func legacyTree(t testing.TB) map[string]string {
	oldKey := period + "/" + asmOld + "/report-1.csv.gz"
	newKeys := []string{period + "/" + asmNew + "/report-1.csv", period + "/" + asmNew + "/report-2.csv"}
	return map[string]string{
		period + "/" + asmOld + "/report-1.csv.gz":      "old",
		period + "/" + asmOld + "/report-Manifest.json": legacyManifest(t, asmOld, oldKey),
		period + "/" + asmNew + "/report-1.csv":         curCSV,
		period + "/" + asmNew + "/report-2.csv":         curCSV + "y,123456789012,123456789012,2\n",
		period + "/" + asmNew + "/report-Manifest.json": legacyManifest(t, asmNew, newKeys...),
		period + "/report-Manifest.json":                legacyManifest(t, asmNew, newKeys...),
	}
}

// exportsTree is a Data Exports export with two executions of January
// 2024 and the metadata manifest naming the newer.
func exportsTree(t testing.TB) map[string]string {
	uri := "s3://exports-bucket/" + expData + "/" + execNew + "/daily-00001.csv.gz"
	return map[string]string{
		expData + "/" + execOld + "/daily-00001.csv.gz": "old",
		expData + "/" + execNew + "/daily-00001.csv.gz": "new",
		expMeta + "/daily-Manifest.json":                exportsManifest(t, "e2", uri),
	}
}

func resolveLocal(t testing.TB, arg string) *Plan {
	t.Helper()
	ctx := context.Background()
	s, err := OpenSource(ctx, arg)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Resolve(ctx, s)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", arg, err)
	}
	return plan
}
