package restjson_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/model"
)

var pricingRuleARN = regexp.MustCompile(`^arn:aws:billingconductor::123456789012:pricingrule/[a-zA-Z0-9]{10}$`)

func createRule(t *testing.T, c *bc.Client, in *bc.CreatePricingRuleInput) string {
	t.Helper()
	out, err := c.CreatePricingRule(ctx, in)
	if err != nil {
		t.Fatalf("CreatePricingRule %s: %v", aws.ToString(in.Name), err)
	}
	if !pricingRuleARN.MatchString(aws.ToString(out.Arn)) {
		t.Fatalf("Arn = %q, want a pricing rule ARN of the payer", aws.ToString(out.Arn))
	}
	return aws.ToString(out.Arn)
}

func markup(name string, scope types.PricingRuleScope, pct float64) *bc.CreatePricingRuleInput {
	return &bc.CreatePricingRuleInput{Name: aws.String(name), Scope: scope, Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(pct)}
}

func serviceRule(name, service string, typ types.PricingRuleType, pct float64) *bc.CreatePricingRuleInput {
	return &bc.CreatePricingRuleInput{Name: aws.String(name), Scope: types.PricingRuleScopeService, Type: typ,
		Service: aws.String(service), ModifierPercentage: aws.Float64(pct)}
}

func skuRule(name, usage string) *bc.CreatePricingRuleInput {
	return &bc.CreatePricingRuleInput{Name: aws.String(name), Scope: types.PricingRuleScopeSku, Type: types.PricingRuleTypeMarkup,
		Service: aws.String("AmazonEC2"), UsageType: aws.String(usage), Operation: aws.String("RunInstances"), ModifierPercentage: aws.Float64(5)}
}

func listRules(t *testing.T, c *bc.Client, in *bc.ListPricingRulesInput) []types.PricingRuleListElement {
	t.Helper()
	var all []types.PricingRuleListElement
	p := bc.NewListPricingRulesPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListPricingRules: %v", err)
		}
		all = append(all, page.PricingRules...)
	}
	if !slices.IsSortedFunc(all, func(a, b types.PricingRuleListElement) int { return strings.Compare(*a.Arn, *b.Arn) }) {
		t.Errorf("ListPricingRules is not in ID order")
	}
	// The tests compare contents in creation order.
	slices.SortStableFunc(all, func(a, b types.PricingRuleListElement) int { return int(a.CreationTime - b.CreationTime) })
	return all
}

func TestCreatePricingRuleEveryScopeAndType(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	inputs := []*bc.CreatePricingRuleInput{
		{Name: aws.String("global-markup"), Description: aws.String("10% on everything"), Scope: types.PricingRuleScopeGlobal,
			Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(10), Tags: map[string]string{"k": "v"}},
		serviceRule("ec2-discount", "AmazonEC2", types.PricingRuleTypeDiscount, 12.345),
		{Name: aws.String("marketplace"), Scope: types.PricingRuleScopeBillingEntity, Type: types.PricingRuleTypeMarkup,
			BillingEntity: aws.String("AWS Marketplace"), ModifierPercentage: aws.Float64(1.005)},
		skuRule("t3-micro", "BoxUsage:t3.micro"),
		{Name: aws.String("no-free-tier"), Scope: types.PricingRuleScopeGlobal, Type: types.PricingRuleTypeTiering,
			Tiering: &types.CreateTieringInput{FreeTier: &types.CreateFreeTierConfig{Activated: aws.Bool(false)}}},
	}
	var arns []string
	for i, in := range inputs {
		e.clock.Pin(startTime.Add(time.Duration(i) * time.Second))
		arns = append(arns, createRule(t, c, in))
	}
	at := func(i int) int64 { return startTime.Unix() + int64(i) }
	want := []types.PricingRuleListElement{
		{Arn: &arns[0], Name: aws.String("global-markup"), Description: aws.String("10% on everything"), Scope: "GLOBAL", Type: "MARKUP",
			ModifierPercentage: aws.Float64(10), CreationTime: at(0), LastModifiedTime: at(0)},
		{Arn: &arns[1], Name: aws.String("ec2-discount"), Scope: "SERVICE", Type: "DISCOUNT", Service: aws.String("AmazonEC2"),
			ModifierPercentage: aws.Float64(12.35), CreationTime: at(1), LastModifiedTime: at(1)},
		{Arn: &arns[2], Name: aws.String("marketplace"), Scope: "BILLING_ENTITY", Type: "MARKUP", BillingEntity: aws.String("AWS Marketplace"),
			ModifierPercentage: aws.Float64(1.01), CreationTime: at(2), LastModifiedTime: at(2)},
		{Arn: &arns[3], Name: aws.String("t3-micro"), Scope: "SKU", Type: "MARKUP", Service: aws.String("AmazonEC2"),
			UsageType: aws.String("BoxUsage:t3.micro"), Operation: aws.String("RunInstances"), ModifierPercentage: aws.Float64(5),
			CreationTime: at(3), LastModifiedTime: at(3)},
		{Arn: &arns[4], Name: aws.String("no-free-tier"), Scope: "GLOBAL", Type: "TIERING",
			Tiering:      &types.Tiering{FreeTier: &types.FreeTierConfig{Activated: aws.Bool(false)}},
			CreationTime: at(4), LastModifiedTime: at(4)},
	}
	if diff := cmp.Diff(want, listRules(t, c, &bc.ListPricingRulesInput{}), sdkCmp); diff != "" {
		t.Errorf("ListPricingRules (-want +got):\n%s", diff)
	}
	filtered := listRules(t, c, &bc.ListPricingRulesInput{Filters: &types.ListPricingRulesFilter{Arns: []string{arns[1], arns[3][len(arns[3])-10:]}}})
	if len(filtered) != 2 || aws.ToString(filtered[0].Name) != "ec2-discount" || aws.ToString(filtered[1].Name) != "t3-micro" {
		t.Errorf("filter by ARN and ID: %v", filtered)
	}
}

// TestCustomTiers uses raw requests: SDK v1.30.7 predates Tiering.CustomTiers.
func TestCustomTiers(t *testing.T) {
	e := newEnv(t)
	create, _ := model.OperationByName("CreatePricingRule")
	list, _ := model.OperationByName("ListPricingRules")
	tiers := []map[string]any{
		{"BeginRangeInclusive": 0, "EndRangeExclusive": 100, "RateValue": 0.0116},
		{"BeginRangeInclusive": 100, "RateValue": 0.01},
	}
	body := map[string]any{"Name": "custom-rate", "Scope": "SKU", "Type": "TIERING", "Service": "AmazonEC2",
		"UsageType": "BoxUsage:t3.micro", "Operation": "RunInstances", "Tiering": map[string]any{"CustomTiers": tiers}}
	if resp, we := e.send(t, create, body, nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("create: %d %+v", resp.StatusCode, we)
	}
	var out struct {
		PricingRules []struct{ Tiering model.Tiering }
	}
	e.sendJSON(t, list, map[string]any{}, &out)
	got := out.PricingRules[0].Tiering.CustomTiers
	if len(got) != 2 || *got[0].RateValue != 0.0116 || *got[0].EndRangeExclusive != 100 || got[1].EndRangeExclusive != nil {
		t.Errorf("custom tiers = %+v", got)
	}
	bad := []struct {
		name  string
		tiers []map[string]any
		scope string
		field string
	}{
		{"gap", []map[string]any{{"BeginRangeInclusive": 0, "EndRangeExclusive": 10, "RateValue": 1}, {"BeginRangeInclusive": 20, "RateValue": 1}}, "SKU", "Tiering.CustomTiers[1]"},
		{"not from zero", []map[string]any{{"BeginRangeInclusive": 5, "RateValue": 1}}, "SKU", "Tiering.CustomTiers[0]"},
		{"open middle", []map[string]any{{"BeginRangeInclusive": 0, "RateValue": 1}, {"BeginRangeInclusive": 0, "RateValue": 2}}, "SKU", "Tiering.CustomTiers[0]"},
		{"on a service rule", tiers, "SERVICE", "Tiering.CustomTiers"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			b := map[string]any{"Name": "bad-" + tt.scope, "Scope": tt.scope, "Type": "TIERING", "Service": "AmazonEC2",
				"Tiering": map[string]any{"CustomTiers": tt.tiers}}
			if tt.scope == "SKU" {
				b["UsageType"], b["Operation"] = "BoxUsage:t3.large", "RunInstances"
			}
			resp, we := e.send(t, create, b, nil, nil, nil)
			if resp.StatusCode != 400 || we.Reason != "ILLEGAL_TIERING_INPUT" || len(we.Fields) != 1 || we.Fields[0].Name != tt.field {
				t.Errorf("got %d %+v, want ILLEGAL_TIERING_INPUT on %s", resp.StatusCode, we, tt.field)
			}
		})
	}
}

func TestPricingRuleValidation(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	taken := createRule(t, c, skuRule("taken", "BoxUsage:t3.micro"))
	pct := aws.Float64(5)
	rule := func(scope types.PricingRuleScope, typ types.PricingRuleType, mod func(*bc.CreatePricingRuleInput)) *bc.CreatePricingRuleInput {
		in := &bc.CreatePricingRuleInput{Name: aws.String("candidate"), Scope: scope, Type: typ}
		if typ != types.PricingRuleTypeTiering {
			in.ModifierPercentage = pct
		}
		mod(in)
		return in
	}
	none := func(*bc.CreatePricingRuleInput) {}
	tiering := &types.CreateTieringInput{FreeTier: &types.CreateFreeTierConfig{Activated: aws.Bool(true)}}
	tests := []struct {
		name   string
		in     *bc.CreatePricingRuleInput
		reason string
		field  string
	}{
		{"global with service", rule("GLOBAL", "MARKUP", func(in *bc.CreatePricingRuleInput) { in.Service = aws.String("AmazonEC2") }), "ILLEGAL_SERVICE", "Service"},
		{"service without service", rule("SERVICE", "MARKUP", none), "ILLEGAL_SERVICE", "Service"},
		{"service with usage type", rule("SERVICE", "MARKUP", func(in *bc.CreatePricingRuleInput) {
			in.Service, in.UsageType = aws.String("AmazonEC2"), aws.String("x")
		}), "ILLEGAL_USAGE_TYPE", "UsageType"},
		{"billing entity missing", rule("BILLING_ENTITY", "MARKUP", none), "ILLEGAL_BILLING_ENTITY", "BillingEntity"},
		{"billing entity unknown", rule("BILLING_ENTITY", "MARKUP", func(in *bc.CreatePricingRuleInput) { in.BillingEntity = aws.String("Acme") }),
			"ILLEGAL_BILLING_ENTITY", "BillingEntity"},
		{"sku without operation", rule("SKU", "MARKUP", func(in *bc.CreatePricingRuleInput) {
			in.Service, in.UsageType = aws.String("AmazonEC2"), aws.String("BoxUsage:t3.large")
		}), "ILLEGAL_OPERATION", "Operation"},
		{"sku without usage type", rule("SKU", "MARKUP", func(in *bc.CreatePricingRuleInput) {
			in.Service, in.Operation = aws.String("AmazonEC2"), aws.String("RunInstances")
		}), "ILLEGAL_USAGE_TYPE", "UsageType"},
		{"second rule for a SKU", skuRule("other", "BoxUsage:t3.micro"), "INVALID_SKU_COMBO", "UsageType"},
		{"markup without modifier", rule("GLOBAL", "MARKUP", func(in *bc.CreatePricingRuleInput) { in.ModifierPercentage = nil }),
			"ILLEGAL_MODIFIER_PERCENTAGE", "ModifierPercentage"},
		{"discount over 100", rule("GLOBAL", "DISCOUNT", func(in *bc.CreatePricingRuleInput) { in.ModifierPercentage = aws.Float64(100.01) }),
			"ILLEGAL_MODIFIER_PERCENTAGE", "ModifierPercentage"},
		{"tiering with modifier", rule("GLOBAL", "TIERING", func(in *bc.CreatePricingRuleInput) { in.ModifierPercentage, in.Tiering = pct, tiering }),
			"ILLEGAL_MODIFIER_PERCENTAGE", "ModifierPercentage"},
		{"tiering without tiering", rule("GLOBAL", "TIERING", none), "ILLEGAL_TIERING_INPUT", "Tiering"},
		{"markup with tiering", rule("GLOBAL", "MARKUP", func(in *bc.CreatePricingRuleInput) { in.Tiering = tiering }), "ILLEGAL_TIERING_INPUT", "Tiering"},
		{"tiering on billing entity", rule("BILLING_ENTITY", "TIERING", func(in *bc.CreatePricingRuleInput) {
			in.BillingEntity, in.Tiering = aws.String("AWS"), tiering
		}), "ILLEGAL_TYPE", "Type"},
		{"name with a space", rule("GLOBAL", "MARKUP", func(in *bc.CreatePricingRuleInput) { in.Name = aws.String("a b") }), "FIELD_VALIDATION_FAILED", "Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, c)
			_, err := c.CreatePricingRule(ctx, tt.in)
			wantValidation(t, err, tt.reason, tt.field)
			unchanged(t, c, before)
		})
	}
	t.Run("duplicate name", func(t *testing.T) {
		before := snapshot(t, c)
		_, err := c.CreatePricingRule(ctx, markup("taken", "GLOBAL", 1))
		wantConflict(t, err, "RESOURCE_NAME_CONFLICT", "pricingrule", taken)
		unchanged(t, c, before)
	})
}

func TestCreatePricingRuleClientToken(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	in := markup("once", "GLOBAL", 5)
	in.ClientToken = aws.String("rule-token")
	first := createRule(t, c, in)
	if again := createRule(t, c, in); again != first {
		t.Errorf("retry created %s, first %s", again, first)
	}
	before := snapshot(t, c)
	in.ModifierPercentage = aws.Float64(6)
	_, err := c.CreatePricingRule(ctx, in)
	wantConflict(t, err, "", "pricingrule", first)
	unchanged(t, c, before)
	if n := len(listRules(t, c, &bc.ListPricingRulesInput{})); n != 1 {
		t.Errorf("%d rules, want 1", n)
	}
}

// An ARN of the right type whose ID is not one of the type — which the
// model's searched patterns let through (MI-6) — is refused with the
// type's MISMATCHED_*_ARN reason (ER-7: "another account … or malformed"),
// not looked up and answered 404; nothing changes.
func TestMalformedIDsInARNs(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	before := snapshot(t, c)
	const prefix = "arn:aws:billingconductor::123456789012:"
	_, err := c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: aws.String(prefix + "pricingrule/short"), Name: aws.String("q")})
	wantValidation(t, err, "MISMATCHED_PRICINGRULE_ARN", "Arn")
	_, err = c.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{Arn: aws.String(prefix + "pricingplan/ABCDEFGHIJK"), Name: aws.String("q")})
	wantValidation(t, err, "MISMATCHED_PRICINGPLAN_ARN", "Arn")
	_, err = c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: aws.String(prefix + "billinggroup/123"), AccountIds: []string{linked1}})
	wantValidation(t, err, "MISMATCHED_BILLINGGROUP_ARN", "Arn")
	unchanged(t, c, before)
}
