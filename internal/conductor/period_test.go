package conductor

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		ok   bool
	}{
		{"2026-11", "2026-11", true},
		{"2026-9", "2026-09", true},
		{"2026-09", "2026-09", true},
		{"2026-13", "", false},
		{"2026-00", "", false},
		{"x2026-11", "", false},
		{"2026-11-01", "", false},
	}
	for _, tt := range tests {
		got, ok := ParsePeriod(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePeriod(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if p := PeriodOf(time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)); p.Next() != "2027-01" || p.Prev() != "2026-11" {
		t.Errorf("Next/Prev of %s", p)
	}
	// Billing months are UTC months.
	if p := PeriodOf(time.Date(2027, 1, 1, 1, 0, 0, 0, time.FixedZone("UTC+2", 7200))); p != "2026-12" {
		t.Errorf("PeriodOf 2027-01-01T01:00+02:00 = %s, want 2026-12", p)
	}
}

func TestMemberDuring(t *testing.T) {
	day := func(s string) *time.Time { t, _ := time.Parse(time.DateOnly, s); return &t }
	a := Account{ID: "100000000001", Joined: day("2026-03-15"), Left: day("2026-06-01")}
	for p, want := range map[Period]bool{"2026-02": false, "2026-03": true, "2026-05": true, "2026-06": true, "2026-07": false} {
		if got := a.MemberDuring(p); got != want {
			t.Errorf("MemberDuring(%s) = %v, want %v", p, got, want)
		}
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, kind string
		ok       bool
		want     ResourceRef
	}{
		{"arn:aws:billingconductor::123456789012:billinggroup/123456789012", TypeBillingGroup, true,
			ResourceRef{Partition: "aws", Account: "123456789012", Type: TypeBillingGroup, ID: "123456789012"}},
		{"123456789012", TypeBillingGroup, true, ResourceRef{Type: TypeBillingGroup, ID: "123456789012"}},
		{"arn:aws:billingconductor::123456789012:pricingplan/abcdefghij", TypeBillingGroup, false, ResourceRef{}},
		{"arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan", TypePricingPlan, true,
			ResourceRef{Partition: "aws", Account: "aws", Type: TypePricingPlan, ID: "BasicPricingPlan"}},
		{"a/b", TypePricingPlan, false, ResourceRef{}},
		{"Passthrough", TypePricingPlan, true, ResourceRef{Type: TypePricingPlan, ID: "Passthrough"}},
		{"Abc123XYZ9", TypeCustomLineItem, true, ResourceRef{Type: TypeCustomLineItem, ID: "Abc123XYZ9"}},
		{"ABCDEFGHIJ", TypeBillingGroup, true, ResourceRef{Type: TypeBillingGroup, ID: "ABCDEFGHIJ"}}, // the model's 10–12
		// IDs the model's searched patterns let through (MI-6): not of the type.
		{"arn:aws:billingconductor::123456789012:pricingrule/short", TypePricingRule, false, ResourceRef{}},
		{"arn:aws:billingconductor::123456789012:pricingrule/ABCDEFGHIJK", TypePricingRule, false, ResourceRef{}},
		{"arn:aws:billingconductor::123456789012:billinggroup/123", TypeBillingGroup, false, ResourceRef{}},
		{"arn:aws:billingconductor::123456789012:customlineitem/abc", TypeCustomLineItem, false, ResourceRef{}},
		{"arn:aws:billingconductor::123456789012:pricingplan/BasicPricingPlanX", TypePricingPlan, false, ResourceRef{}},
		{"short", TypePricingRule, false, ResourceRef{}},
	}
	for _, tt := range tests {
		got, ok := ParseRef(tt.in, tt.kind)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseRef(%q) = %+v, %v", tt.in, got, ok)
		}
	}
	cn, _ := ParseRef("arn:aws-cn:billingconductor::123456789012:billinggroup/123456789012", TypeBillingGroup)
	if cn.OwnedBy("123456789012") {
		t.Error("an aws-cn ARN is not owned in the aws partition")
	}
}

func TestPaginateTokens(t *testing.T) {
	items := []string{"e", "a", "d", "b", "c"}
	key := func(s string) string { return s }
	var got []string
	pg := Page{MaxResults: 2}
	seen := map[string]bool{}
	for {
		page, next, err := paginate(items, key, "listing-1", pg, 100)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if next == "" {
			break
		}
		if seen[next] {
			t.Fatalf("token %q repeated", next)
		}
		seen[next] = true
		pg.NextToken = next
	}
	if len(got) != 5 || got[0] != "a" || got[4] != "e" {
		t.Errorf("pages = %v", got)
	}
	_, _, err := paginate(items, key, "listing-2", Page{NextToken: pg.NextToken}, 100)
	if e, ok := AsError(err); !ok || e.Reason != "FIELD_VALIDATION_FAILED" || e.Fields[0].Name != "NextToken" {
		t.Errorf("a foreign token: %v", err)
	}
}
