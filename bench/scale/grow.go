package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// rulesPerPlan is how many of the 2N pricing rules each plan holds, so
// that N groups have N/5 plans (10,000 rules in 1,000 plans at 5,000).
const rulesPerPlan = 10

// services are the SERVICE scopes of the rules of one plan: a plan holds
// one modifier rule per scope.
var services = [rulesPerPlan]string{"AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonDynamoDB",
	"AmazonCloudFront", "AmazonVPC", "AmazonEKS", "AmazonSNS", "AmazonSQS"}

// payer is what the benchmark created so far. Group i holds accounts 2i
// and 2i+1; the last group is the one CreateBillingGroup and
// DeleteBillingGroup churn, so it has no custom line items.
type payer struct {
	groups    []string // billing group ARNs
	plans     []string // pricing plan ARNs
	planRules []int    // rules in each plan
	rules     int      // pricing rules in plans
	items     int      // custom line items
	spare     string   // a linked account in no group
	churns    int      // groups recreated so far, for fresh names
}

// logger prints progress lines stamped with the time since the run began.
type logger struct {
	w     io.Writer
	start time.Time
}

func (l *logger) printf(format string, args ...any) {
	fmt.Fprintf(l.w, "[%7.1fs] %s\n", time.Since(l.start).Seconds(), fmt.Sprintf(format, args...))
}

// grow brings the payer to n billing groups, 2n pricing rules in plans of
// rulesPerPlan and 2n custom line items, with workers concurrent clients.
func (p *payer) grow(ctx context.Context, c *bc.Client, n, workers int, log *logger) error {
	rules := 2 * n
	plans := (rules + rulesPerPlan - 1) / rulesPerPlan
	if err := p.growPlans(ctx, c, plans, rules, workers, log); err != nil {
		return err
	}
	if err := p.growGroups(ctx, c, n, workers, log); err != nil {
		return err
	}
	return p.growItems(ctx, c, 2*n, workers, log)
}

// growPlans fills plans up to rulesPerPlan and adds plans until there are
// rules rules in plans plans.
func (p *payer) growPlans(ctx context.Context, c *bc.Client, plans, rules, workers int, log *logger) error {
	from := max(0, len(p.plans)-1) // the last plan may not be full
	for len(p.plans) < plans {
		p.plans, p.planRules = append(p.plans, ""), append(p.planRules, 0)
	}
	err := parallel(ctx, workers, from, plans, "pricing plans", log, func(k int) error {
		want := min(rulesPerPlan, rules-k*rulesPerPlan)
		return p.fillPlan(ctx, c, k, want)
	})
	p.rules = rules
	return err
}

// fillPlan creates the missing rules of plan k, then the plan with them or
// associates them with it.
func (p *payer) fillPlan(ctx context.Context, c *bc.Client, k, want int) error {
	var arns []string
	for r := p.planRules[k]; r < want; r++ {
		out, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{
			Name: aws.String(fmt.Sprintf("rule-%06d", k*rulesPerPlan+r)), Scope: types.PricingRuleScopeService,
			Service: aws.String(services[r]), Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(10)})
		if err != nil {
			return fmt.Errorf("CreatePricingRule: %w", err)
		}
		arns = append(arns, *out.Arn)
	}
	if len(arns) == 0 {
		return nil
	}
	p.planRules[k] = want
	if p.plans[k] != "" {
		_, err := c.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: aws.String(p.plans[k]), PricingRuleArns: arns})
		return wrap("AssociatePricingRules", err)
	}
	out, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(fmt.Sprintf("plan-%05d", k)), PricingRuleArns: arns})
	if err != nil {
		return fmt.Errorf("CreatePricingPlan: %w", err)
	}
	p.plans[k] = *out.Arn
	return nil
}

// growGroups creates billing groups until there are n.
func (p *payer) growGroups(ctx context.Context, c *bc.Client, n, workers int, log *logger) error {
	from := len(p.groups)
	p.groups = append(p.groups, make([]string, n-from)...)
	return parallel(ctx, workers, from, n, "billing groups", log, func(i int) error {
		arn, err := p.createGroup(ctx, c, i, fmt.Sprintf("group-%05d", i))
		p.groups[i] = arn
		return err
	})
}

// createGroup creates billing group i (accounts 2i and 2i+1) and returns its ARN.
func (p *payer) createGroup(ctx context.Context, c *bc.Client, i int, name string) (string, error) {
	out, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String(name),
		PrimaryAccountId:      aws.String(account(2 * i)),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{account(2 * i), account(2*i + 1)}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(p.plans[i%len(p.plans)])}})
	if err != nil {
		return "", fmt.Errorf("CreateBillingGroup: %w", err)
	}
	return *out.Arn, nil
}

// growItems creates flat custom line items until there are n: item j on
// group j/2, or on group 0 when that is the churned last group.
func (p *payer) growItems(ctx context.Context, c *bc.Client, n, workers int, log *logger) error {
	from := p.items
	p.items = n
	return parallel(ctx, workers, from, n, "custom line items", log, func(j int) error {
		g := j / 2
		if g >= len(p.groups)-1 {
			g = 0
		}
		_, err := createItem(ctx, c, p.groups[g], fmt.Sprintf("item-%06d", j))
		return err
	})
}

// createItem creates a flat FEE of 5 on the group and returns its ARN.
func createItem(ctx context.Context, c *bc.Client, group, name string) (string, error) {
	out, err := c.CreateCustomLineItem(ctx, &bc.CreateCustomLineItemInput{Name: aws.String(name),
		Description: aws.String("scale benchmark"), BillingGroupArn: aws.String(group),
		ChargeDetails: &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee,
			Flat: &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(5)}}})
	if err != nil {
		return "", fmt.Errorf("CreateCustomLineItem: %w", err)
	}
	return *out.Arn, nil
}

// parallel calls fn(i) for every i in [from, to) from workers goroutines,
// printing progress every 10 s and at the end; it returns the first error.
func parallel(ctx context.Context, workers, from, to int, what string, log *logger, fn func(int) error) error {
	if from >= to {
		return nil
	}
	var next, done atomic.Int64
	next.Store(int64(from))
	var once sync.Once
	var first error
	stop := progress(log, what, from, to, &done)
	defer stop()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < to && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(to))
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return first
}

// progress prints how many of what are done every 10 s until stop is called.
func progress(log *logger, what string, from, to int, done *atomic.Int64) (stop func()) {
	t := time.NewTicker(10 * time.Second)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				log.printf("  %s: %d of %d", what, from+int(done.Load()), to)
			case <-quit:
				return
			}
		}
	}()
	return func() {
		t.Stop()
		close(quit)
		log.printf("  %s: %d", what, from+int(done.Load()))
	}
}

// wrap prefixes a non-nil error with the operation's name.
func wrap(op string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
