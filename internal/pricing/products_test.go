package pricing

import (
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// TestItemsUnderTheirServiceProduct reports custom line items presented
// under a service in the row of the service's product name: the name the
// group's lines give the code, else the built-in table, else the code.
func TestItemsUnderTheirServiceProduct(t *testing.T) {
	shown := func(id, service string, amount float64) conductor.CustomLineItem {
		it := flatItem(id, conductor.ChargeFee, amount)
		it.PresentationService = service
		return it
	}
	ec2 := usage("AmazonEC2", "10")
	ec2.ProductName = "Amazon Elastic Compute Cloud"
	custom := usage("AmazonKinesis", "4") // usage names win over the table
	custom.ProductName = "Kinesis (as this CUR names it)"
	noName := usage("AWSLambda", "3") // no product/ProductName: the lines' row is the code
	noName.ProductName = ""
	r := run(t, group(nil,
		flatItem("default", conductor.ChargeFee, 5),
		shown("ec2", "AmazonEC2", 1),
		shown("kinesis", "AmazonKinesis", 2),
		shown("lambda", "AWSLambda", 0.5),
		shown("rds", "AmazonRDS", 7),       // no usage: the table
		shown("other", "AWSSupport", 0.25), // unknown: the code
	), ec2, custom, noName)
	want := []struct{ product, aws, proforma string }{
		{"AWSBillingConductor", "0", "5"},
		{"AWSLambda", "3", "3.5"},
		{"AWSSupport", "0", "0.25"},
		{"Amazon Elastic Compute Cloud", "10", "11"},
		{"Amazon Relational Database Service", "0", "7"},
		{"Kinesis (as this CUR names it)", "4", "6"},
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
	services := map[string]string{}
	for _, ch := range r.Items {
		services[ch.Item.ID] = ch.Service + " → " + ch.Product
	}
	for id, w := range map[string]string{"default": "AWSBillingConductor → AWSBillingConductor",
		"ec2": "AmazonEC2 → Amazon Elastic Compute Cloud", "rds": "AmazonRDS → Amazon Relational Database Service"} {
		if services[id] != w {
			t.Errorf("item %s: %s, want %s", id, services[id], w)
		}
	}
}

func TestProductNameOf(t *testing.T) {
	names := map[string]string{"AmazonS3": "S3 as named"}
	for code, want := range map[string]string{
		"AmazonS3":            "S3 as named",
		"AmazonEC2":           "Amazon Elastic Compute Cloud",
		"AmazonCloudWatch":    "AmazonCloudWatch",
		"AWSQueueService":     "Amazon Simple Queue Service",
		"AmazonRoute53":       "Amazon Route 53",
		"SomethingNew":        "SomethingNew",
		"AWSBillingConductor": "AWSBillingConductor",
	} {
		if got := ProductNameOf(code, names); got != want {
			t.Errorf("ProductNameOf(%s) = %q, want %q", code, got, want)
		}
	}
}
