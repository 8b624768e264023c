package restjson_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

func planRuleARNs(t *testing.T, c *bc.Client, plan, period string) []string {
	t.Helper()
	in := &bc.ListPricingRulesAssociatedToPricingPlanInput{PricingPlanArn: &plan, MaxResults: aws.Int32(7)}
	if period != "" {
		in.BillingPeriod = &period
	}
	var all []string
	p := bc.NewListPricingRulesAssociatedToPricingPlanPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListPricingRulesAssociatedToPricingPlan: %v", err)
		}
		if aws.ToString(page.PricingPlanArn) != plan {
			t.Errorf("PricingPlanArn echo = %q", aws.ToString(page.PricingPlanArn))
		}
		all = append(all, page.PricingRuleArns...)
	}
	return all
}

func rulePlanARNs(t *testing.T, c *bc.Client, rule, period string) []string {
	t.Helper()
	in := &bc.ListPricingPlansAssociatedWithPricingRuleInput{PricingRuleArn: &rule, MaxResults: aws.Int32(7)}
	if period != "" {
		in.BillingPeriod = &period
	}
	var all []string
	p := bc.NewListPricingPlansAssociatedWithPricingRulePaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListPricingPlansAssociatedWithPricingRule: %v", err)
		}
		all = append(all, page.PricingPlanArns...)
	}
	if !slices.IsSorted(all) {
		t.Errorf("ListPricingPlansAssociatedWithPricingRule is not in ID order: %v", all)
	}
	return all
}

func associateRules(t *testing.T, c *bc.Client, plan string, rules ...string) {
	t.Helper()
	if _, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &plan, PricingRuleArns: rules}); err != nil {
		t.Fatalf("AssociatePricingRules: %v", err)
	}
}

func TestPlanRuleAssociations(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	global := createRule(t, c, markup("global", "GLOBAL", 10))
	ec2 := createRule(t, c, serviceRule("ec2", "AmazonEC2", types.PricingRuleTypeDiscount, 5))
	s3 := createRule(t, c, serviceRule("s3", "AmazonS3", types.PricingRuleTypeMarkup, 3))
	out, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("plan-a"), PricingRuleArns: []string{global, ec2}})
	if err != nil {
		t.Fatal(err)
	}
	planA := aws.ToString(out.Arn)
	e.clock.Pin(startTime.Add(time.Second))
	planB := createPlan(t, c, "plan-b")
	e.clock.Pin(startTime.Add(time.Minute))
	res, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &planB, PricingRuleArns: []string{s3, global[len(global)-10:]}})
	if err != nil || aws.ToString(res.Arn) != planB {
		t.Fatalf("AssociatePricingRules = %v, %v", res, err)
	}
	if got := planRuleARNs(t, c, planA, ""); !cmp.Equal(got, []string{global, ec2}) {
		t.Errorf("plan A rules = %v", got)
	}
	if got := planRuleARNs(t, c, planB, ""); !cmp.Equal(got, []string{s3, global}) {
		t.Errorf("plan B rules = %v", got)
	}
	if got := rulePlanARNs(t, c, global, ""); !cmp.Equal(got, slices.Sorted(slices.Values([]string{planA, planB}))) {
		t.Errorf("plans of the global rule = %v", got)
	}
	plans, _ := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{Filters: &types.ListPricingPlansFilter{Arns: []string{planB, planA}}})
	if len(plans.PricingPlans) != 2 || plans.PricingPlans[0].Size != 2 || plans.PricingPlans[1].Size != 2 ||
		!slices.ContainsFunc(plans.PricingPlans, func(p types.PricingPlanListElement) bool {
			return aws.ToString(p.Arn) == planB && p.LastModifiedTime == startTime.Unix()+60
		}) {
		t.Errorf("plan sizes/times = %+v", plans.PricingPlans)
	}
	counts := map[string]int64{}
	for _, r := range listRules(t, c, &bc.ListPricingRulesInput{}) {
		counts[aws.ToString(r.Name)] = r.AssociatedPricingPlanCount
	}
	if !cmp.Equal(counts, map[string]int64{"global": 2, "ec2": 1, "s3": 1}) {
		t.Errorf("AssociatedPricingPlanCount = %v", counts)
	}
	if _, err := c.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: &planA, PricingRuleArns: []string{global}}); err != nil {
		t.Fatal(err)
	}
	if got := planRuleARNs(t, c, planA, ""); !cmp.Equal(got, []string{ec2}) {
		t.Errorf("plan A after disassociate = %v", got)
	}
	if got := planRuleARNs(t, c, basicPlan, ""); len(got) != 0 {
		t.Errorf("the managed plan has rules %v", got)
	}
}

func TestPlanRuleAssociationErrors(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	global := createRule(t, c, markup("global", "GLOBAL", 10))
	global2 := createRule(t, c, markup("global-2", "GLOBAL", 20))
	tier := createRule(t, c, &bc.CreatePricingRuleInput{Name: aws.String("tier"), Scope: "GLOBAL", Type: "TIERING",
		Tiering: &types.CreateTieringInput{FreeTier: &types.CreateFreeTierConfig{Activated: aws.Bool(false)}}})
	loose := createRule(t, c, serviceRule("loose", "AmazonS3", types.PricingRuleTypeMarkup, 1))
	plan := createPlan(t, c, "plan")
	associateRules(t, c, plan, global, tier) // a markup and a tiering rule of one scope do not collide
	unknownRule := "arn:aws:billingconductor::123456789012:pricingrule/ZZZZZZZZZZ"
	unknownPlan := "arn:aws:billingconductor::123456789012:pricingplan/ZZZZZZZZZZ"
	associate := func(plan string, rules ...string) error {
		_, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &plan, PricingRuleArns: rules})
		return err
	}
	disassociate := func(plan string, rules ...string) error {
		_, err := c.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: &plan, PricingRuleArns: rules})
		return err
	}
	validation := []struct {
		name          string
		call          func() error
		reason, field string
	}{
		{"already associated", func() error { return associate(plan, loose, global) }, "PRICINGRULES_ALREADY_ASSOCIATED", "PricingRuleArns[1]"},
		{"duplicate in request", func() error { return associate(plan, loose, loose) }, "DUPLICATE_PRICINGRULE_ARNS", "PricingRuleArns[1]"},
		{"rule does not exist", func() error { return associate(plan, unknownRule) }, "PRICINGRULES_NOT_EXIST", "PricingRuleArns[0]"},
		{"another payer's rule", func() error { return associate(plan, "arn:aws:billingconductor::210987654321:pricingrule/ZZZZZZZZZZ") },
			"MISMATCHED_PRICINGRULE_ARN", "PricingRuleArns[0]"},
		{"disassociate a rule not in the plan", func() error { return disassociate(plan, global, loose) }, "PRICINGRULES_NOT_ASSOCIATED", "PricingRuleArns[1]"},
		{"disassociate an unknown rule", func() error { return disassociate(plan, unknownRule) }, "PRICINGRULES_NOT_EXIST", "PricingRuleArns[0]"},
		{"rules of a managed plan", func() error { return associate(basicPlan, loose) }, "OTHER", "Arn"},
		{"update to tiering without tiering", func() error {
			_, err := c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &loose, Type: "TIERING"})
			return err
		}, "ILLEGAL_TIERING_INPUT", "Tiering"},
		{"delete an unknown rule", func() error {
			_, err := c.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: &unknownRule})
			return err
		}, "PRICINGRULES_NOT_EXIST", "Arn"},
	}
	for _, tt := range validation {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, c)
			wantValidation(t, tt.call(), tt.reason, tt.field)
			unchanged(t, c, before)
		})
	}
	t.Run("conflicts and not found", func(t *testing.T) {
		before := snapshot(t, c)
		wantConflict(t, associate(plan, global2), "PRICING_RULE_IN_PRICING_PLAN_CONFLICT", "pricingrule", global)
		_, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("clash"), PricingRuleArns: []string{global, global2}})
		wantConflict(t, err, "PRICING_RULE_IN_PRICING_PLAN_CONFLICT", "pricingrule", global)
		_, err = c.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: &global})
		wantConflict(t, err, "PRICING_RULE_ATTACHED_TO_PRICING_PLAN_DELETE_CONFLICT", "pricingplan", plan)
		wantNotFound(t, associate(unknownPlan, loose), "pricingplan", unknownPlan)
		wantNotFound(t, disassociate(unknownPlan, loose), "pricingplan", unknownPlan)
		_, err = c.ListPricingRulesAssociatedToPricingPlan(ctx, &bc.ListPricingRulesAssociatedToPricingPlanInput{PricingPlanArn: &unknownPlan})
		wantNotFound(t, err, "pricingplan", unknownPlan)
		_, err = c.ListPricingPlansAssociatedWithPricingRule(ctx, &bc.ListPricingPlansAssociatedWithPricingRuleInput{PricingRuleArn: &unknownRule})
		wantNotFound(t, err, "pricingrule", unknownRule)
		_, err = c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &unknownRule, Name: aws.String("x")})
		wantNotFound(t, err, "pricingrule", unknownRule)
		_, err = c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &loose, Name: aws.String("global")})
		wantConflict(t, err, "RESOURCE_NAME_CONFLICT", "pricingrule", global)
		// global-2 becoming TIERING would be a second global tiering rule in no
		// plan: fine; the plan's own tiering rule becoming MARKUP collides.
		_, err = c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &tier, Type: "MARKUP", ModifierPercentage: aws.Float64(1)})
		wantConflict(t, err, "PRICING_RULE_IN_PRICING_PLAN_CONFLICT", "pricingrule", global)
		unchanged(t, c, before)
	})
}

func TestUpdatePricingRule(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	arn := createRule(t, c, serviceRule("ec2", "AmazonEC2", types.PricingRuleTypeMarkup, 10))
	plan := createPlan(t, c, "plan")
	associateRules(t, c, plan, arn)
	later := startTime.Add(time.Hour)
	e.clock.Pin(later)
	out, err := c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &arn, Name: aws.String("ec2-v2"),
		Description: aws.String("now a discount"), Type: "DISCOUNT", ModifierPercentage: aws.Float64(7.777)})
	if err != nil {
		t.Fatal(err)
	}
	want := &bc.UpdatePricingRuleOutput{Arn: &arn, Name: aws.String("ec2-v2"), Description: aws.String("now a discount"),
		Scope: "SERVICE", Type: "DISCOUNT", Service: aws.String("AmazonEC2"), ModifierPercentage: aws.Float64(7.78),
		AssociatedPricingPlanCount: 1, LastModifiedTime: later.Unix()}
	if diff := cmp.Diff(want, out, sdkCmp); diff != "" {
		t.Errorf("UpdatePricingRule (-want +got):\n%s", diff)
	}
	out, err = c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &arn, Type: "TIERING",
		Tiering: &types.UpdateTieringInput{FreeTier: &types.UpdateFreeTierConfig{Activated: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.ModifierPercentage != nil || out.Tiering == nil || !aws.ToBool(out.Tiering.FreeTier.Activated) {
		t.Errorf("switch to TIERING: %+v", out)
	}
	// Scope and its targets are create-only: an UpdatePricingRule body naming them changes nothing.
	rules := listRules(t, c, &bc.ListPricingRulesInput{})
	if rules[0].Scope != "SERVICE" || aws.ToString(rules[0].Service) != "AmazonEC2" || rules[0].CreationTime != startTime.Unix() {
		t.Errorf("after updates: %+v", rules[0])
	}
	_, err = c.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: &arn})
	wantConflict(t, err, "PRICING_RULE_ATTACHED_TO_PRICING_PLAN_DELETE_CONFLICT", "pricingplan", plan)
	if _, err := c.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: &plan, PricingRuleArns: []string{arn}}); err != nil {
		t.Fatal(err)
	}
	if del, err := c.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: &arn}); err != nil || aws.ToString(del.Arn) != arn {
		t.Fatalf("DeletePricingRule = %v, %v", del, err)
	}
	if n := len(listRules(t, c, &bc.ListPricingRulesInput{})); n != 0 {
		t.Errorf("%d rules after delete", n)
	}
}

// TestPaginateRulesAndPlans pages 250 rules and 120 plans with small pages.
func TestPaginateRulesAndPlans(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	wantRules := map[string]bool{}
	for i := range 250 {
		e.clock.Pin(startTime.Add(time.Duration(i%7) * time.Second)) // ties in creation time are ordered by ID
		wantRules[createRule(t, c, skuRule(fmt.Sprintf("rule-%03d", i), fmt.Sprintf("Usage-%03d", i)))] = true
	}
	wantPlans := map[string]bool{}
	for i := range 120 {
		wantPlans[createPlan(t, c, fmt.Sprintf("plan-%03d", i))] = true
	}
	seen, pages := map[string]int{}, 0
	p := bc.NewListPricingRulesPaginator(c, &bc.ListPricingRulesInput{MaxResults: aws.Int32(9)})
	var last *bc.ListPricingRulesOutput
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages, last = pages+1, page
		for _, r := range page.PricingRules {
			seen[aws.ToString(r.Arn)]++
		}
	}
	if pages != 28 || len(seen) != 250 || last.NextToken != nil {
		t.Errorf("rules: %d pages, %d distinct, last NextToken %v", pages, len(seen), last.NextToken)
	}
	for arn, n := range seen {
		if n != 1 || !wantRules[arn] {
			t.Errorf("rule %s listed %d times", arn, n)
		}
	}
	seenPlans := map[string]int{}
	pp := bc.NewListPricingPlansPaginator(c, &bc.ListPricingPlansInput{MaxResults: aws.Int32(11)})
	for pp.HasMorePages() {
		page, err := pp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, pl := range page.PricingPlans {
			seenPlans[aws.ToString(pl.Arn)]++
		}
	}
	if len(seenPlans) != 120 {
		t.Errorf("plans: %d distinct", len(seenPlans))
	}
	for arn, n := range seenPlans {
		if n != 1 || !wantPlans[arn] {
			t.Errorf("plan %s listed %d times", arn, n)
		}
	}
	first, err := c.ListPricingRules(ctx, &bc.ListPricingRulesInput{MaxResults: aws.Int32(5)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListPricingRules(ctx, &bc.ListPricingRulesInput{MaxResults: aws.Int32(5), NextToken: first.NextToken,
		Filters: &types.ListPricingRulesFilter{Arns: []string{aws.ToString(first.PricingRules[0].Arn)}}})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "NextToken")
	_, err = c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{NextToken: first.NextToken})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "NextToken")
	// Another payer's token too (PG-3): it would resume after an ID it never saw.
	_, err = e.client(payerB).ListPricingRules(ctx, &bc.ListPricingRulesInput{MaxResults: aws.Int32(5), NextToken: first.NextToken})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "NextToken")
	// A plan with 45 rules, listed 7 at a time; a rule in 20 plans.
	var ruleARNs []string
	for arn := range wantRules {
		ruleARNs = append(ruleARNs, arn)
	}
	plan := createPlan(t, c, "big")
	for i := 0; i < 45; i += 15 {
		associateRules(t, c, plan, ruleARNs[i:i+15]...)
	}
	if got := planRuleARNs(t, c, plan, ""); !cmp.Equal(got, ruleARNs[:45]) {
		t.Errorf("plan rules in association order: %d of 45", len(got))
	}
	var inPlans []string
	for pl := range wantPlans {
		if len(inPlans) == 20 {
			break
		}
		associateRules(t, c, pl, ruleARNs[0])
		inPlans = append(inPlans, pl)
	}
	if got := rulePlanARNs(t, c, ruleARNs[0], ""); len(got) != 21 {
		t.Errorf("rule is in %d plans, want 21", len(got))
	}
}

func TestRulesPerPlanQuota(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	var rules []string
	for i := range 501 {
		rules = append(rules, createRule(t, c, skuRule(fmt.Sprintf("r%03d", i), fmt.Sprintf("Usage-%03d", i))))
	}
	plan := createPlan(t, c, "full")
	for i := 0; i < 500; i += 30 {
		associateRules(t, c, plan, rules[i:min(i+30, 500)]...)
	}
	plans, _ := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if plans.PricingPlans[0].Size != 500 {
		t.Fatalf("Size = %d, want 500", plans.PricingPlans[0].Size)
	}
	before := snapshot(t, c)
	_, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &plan, PricingRuleArns: rules[500:]})
	var limit *types.ServiceLimitExceededException
	if !errorsAs(err, &limit) {
		t.Fatalf("error = %v, want ServiceLimitExceededException", err)
	}
	if aws.ToString(limit.LimitCode) != "L-PRICING-RULES-PER-PLAN" || aws.ToString(limit.ServiceCode) != "billingconductor" ||
		aws.ToString(limit.ResourceId) != plan || aws.ToString(limit.ResourceType) != "pricingplan" {
		t.Errorf("ServiceLimitExceededException = %+v", limit)
	}
	unchanged(t, c, before)
}

// TestRulesMonthBoundary changes plans and rules in December; November's
// rules and associations stay as they were.
func TestRulesMonthBoundary(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	r1 := createRule(t, c, markup("r1", "GLOBAL", 10))
	e.clock.Pin(startTime.Add(time.Second))
	r2 := createRule(t, c, serviceRule("r2", "AmazonEC2", types.PricingRuleTypeMarkup, 20))
	plan := createPlan(t, c, "plan")
	associateRules(t, c, plan, r1, r2)
	novRules := listRules(t, c, &bc.ListPricingRulesInput{})

	e.clock.Pin(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	if _, err := c.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: &plan, PricingRuleArns: []string{r1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: &r1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePricingRule(ctx, &bc.UpdatePricingRuleInput{Arn: &r2, ModifierPercentage: aws.Float64(30)}); err != nil {
		t.Fatal(err)
	}
	r3 := createRule(t, c, serviceRule("r3", "AmazonS3", types.PricingRuleTypeDiscount, 1))
	associateRules(t, c, plan, r3)

	if got := planRuleARNs(t, c, plan, "2026-11"); !cmp.Equal(got, []string{r1, r2}) {
		t.Errorf("November rules of the plan = %v", got)
	}
	if got := planRuleARNs(t, c, plan, ""); !cmp.Equal(got, []string{r2, r3}) {
		t.Errorf("December rules of the plan = %v", got)
	}
	if diff := cmp.Diff(novRules, listRules(t, c, &bc.ListPricingRulesInput{BillingPeriod: aws.String("2026-11")}), sdkCmp); diff != "" {
		t.Errorf("November rules changed (-before +after):\n%s", diff)
	}
	if got := rulePlanARNs(t, c, r1, "2026-11"); !cmp.Equal(got, []string{plan}) {
		t.Errorf("November plans of the deleted rule = %v", got)
	}
	_, err := c.ListPricingPlansAssociatedWithPricingRule(ctx, &bc.ListPricingPlansAssociatedWithPricingRuleInput{PricingRuleArn: &r1})
	wantNotFound(t, err, "pricingrule", r1)
	dec := listRules(t, c, &bc.ListPricingRulesInput{})
	if len(dec) != 2 || aws.ToFloat64(dec[0].ModifierPercentage) != 30 {
		t.Errorf("December rules = %+v", dec)
	}
}
