package cur

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScanSkipsFilesThatAreNotCURs scans a folder with a CUR, a FOCUS
// export, a CSV of something else and an empty file: the FOCUS export and
// the other CSV are skipped with their reasons; the empty file is kept (the
// reader says what is wrong). A non-CUR file named itself is kept.
func TestScanSkipsFilesThatAreNotCURs(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"cur.csv": "identity/LineItemId,bill/BillingEntity,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType," +
			"lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode\n",
		"focus.csv": "BilledCost,BillingAccountId,ChargeCategory,ChargePeriodStart\n1,123456789012,Usage,2026-10-01T00:00:00Z\n",
		"other.csv": "name,amount\nx,1\n",
		"empty.csv": "",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, skipped, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "cur.csv"), filepath.Join(dir, "empty.csv")}; !cmp.Equal(want, got) {
		t.Errorf("Scan files = %v, want %v", got, want)
	}
	if len(skipped) != 2 || skipped[0].File != filepath.Join(dir, "focus.csv") || !errors.Is(skipped[0].Reason, ErrFOCUS) ||
		skipped[1].File != filepath.Join(dir, "other.csv") || !errors.Is(skipped[1].Reason, ErrNotCUR) {
		t.Errorf("Scan skipped = %+v; want focus.csv (ErrFOCUS) and other.csv (ErrNotCUR)", skipped)
	}
	one, skipped, err := Scan(filepath.Join(dir, "focus.csv"))
	if err != nil || len(one) != 1 || len(skipped) != 0 {
		t.Errorf("Scan(a FOCUS file) = %v, %v, %v; want the file itself", one, skipped, err)
	}
	if _, _, err := Scan(filepath.Join(dir, "absent")); err == nil {
		t.Error("Scan(absent) succeeded")
	}
}
