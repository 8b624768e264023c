package main

// The benchmark's organization: the demo payer of Proforma, its 40 linked
// accounts, four billing groups with their pricing plans, and the
// commitments (Savings Plans, Reserved Instances) the generated CUR uses.

import "fmt"

const (
	payer = "123456789012"
	// demoAccounts is the number of linked accounts of the demo payer:
	// 100000000001…100000000040.
	demoAccounts = 40
	// period is the generated CUR's billing period.
	period      = "2026-10"
	periodStart = "2026-10-01T00:00:00Z"
	periodEnd   = "2026-11-01T00:00:00Z"
	periodHours = 31 * 24
	// serveNow pins `proforma serve`'s clock inside the period, so the
	// groups, plans and rules exist in it.
	serveNow = "2026-10-15"
)

func demoAccount(n int) string { return fmt.Sprintf("1000000000%02d", n) }

// rule is a pricing rule as the benchmark creates it and as the DuckDB
// script reads it (JSON). Percentages have at most two decimals, so the
// SQL side can write the factor 1 ± p/100 as an exact decimal.
type rule struct {
	Type       string  `json:"type"`  // MARKUP, DISCOUNT or TIERING
	Scope      string  `json:"scope"` // GLOBAL, SERVICE, BILLING_ENTITY or SKU
	Percentage float64 `json:"percentage,omitempty"`
	Service    string  `json:"service,omitempty"`
	Entity     string  `json:"billingEntity,omitempty"`
	UsageType  string  `json:"usageType,omitempty"`
	Operation  string  `json:"operation,omitempty"`
	// FreeTier is TIERING's FreeTier.Activated.
	FreeTier *bool `json:"freeTierActivated,omitempty"`
}

// group is a billing group of the benchmark with its plan's rules.
type group struct {
	Name     string   `json:"name"`
	Accounts []string `json:"accounts"`
	Rules    []rule   `json:"rules"`
}

// groupSize accounts per group; accounts past groups×groupSize
// (100000000037…040) stay unmonitored (PROFORMA.md rule 2).
const groupSize = 9

var off = false

// groups are the billing groups: between them they use every kind of rule
// and both free tier settings.
var groups = []group{
	{Name: "bench-east", Rules: []rule{
		{Type: "DISCOUNT", Scope: "GLOBAL", Percentage: 5},
		{Type: "MARKUP", Scope: "SERVICE", Service: "AmazonEC2", Percentage: 10},
	}},
	{Name: "bench-west", Rules: []rule{
		{Type: "MARKUP", Scope: "GLOBAL", Percentage: 7.5},
		{Type: "DISCOUNT", Scope: "SERVICE", Service: "AmazonS3", Percentage: 3},
		{Type: "MARKUP", Scope: "BILLING_ENTITY", Entity: "AWS Marketplace", Percentage: 2},
	}},
	{Name: "bench-north", Rules: []rule{
		{Type: "MARKUP", Scope: "GLOBAL", Percentage: 12},
		{Type: "MARKUP", Scope: "SERVICE", Service: "AmazonRDS", Percentage: 15.25},
		{Type: "DISCOUNT", Scope: "SKU", Service: "AmazonEC2", UsageType: "BoxUsage:m5.large", Operation: "RunInstances", Percentage: 20},
	}},
	{Name: "bench-south", Rules: []rule{
		{Type: "MARKUP", Scope: "GLOBAL", Percentage: 4},
		{Type: "TIERING", Scope: "GLOBAL", FreeTier: &off},
	}},
}

func init() {
	for i := range groups {
		for a := range groupSize {
			groups[i].Accounts = append(groups[i].Accounts, demoAccount(i*groupSize+a+1))
		}
	}
}

// commitment is a Savings Plan or Reserved Instance and its owner account.
type commitment struct {
	arn, owner string
	product    string // the product whose usage it covers ("" = any of the catalog's SP SKUs)
}

// Savings Plans: one bought in bench-east (its negations and fees count
// there), one in bench-north, one by an unmonitored account (covered usage
// stays at public price in every group, rule 6).
var savingsPlans = []commitment{
	{"arn:aws:savingsplans::100000000001:savingsplan/5f0c3a9e-2b7d-4e61-9a43-0d8f6c1b2e75", "100000000001", ""},
	{"arn:aws:savingsplans::100000000019:savingsplan/a1d24e6b-93c0-4f5a-b8e2-7c6d0f4a9b13", "100000000019", ""},
	{"arn:aws:savingsplans::100000000040:savingsplan/c73e8b15-0f4d-4a2c-9e61-58b2d7a0f3c9", "100000000040", ""},
}

// Reserved Instances: EC2 RIs bought in bench-west and by an unmonitored
// account, an RDS RI bought in bench-south.
var reservations = []commitment{
	{"arn:aws:ec2:us-east-1:100000000010:reserved-instances/3e1a7c52-8d4b-4f0e-a6c9-1b2d3e4f5a6b", "100000000010", "AmazonEC2"},
	{"arn:aws:ec2:us-east-1:100000000040:reserved-instances/9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e", "100000000040", "AmazonEC2"},
	{"arn:aws:rds:us-east-1:100000000028:ri:proforma-bench-ri-1", "100000000028", "AmazonRDS"},
	{"arn:aws:redshift:us-east-1:100000000040:reserved-node/0d5b8e1c-2a3f-4e6d-9c7b-8a1f2e3d4c5b", "100000000040", "AmazonRedshift"},
}

// reservationFor returns the reservations that can cover a product.
func reservationFor(productCode string) []commitment {
	var out []commitment
	for _, r := range reservations {
		if r.product == productCode {
			out = append(out, r)
		}
	}
	return out
}
