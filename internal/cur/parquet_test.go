package cur

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// pqLegacyRow is the shape of a legacy CUR delivered as Athena Parquet.
type pqLegacyRow struct {
	PeriodStart   time.Time `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	BillingEntity string    `parquet:"bill_billing_entity"`
	Payer         string    `parquet:"bill_payer_account_id"`
	UsageAccount  string    `parquet:"line_item_usage_account_id"`
	LineItemType  string    `parquet:"line_item_line_item_type"`
	UsageStart    time.Time `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	ProductCode   string    `parquet:"line_item_product_code"`
	UsageType     string    `parquet:"line_item_usage_type"`
	Operation     string    `parquet:"line_item_operation"`
	UsageAmount   float64   `parquet:"line_item_usage_amount"`
	Currency      string    `parquet:"line_item_currency_code"`
	Unblended     float64   `parquet:"line_item_unblended_cost"`
	ProductName   string    `parquet:"product_product_name"`
	PublicCost    float64   `parquet:"pricing_public_on_demand_cost"`
	PublicRate    string    `parquet:"pricing_public_on_demand_rate"`
	ReservationID string    `parquet:"reservation_reservation_a_r_n"`
}

// pqCUR2Row is the shape of a CUR 2.0 Parquet export, with nulls, maps and
// some types CUR does not use, to cover the renderer.
type pqCUR2Row struct {
	BillingEntity string             `parquet:"bill_billing_entity"`
	PeriodStart   time.Time          `parquet:"bill_billing_period_start_date,timestamp(microsecond)"`
	PayerName     string             `parquet:"bill_payer_account_name"`
	UsageAccount  string             `parquet:"line_item_usage_account_id"`
	LineItemType  string             `parquet:"line_item_line_item_type"`
	ProductCode   string             `parquet:"line_item_product_code"`
	UsageType     string             `parquet:"line_item_usage_type"`
	Operation     string             `parquet:"line_item_operation"`
	UsageAmount   float64            `parquet:"line_item_usage_amount"`
	Unblended     float64            `parquet:"line_item_unblended_cost"`
	PublicCost    *float64           `parquet:"pricing_public_on_demand_cost,optional"`
	Currency      string             `parquet:"line_item_currency_code"`
	Product       map[string]string  `parquet:"product"`
	Discount      map[string]float64 `parquet:"discount"`
	Exact         int64              `parquet:"x_decimal,decimal(4:18)"`
	List          []string           `parquet:"x_list,list"`
	Flag          bool               `parquet:"x_flag"`
	Day           int32              `parquet:"x_date,date"`
	Ratio         float32            `parquet:"x_ratio"`
}

func writeParquet[T any](t *testing.T, rows []T) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.MaxRowsPerRowGroup(2))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func TestParquetLegacy(t *testing.T) {
	period := time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC)
	row := pqLegacyRow{PeriodStart: period, BillingEntity: "AWS", Payer: "1", UsageAccount: "2",
		LineItemType: "Usage", UsageStart: period.Add(time.Hour), ProductCode: "AmazonEC2",
		UsageType: "BoxUsage", Operation: "RunInstances", UsageAmount: 1, Currency: "USD",
		Unblended: 0.1, ProductName: "Amazon EC2", PublicCost: 0.2, PublicRate: "0.2"}
	rows := []pqLegacyRow{row, row, row, row, row}
	rows[1].Unblended, rows[2].Unblended, rows[3].LineItemType = 1e-7, 3357.94296812, "RIFee"
	rows[4].PublicRate = ""
	r, err := NewReader(writeParquet(t, rows), "legacy.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Format(), (Format{Parquet: true, Snake: true}); got != want {
		t.Errorf("Format() = %v, want %v", got, want)
	}
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range recs {
		got = append(got, rec.UnblendedCost.String())
	}
	if want := []string{"0.1", "0.0000001", "3357.94296812", "0.1", "0.1"}; !cmp.Equal(got, want) {
		t.Errorf("unblended = %v, want %v (shortest decimal of each DOUBLE)", got, want)
	}
	if recs[4].Line != 5 || recs[3].LineItemType != "RIFee" || recs[4].PublicOnDemandRate.Valid {
		t.Errorf("record 5 = %+v", recs[4])
	}
	i := r.Index(FieldBillingPeriodStart)
	if got := recs[0].Raw[i]; got != "2018-11-01T00:00:00.000Z" {
		t.Errorf("timestamp text = %q", got)
	}
	if !recs[0].UsageStartDate.Equal(period.Add(time.Hour)) || recs[0].ProductName != "Amazon EC2" {
		t.Errorf("record 1 = %+v", recs[0])
	}
}

func TestParquetCUR2(t *testing.T) {
	period := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cost := 1.08
	rows := []pqCUR2Row{
		{BillingEntity: "AWS", PeriodStart: period, PayerName: "p", UsageAccount: "4", LineItemType: "Usage",
			ProductCode: "AmazonEC2", UsageType: "NatGateway-Hours", Operation: "NatGateway", UsageAmount: 24,
			Unblended: 1.08, PublicCost: &cost, Currency: "USD",
			Product:  map[string]string{"product_name": "Amazon \"EC2\"", "region": "us-east-1"},
			Discount: map[string]float64{"bundled_discount": -0.5}, Exact: 12345, List: []string{"a"},
			Flag: true, Day: 20544, Ratio: 0.25},
		{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "4", LineItemType: "Credit",
			ProductCode: "AmazonEC2", Unblended: -1.08, Currency: "USD"},
		{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "4", LineItemType: "Tax",
			ProductCode: "AmazonEC2", Currency: "USD"},
	}
	r, err := NewReader(writeParquet(t, rows), "cur2.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Format(), (Format{Parquet: true, Snake: true, CUR2: true}); got != want {
		t.Errorf("Format() = %v, want %v", got, want)
	}
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].ProductName != `Amazon "EC2"` {
		t.Fatalf("records = %+v", recs)
	}
	if recs[1].PublicOnDemandCost.Valid || !recs[0].PublicOnDemandCost.Valid {
		t.Errorf("null public cost must not be Valid: %+v / %+v", recs[0].PublicOnDemandCost, recs[1].PublicOnDemandCost)
	}
	raw := map[string]string{}
	for i, h := range r.Header() {
		raw[h] = recs[0].Raw[i]
	}
	var product map[string]string
	if err := json.Unmarshal([]byte(raw["product"]), &product); err != nil || product["region"] != "us-east-1" {
		t.Errorf("product text %q: %v", raw["product"], err)
	}
	want := map[string]string{
		"discount": `{"bundled_discount":-0.5}`, "x_decimal": "1.2345", "x_list": "", "x_flag": "true",
		"x_date": "2026-04-01", "x_ratio": "0.25", "bill_billing_period_start_date": "2026-04-01T00:00:00.000Z",
	}
	for k, v := range want {
		if raw[k] != v {
			t.Errorf("%s text = %q, want %q", k, raw[k], v)
		}
	}
}

func TestParquetRowErrors(t *testing.T) {
	period := time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC)
	row := pqLegacyRow{PeriodStart: period, LineItemType: "Usage", PublicRate: "0.2"}
	rows := []pqLegacyRow{row, row, row}
	rows[2].PublicRate = "n/a"
	r, err := NewReader(writeParquet(t, rows), "bad.parquet")
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, r)
	e := asError(t, err)
	if !errors.Is(err, ErrNumber) || e.Line != 3 || e.Column != "pricing_public_on_demand_rate" {
		t.Errorf("error = %v (%+v)", err, e)
	}
	if !strings.Contains(err.Error(), "bad.parquet: row 3: column pricing_public_on_demand_rate") {
		t.Errorf("Error() = %q", err)
	}
}

func TestParquetWithoutRaw(t *testing.T) {
	period := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cost := 2.5
	rows := []pqCUR2Row{
		{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "4", LineItemType: "Usage", ProductCode: "AmazonS3",
			Unblended: 2.5, PublicCost: &cost, Currency: "USD", Product: map[string]string{"product_name": "Amazon S3"}},
		{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "5", LineItemType: "Tax", ProductCode: "AmazonS3", Currency: "USD"},
		{BillingEntity: "AWS", PeriodStart: period, UsageAccount: "6", LineItemType: "Usage", ProductCode: "AmazonEC2", Currency: "USD"},
	}
	full, err := NewReader(writeParquet(t, rows), "full.parquet")
	if err != nil {
		t.Fatal(err)
	}
	want, err := readAll(t, full)
	if err != nil {
		t.Fatal(err)
	}
	lean, err := NewReader(writeParquet(t, rows), "lean.parquet", WithoutRaw())
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, lean)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].Raw = nil
		if got[i].Raw != nil {
			t.Errorf("record %d: Raw = %q, want nil", i, got[i].Raw)
		}
		got[i].Raw = nil
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("WithoutRaw records differ (-full +lean):\n%s", diff)
	}
	if got[0].ProductName != "Amazon S3" {
		t.Errorf("ProductName = %q", got[0].ProductName)
	}
}
