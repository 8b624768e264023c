package delivery

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestManifestPlace(t *testing.T) {
	tests := []struct {
		key  string
		want place
		ok   bool
	}{
		{"p/r/20181101-20181201/r-Manifest.json", place{KindCUR, "2018-11", "p/r/20181101-20181201", false}, true},
		{"p/r/20181101-20181201/asm/r-Manifest.json", place{KindCUR, "2018-11", "p/r/20181101-20181201", true}, true},
		{"20181101-20181201/r-Manifest.json", place{KindCUR, "2018-11", "20181101-20181201", false}, true},
		{"/abs/r/20181201-20190101/r-Manifest.json", place{KindCUR, "2018-12", "/abs/r/20181201-20190101", false}, true},
		{"p/e/metadata/BILLING_PERIOD=2024-01/e-Manifest.json", place{KindExports, "2024-01", "p/e/data/BILLING_PERIOD=2024-01", false}, true},
		{"p/e/metadata/BILLING_PERIOD=2024-01/x-y/e-Manifest.json", place{KindExports, "2024-01", "p/e/data/BILLING_PERIOD=2024-01", true}, true},
		{"metadata/BILLING_PERIOD=2024-12/e-Manifest.json", place{KindExports, "2024-12", "data/BILLING_PERIOD=2024-12", false}, true},
		{"p/r/20181101-20181201/a/b/r-Manifest.json", place{}, false},           // too deep
		{"p/e/data/BILLING_PERIOD=2024-01/e-Manifest.json", place{}, false},     // not under metadata/
		{"p/e/metadata/BILLING_PERIOD=2024-13/e-Manifest.json", place{}, false}, // no such month
		{"p/e/metadata/BILLING_PERIOD=24-01/e-Manifest.json", place{}, false},
		{"p/r/2018110-20181201/r-Manifest.json", place{}, false},
		{"p/r/2018110x-20181201/r-Manifest.json", place{}, false},
		{"e-Manifest.json", place{}, false},
		{"", place{}, false},
	}
	for _, tt := range tests {
		got, ok := manifestPlace(tt.key)
		if ok != tt.ok || got != tt.want {
			t.Errorf("manifestPlace(%q) = %+v, %v; want %+v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPeriodTail(t *testing.T) {
	tests := []struct{ key, tail string }{
		{"p/r/20181101-20181201/asm/r-1.csv.gz", "20181101-20181201/asm/r-1.csv.gz"},
		{"p/r/20181101-20181201/r-1.csv.gz", "20181101-20181201/r-1.csv.gz"},
		{"p/e/data/BILLING_PERIOD=2024-01/x/e-00001.parquet", "BILLING_PERIOD=2024-01/x/e-00001.parquet"},
		{"p/e/data/BILLING_PERIOD=2024-01/e-00001.parquet", "BILLING_PERIOD=2024-01/e-00001.parquet"},
		{"p/e/other/BILLING_PERIOD=2024-01/e-00001.parquet", ""},
		{"p/r/20181101-20181201/a/b/r-1.csv", ""},
		{"r-1.csv", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tailOf(tt.key); got != tt.tail {
			t.Errorf("tailOf(%q) = %q, want %q", tt.key, got, tt.tail)
		}
	}
}

func TestS3Under(t *testing.T) {
	keys := []string{"cur", "cur/a.csv", "cur/.hidden/a.csv", "cur/x/.a.csv", "cur/dir/", "cur-old/a.csv", "other/a.csv"}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"cur", "cur/a.csv", "cur-old/a.csv", "other/a.csv"}},
		{"cur", []string{"cur/a.csv"}},
		{"cur/", []string{"cur/a.csv"}},
		{"cu", nil},
	}
	for _, tt := range tests {
		s := &s3Source{prefix: tt.prefix}
		var got []string
		for _, k := range keys {
			if s.under(k) {
				got = append(got, k)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("prefix %q (-want +got):\n%s", tt.prefix, diff)
		}
	}
}

func TestTempName(t *testing.T) {
	for key, want := range map[string]string{
		"a/b/report-1.csv.gz":                         "report-1.csv.gz",
		"a/b/we ird\\name.csv":                        "we_ird_name.csv",
		"x/" + string(make([]byte, 100)) + ".parquet": string(bytesOf('_', 72)) + ".parquet",
	} {
		if got := tempName(key); got != want {
			t.Errorf("tempName(%q) = %q, want %q", key, got, want)
		}
	}
}

func bytesOf(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}
