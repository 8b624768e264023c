package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/scenario"
)

// Kinds of operation: what the growth ratio is judged against.
const (
	kindSingle = "single"      // one resource: should grow at most 2×
	kindFirst  = "first page"  // the first page of a list: should grow at most 2×
	kindWalk   = "all pages"   // every page of a list: should grow linearly
	kindWhole  = "whole payer" // one call over all the payer's resources: should grow linearly
)

// The what-if operations (issue 17), called on the scenario Manager
// in-process: the HTTP routes only wrap them.
const (
	opCreateScenario = "Create scenario"
	opCompare        = "Compare scenario"
	opCompareAll     = "Compare scenario, every group changed"
	opCompareCold    = "Compare scenario, every group changed, cold engine"
)

// op is one measured operation. Before each timed call of run, setup (if
// any) runs untimed, and teardown (if any) after it, so that every sample
// sees the payer at the same size. run returns how many pages it read.
type op struct {
	name     string
	kind     string
	needsCUR bool
	setup    func(context.Context) error
	run      func(context.Context) (int, error)
	teardown func(context.Context) error
}

// bench is the state the operations work on.
type bench struct {
	c    *bc.Client
	p    *payer
	seq  int    // suffix of created names
	rule string // ARN of the rule created by the last setup or run
	item string // ARN of the item created by the last setup or run
	plan string // ARN of the plan created by the last setup or run

	scenarios     *scenario.Manager
	coldScenarios func() *scenario.Manager // a Manager whose engine has priced and decoded nothing yet
	scenario      string                   // ID of the scenario created by the last Create scenario
	few, all      compared                 // the scenarios Compare measures
}

// ops returns the measured operations, in the order they are run and printed.
func (b *bench) ops() []op {
	return []op{
		{name: "CreateBillingGroup", kind: kindSingle, setup: b.deleteChurn, run: one(b.createChurn)},
		{name: "DeleteBillingGroup", kind: kindSingle, run: one(b.deleteChurn), teardown: b.createChurn},
		{name: "ListBillingGroups", kind: kindFirst, run: b.listGroups(false)},
		{name: "ListBillingGroups", kind: kindWalk, run: b.listGroups(true)},
		{name: "ListBillingGroups by ARN", kind: kindSingle, run: b.getGroup},
		{name: "UpdateBillingGroup", kind: kindSingle, run: one(b.updateGroup)},
		{name: "CreatePricingRule", kind: kindSingle, run: one(b.createRule), teardown: b.deleteRule},
		{name: "DeletePricingRule", kind: kindSingle, setup: b.createRule, run: one(b.deleteRule)},
		{name: "ListPricingRules", kind: kindFirst, run: b.listRules(false)},
		{name: "ListPricingRules", kind: kindWalk, run: b.listRules(true)},
		{name: "ListPricingPlans", kind: kindFirst, run: b.listPlans},
		{name: "CreatePricingPlan", kind: kindSingle, run: one(b.createPlan), teardown: b.deletePlan},
		{name: "DeletePricingPlan", kind: kindSingle, setup: b.createPlan, run: one(b.deletePlan)},
		{name: "AssociatePricingRules", kind: kindSingle, setup: b.createRule, run: one(b.associateRule), teardown: b.unlinkRule},
		{name: "DisassociatePricingRules", kind: kindSingle, setup: b.createLinkedRule, run: one(b.disassociateRule), teardown: b.deleteRule},
		{name: "ListPricingRulesAssociatedToPricingPlan", kind: kindFirst, run: b.planRules},
		{name: "ListPricingPlansAssociatedWithPricingRule", kind: kindFirst, setup: b.createLinkedRule, run: b.rulePlans, teardown: b.unlinkRule},
		{name: "CreateCustomLineItem", kind: kindSingle, run: one(b.createItem), teardown: b.deleteItem},
		{name: "DeleteCustomLineItem", kind: kindSingle, setup: b.createItem, run: one(b.deleteItem)},
		{name: "UpdateCustomLineItem", kind: kindSingle, setup: b.createItem, run: one(b.updateItem), teardown: b.deleteItem},
		{name: "ListCustomLineItems", kind: kindFirst, run: b.listItems(false)},
		{name: "ListCustomLineItems", kind: kindWalk, run: b.listItems(true)},
		{name: "AssociateAccounts", kind: kindSingle, run: one(b.associate), teardown: b.disassociate},
		{name: "DisassociateAccounts", kind: kindSingle, setup: b.associate, run: one(b.disassociate)},
		{name: "ListAccountAssociations", kind: kindFirst, run: b.listAssociations},
		{name: "ListAccountAssociations of a group", kind: kindFirst, run: b.groupAssociations},
		{name: "GetBillingGroupCostReport", kind: kindSingle, needsCUR: true, run: b.costReport},
		{name: "ListBillingGroupCostReports", kind: kindFirst, needsCUR: true, run: b.listCostReports(false)},
		{name: "ListBillingGroupCostReports", kind: kindWalk, needsCUR: true, run: b.listCostReports(true)},
		{name: opCreateScenario, kind: kindWhole, run: one(b.createScenario), teardown: b.deleteScenario},
		{name: opCompare, kind: kindWhole, needsCUR: true, setup: b.compareScenario, run: one(b.compare(&b.few))},
		{name: opCompareAll, kind: kindWhole, needsCUR: true, setup: b.compareAllScenario, run: one(b.compare(&b.all))},
		{name: opCompareCold, kind: kindWhole, needsCUR: true, setup: b.compareAllScenario, run: one(b.compareCold(&b.all))},
	}
}

// firstPageSize is the MaxResults of a listing: a first page asks for 10
// items, so that it returns as much at every size and its growth measures
// what else the payer holds; a walk takes the default page.
func firstPageSize(all bool) *int32 {
	if all {
		return nil
	}
	return aws.Int32(10)
}

// one adapts a call that reads no pages to op.run.
func one(f func(context.Context) error) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) { return 1, f(ctx) }
}

// createChurn creates the last billing group again, under a fresh name.
func (b *bench) createChurn(ctx context.Context) error {
	last := len(b.p.groups) - 1
	b.p.churns++
	arn, err := b.p.createGroup(ctx, b.c, last, fmt.Sprintf("group-%05d-%d", last, b.p.churns))
	b.p.groups[last] = arn
	return err
}

// deleteChurn deletes the last billing group.
func (b *bench) deleteChurn(ctx context.Context) error {
	_, err := b.c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: aws.String(b.p.groups[len(b.p.groups)-1])})
	return wrap("DeleteBillingGroup", err)
}

// createRule creates a pricing rule in no plan, for a service no plan of
// the payer has a rule for (so that it can join one).
func (b *bench) createRule(ctx context.Context) error {
	b.seq++
	out, err := b.c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String(fmt.Sprintf("timed-rule-%d", b.seq)),
		Scope: types.PricingRuleScopeService, Service: aws.String("AmazonRoute53"),
		Type: types.PricingRuleTypeDiscount, ModifierPercentage: aws.Float64(5)})
	if err != nil {
		return fmt.Errorf("CreatePricingRule: %w", err)
	}
	b.rule = *out.Arn
	return nil
}

func (b *bench) deleteRule(ctx context.Context) error {
	_, err := b.c.DeletePricingRule(ctx, &bc.DeletePricingRuleInput{Arn: aws.String(b.rule)})
	return wrap("DeletePricingRule", err)
}

// createItem creates a custom line item on the first billing group.
func (b *bench) createItem(ctx context.Context) error {
	b.seq++
	arn, err := createItem(ctx, b.c, b.p.groups[0], fmt.Sprintf("timed-item-%d", b.seq))
	b.item = arn
	return err
}

func (b *bench) deleteItem(ctx context.Context) error {
	_, err := b.c.DeleteCustomLineItem(ctx, &bc.DeleteCustomLineItemInput{Arn: aws.String(b.item)})
	return wrap("DeleteCustomLineItem", err)
}

// associate adds the spare account to the first billing group.
func (b *bench) associate(ctx context.Context) error {
	_, err := b.c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: aws.String(b.p.groups[0]), AccountIds: []string{b.p.spare}})
	return wrap("AssociateAccounts", err)
}

func (b *bench) disassociate(ctx context.Context) error {
	_, err := b.c.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: aws.String(b.p.groups[0]), AccountIds: []string{b.p.spare}})
	return wrap("DisassociateAccounts", err)
}

// walk calls page with the token of the previous page ("" first) until a
// page returns no next token, or once when all is false; it returns the
// number of pages read.
func walk(ctx context.Context, name string, all bool, page func(context.Context, *string) (*string, error)) (int, error) {
	var token *string
	for n := 1; ; n++ {
		next, err := page(ctx, token)
		if err != nil {
			return n, fmt.Errorf("%s page %d: %w", name, n, err)
		}
		if !all || aws.ToString(next) == "" {
			return n, nil
		}
		token = next
	}
}

func (b *bench) listGroups(all bool) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		return walk(ctx, "ListBillingGroups", all, func(ctx context.Context, t *string) (*string, error) {
			out, err := b.c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{NextToken: t, MaxResults: firstPageSize(all)})
			if err != nil {
				return nil, err
			}
			return out.NextToken, nil
		})
	}
}

func (b *bench) listRules(all bool) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		return walk(ctx, "ListPricingRules", all, func(ctx context.Context, t *string) (*string, error) {
			out, err := b.c.ListPricingRules(ctx, &bc.ListPricingRulesInput{NextToken: t, MaxResults: firstPageSize(all)})
			if err != nil {
				return nil, err
			}
			return out.NextToken, nil
		})
	}
}

func (b *bench) listPlans(ctx context.Context) (int, error) {
	_, err := b.c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{MaxResults: firstPageSize(false)})
	return 1, wrap("ListPricingPlans", err)
}

func (b *bench) listItems(all bool) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		return walk(ctx, "ListCustomLineItems", all, func(ctx context.Context, t *string) (*string, error) {
			out, err := b.c.ListCustomLineItems(ctx, &bc.ListCustomLineItemsInput{NextToken: t, MaxResults: firstPageSize(all)})
			if err != nil {
				return nil, err
			}
			return out.NextToken, nil
		})
	}
}

func (b *bench) listAssociations(ctx context.Context) (int, error) {
	_, err := b.c.ListAccountAssociations(ctx, &bc.ListAccountAssociationsInput{})
	return 1, wrap("ListAccountAssociations", err)
}

// costReport is GetBillingGroupCostReport of the first group for the
// imported period.
func (b *bench) costReport(ctx context.Context) (int, error) {
	_, err := b.c.GetBillingGroupCostReport(ctx, &bc.GetBillingGroupCostReportInput{Arn: aws.String(b.p.groups[0]),
		BillingPeriodRange: &types.BillingPeriodRange{InclusiveStartBillingPeriod: aws.String(period),
			ExclusiveEndBillingPeriod: aws.String("2026-11")}})
	return 1, wrap("GetBillingGroupCostReport", err)
}

func (b *bench) listCostReports(all bool) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		return walk(ctx, "ListBillingGroupCostReports", all, func(ctx context.Context, t *string) (*string, error) {
			out, err := b.c.ListBillingGroupCostReports(ctx, &bc.ListBillingGroupCostReportsInput{
				BillingPeriod: aws.String(period), NextToken: t, MaxResults: firstPageSize(all)})
			if err != nil {
				return nil, err
			}
			return out.NextToken, nil
		})
	}
}

// getGroup reads the last billing group through the Arns filter, the
// API's way to read one group.
func (b *bench) getGroup(ctx context.Context) (int, error) {
	out, err := b.c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{
		Filters: &types.ListBillingGroupsFilter{Arns: []string{b.p.groups[len(b.p.groups)-1]}}})
	if err == nil && len(out.BillingGroups) != 1 {
		err = fmt.Errorf("%d groups", len(out.BillingGroups))
	}
	return 1, wrap("ListBillingGroups by ARN", err)
}

func (b *bench) updateGroup(ctx context.Context) error {
	b.seq++
	_, err := b.c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{Arn: aws.String(b.p.groups[0]),
		Description: aws.String(fmt.Sprintf("updated %d", b.seq))})
	return wrap("UpdateBillingGroup", err)
}

// createPlan creates a pricing plan with no rules, in no group.
func (b *bench) createPlan(ctx context.Context) error {
	b.seq++
	out, err := b.c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(fmt.Sprintf("timed-plan-%d", b.seq))})
	if err != nil {
		return fmt.Errorf("CreatePricingPlan: %w", err)
	}
	b.plan = *out.Arn
	return nil
}

func (b *bench) deletePlan(ctx context.Context) error {
	_, err := b.c.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: aws.String(b.plan)})
	return wrap("DeletePricingPlan", err)
}

// associateRule adds the last created rule to the last plan of the payer.
func (b *bench) associateRule(ctx context.Context) error {
	_, err := b.c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: aws.String(b.p.plans[len(b.p.plans)-1]),
		PricingRuleArns: []string{b.rule}})
	return wrap("AssociatePricingRules", err)
}

func (b *bench) disassociateRule(ctx context.Context) error {
	_, err := b.c.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: aws.String(b.p.plans[len(b.p.plans)-1]),
		PricingRuleArns: []string{b.rule}})
	return wrap("DisassociatePricingRules", err)
}

// createLinkedRule creates a rule in the last plan.
func (b *bench) createLinkedRule(ctx context.Context) error {
	if err := b.createRule(ctx); err != nil {
		return err
	}
	return b.associateRule(ctx)
}

// unlinkRule takes the last created rule out of its plan and deletes it.
func (b *bench) unlinkRule(ctx context.Context) error {
	if err := b.disassociateRule(ctx); err != nil {
		return err
	}
	return b.deleteRule(ctx)
}

func (b *bench) planRules(ctx context.Context) (int, error) {
	_, err := b.c.ListPricingRulesAssociatedToPricingPlan(ctx, &bc.ListPricingRulesAssociatedToPricingPlanInput{
		PricingPlanArn: aws.String(b.p.plans[0])})
	return 1, wrap("ListPricingRulesAssociatedToPricingPlan", err)
}

func (b *bench) rulePlans(ctx context.Context) (int, error) {
	_, err := b.c.ListPricingPlansAssociatedWithPricingRule(ctx, &bc.ListPricingPlansAssociatedWithPricingRuleInput{
		PricingRuleArn: aws.String(b.rule)})
	return 1, wrap("ListPricingPlansAssociatedWithPricingRule", err)
}

func (b *bench) updateItem(ctx context.Context) error {
	b.seq++
	_, err := b.c.UpdateCustomLineItem(ctx, &bc.UpdateCustomLineItemInput{Arn: aws.String(b.item),
		Description: aws.String(fmt.Sprintf("updated %d", b.seq))})
	return wrap("UpdateCustomLineItem", err)
}

func (b *bench) groupAssociations(ctx context.Context) (int, error) {
	_, err := b.c.ListAccountAssociations(ctx, &bc.ListAccountAssociationsInput{
		Filters: &types.ListAccountAssociationsFilter{Association: aws.String(b.p.groups[0])}})
	return 1, wrap("ListAccountAssociations of a group", err)
}

// createScenario branches the payer's configuration of the current period.
func (b *bench) createScenario(ctx context.Context) error {
	b.seq++
	sc, err := b.scenarios.Create(ctx, conductor.Caller{Account: payerID}, fmt.Sprintf("what-if-%d", b.seq), "")
	b.scenario = sc.ID
	return wrap("Create scenario", err)
}

func (b *bench) deleteScenario(ctx context.Context) error {
	return wrap("Delete scenario", b.scenarios.Delete(ctx, conductor.Caller{Account: payerID}, b.scenario))
}

// compared is a scenario Compare measures, made once per size.
type compared struct {
	id string
	n  int // size (groups) it was made at
}

// compareScenario makes the scenario of Compare scenario: a branch of the
// payer at its current size in which the first rule changes, so that a
// few groups (those of one plan) differ.
func (b *bench) compareScenario(ctx context.Context) error {
	return b.makeCompared(ctx, &b.few, false)
}

// compareAllScenario makes the scenario of Compare scenario, every group
// changed: the AmazonEC2 rule of every plan changes, so every group of the
// payer (all in plans) prices differently from live.
func (b *bench) compareAllScenario(ctx context.Context) error {
	return b.makeCompared(ctx, &b.all, true)
}

func (b *bench) makeCompared(ctx context.Context, sc *compared, all bool) error {
	if sc.n == len(b.p.groups) {
		return nil
	}
	c := conductor.Caller{Account: payerID}
	if sc.id != "" {
		if err := b.scenarios.Delete(ctx, c, sc.id); err != nil {
			return fmt.Errorf("deleting the scenario: %w", err)
		}
	}
	b.seq++
	created, err := b.scenarios.Create(ctx, c, fmt.Sprintf("compared-%d", b.seq), "")
	if err != nil {
		return fmt.Errorf("creating the scenario: %w", err)
	}
	sc.id = created.ID
	inside := b.scenarios.Service(created)
	pct := 33.0
	in := conductor.ListPricingRulesInput{}
	for {
		rules, _, next, err := inside.ListPricingRules(ctx, c, in)
		if err != nil || len(rules) == 0 {
			return fmt.Errorf("ListPricingRules in the scenario: %d rules, %v", len(rules), err)
		}
		for _, r := range rules {
			if all && r.Service != "AmazonEC2" {
				continue
			}
			if _, err := inside.UpdatePricingRule(ctx, c, conductor.UpdatePricingRuleInput{ARN: r.ARN, ModifierPercentage: &pct}); err != nil {
				return fmt.Errorf("UpdatePricingRule in the scenario: %w", err)
			}
			if !all {
				next = ""
				break
			}
		}
		if in.NextToken = next; next == "" {
			break
		}
	}
	sc.n = len(b.p.groups)
	return nil
}

// compare is Compare by service of a scenario, encoded as the HTTP route
// answers it.
func (b *bench) compare(sc *compared) func(context.Context) error {
	return func(ctx context.Context) error { return b.compareWith(ctx, b.scenarios, sc) }
}

// compareCold is compare by a Manager whose engine is new each time: both
// sides decoded and priced from the store.
func (b *bench) compareCold(sc *compared) func(context.Context) error {
	return func(ctx context.Context) error { return b.compareWith(ctx, b.coldScenarios(), sc) }
}

// compareWith runs one Compare of sc through m.
func (b *bench) compareWith(ctx context.Context, m *scenario.Manager, sc *compared) error {
	cmp, err := m.Compare(ctx, conductor.Caller{Account: payerID}, sc.id, true)
	if err != nil {
		return wrap("Compare", err)
	}
	if len(cmp.BillingGroups) != len(b.p.groups) {
		return fmt.Errorf("the comparison has %d groups, the payer %d", len(cmp.BillingGroups), len(b.p.groups))
	}
	_, err = json.Marshal(cmp)
	return err
}
