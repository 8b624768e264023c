package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

func TestItemSigns(t *testing.T) {
	for _, tc := range []struct {
		name       string
		items      []conductor.CustomLineItem
		associated []string // of item "pct"
		want       []string // charges, flat items first
	}{
		{"flat fee", []conductor.CustomLineItem{flatItem("f", conductor.ChargeFee, 10)}, nil, []string{"10"}},
		{"flat credit", []conductor.CustomLineItem{flatItem("f", conductor.ChargeCredit, 10)}, nil, []string{"-10"}},
		{"percentage credit of the group",
			[]conductor.CustomLineItem{percentItem("pct", conductor.ChargeCredit, 10)}, []string{groupARN}, []string{"-20"}},
		{"percentage fee of a flat credit",
			[]conductor.CustomLineItem{percentItem("pct", conductor.ChargeFee, 10), flatItem("f", conductor.ChargeCredit, 10)},
			[]string{itemARN("f")}, []string{"-10", "-1"}},
		{"percentage credit of a flat credit",
			[]conductor.CustomLineItem{flatItem("f", conductor.ChargeCredit, 10), percentItem("pct", conductor.ChargeCredit, 10)},
			[]string{itemARN("f")}, []string{"-10", "1"}},
		{"nothing associated: 0", []conductor.CustomLineItem{percentItem("pct", conductor.ChargeFee, 10)}, nil, []string{"0"}},
		{"unknown and percentage resources add nothing",
			[]conductor.CustomLineItem{percentItem("pct", conductor.ChargeFee, 10), percentItem("p2", conductor.ChargeFee, 50)},
			[]string{itemARN("nope"), itemARN("p2")}, []string{"0", "0"}},
		{"fractional percentage is exact",
			[]conductor.CustomLineItem{percentItem("pct", conductor.ChargeFee, 0.3)}, []string{groupARN}, []string{"0.6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := group(nil, tc.items...)
			g.Associations["pct"] = tc.associated
			r := run(t, g, usage("AmazonEC2", "200"))
			if len(r.Items) != len(tc.want) {
				t.Fatalf("got %d charges, want %d", len(r.Items), len(tc.want))
			}
			for i, w := range tc.want {
				equal(t, r.Items[i].Item.ID, r.Items[i].Charge, w)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	service := func(match, code string) conductor.LineItemFilter {
		return conductor.LineItemFilter{Attribute: "SERVICE", MatchOption: match, AttributeValues: []string{code}}
	}
	noNegations := conductor.LineItemFilter{Attribute: "LINE_ITEM_TYPE", MatchOption: "NOT_EQUAL", Values: []string{"SAVINGS_PLAN_NEGATION"}}
	lines := append(savingsPlanLines(acctB), usage("AmazonS3", "50"))
	// EC2 lines: 100 + 30 − 30; the fee is ComputeSavingsPlans 22; S3 50.
	for _, tc := range []struct {
		name    string
		filters []conductor.LineItemFilter
		want    string
	}{
		{"none", nil, "172"},
		{"SERVICE EQUAL", []conductor.LineItemFilter{service("EQUAL", "AmazonEC2")}, "100"},
		{"SERVICE NOT_EQUAL", []conductor.LineItemFilter{service("NOT_EQUAL", "AmazonEC2")}, "72"},
		{"LINE_ITEM_TYPE NOT_EQUAL", []conductor.LineItemFilter{noNegations}, "202"},
		{"both", []conductor.LineItemFilter{service("EQUAL", "AmazonEC2"), noNegations}, "130"},
		{"unknown attribute keeps all", []conductor.LineItemFilter{{Attribute: "REGION", MatchOption: "EQUAL"}}, "172"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := group(nil, percentItem("pct", conductor.ChargeFee, 100, tc.filters...))
			g.Associations["pct"] = []string{groupARN}
			equal(t, "base", run(t, g, lines...).Items[0].Charge, tc.want)
		})
	}
}

func TestProductBreakdown(t *testing.T) {
	item := flatItem("f", conductor.ChargeFee, 5)
	shown := flatItem("g", conductor.ChargeFee, 1)
	shown.PresentationService = "AmazonEC2"
	noName := usage("AWSDataTransfer", "2")
	noName.ProductName = ""
	tax := usage("AmazonS3", "1")
	tax.LineItemType, tax.ProductName = TypeTax, "Only Tax"
	r := run(t, group(nil, item, shown), usage("AmazonEC2", "10"), usage("AmazonEC2", "3"), noName, tax)
	want := []struct{ product, aws, proforma string }{
		{"AWSBillingConductor", "0", "5"},
		{"AWSDataTransfer", "2", "2"},
		{"AmazonEC2", "13", "14"},
	}
	if len(r.Products) != len(want) {
		t.Fatalf("products %+v, want %d", r.Products, len(want))
	}
	for i, w := range want {
		p := r.Products[i]
		if p.Product != w.product {
			t.Errorf("product %d = %s, want %s", i, p.Product, w.product)
		}
		equal(t, w.product+" AWSCost", p.AWSCost, w.aws)
		equal(t, w.product+" ProformaCost", p.ProformaCost, w.proforma)
	}
	equal(t, "ProformaCost", r.ProformaCost, "21")
	equal(t, "AWSCost", r.AWSCost, "15")
}

func TestResultIsRepeatable(t *testing.T) {
	g := group(nil, flatItem("f", conductor.ChargeFee, 5))
	c, _ := NewCalculator([]Group{g})
	c.Add(usage("AmazonEC2", "10"))
	first := c.Result()[0]
	again := c.Result()[0]
	equal(t, "again", again.ProformaCost, first.ProformaCost.String())
	c.Add(usage("AmazonEC2", "1"))
	equal(t, "after another line", c.Result()[0].ProformaCost, "16")
}
