package restjson_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// TestConcurrentClientsKeepInvariants runs many clients that associate and
// disassociate overlapping accounts and create same-named resources at
// once, then checks: every account in at most one group, Size equal to the
// member count, each name created once, plan sizes equal to their rules.
// Run it under -race (CI does).
func TestConcurrentClientsKeepInvariants(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	var groups []string
	for i := range 4 {
		groups = append(groups, createGroup(t, c, fmt.Sprintf("g%d", i), fmt.Sprintf("1000000000%02d", 31+i)))
	}
	plan := createPlan(t, c, "shared")
	var rules []string
	for i := range 6 {
		rules = append(rules, createRule(t, c, skuRule(fmt.Sprintf("r%d", i), fmt.Sprintf("U%d", i))))
	}
	accounts := []string{linked1, linked2, linked3, linked4, "100000000005", "100000000006"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]int{}
	for w := range 8 {
		wg.Go(func() {
			cl := e.client(payerA)
			for i := range 12 {
				g := groups[(w+i)%len(groups)]
				acct := accounts[(w*7+i)%len(accounts)]
				if i%2 == 0 {
					cl.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &g, AccountIds: []string{acct}})
				} else {
					cl.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: &g, AccountIds: []string{acct}})
				}
				r := rules[(w+i)%len(rules)]
				cl.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: &plan, PricingRuleArns: []string{r}})
				if i%3 == 0 {
					cl.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: &plan, PricingRuleArns: []string{r}})
				}
				name := fmt.Sprintf("contested-%d", i%3)
				_, err := cl.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: &name})
				var conflict *types.ConflictException
				switch {
				case err == nil:
					mu.Lock()
					created[name]++
					mu.Unlock()
				case !errors.As(err, &conflict):
					t.Errorf("CreatePricingPlan %s: %v", name, err)
				}
			}
		})
	}
	wg.Wait()
	for name, n := range created {
		if n != 1 {
			t.Errorf("plan %s created %d times", name, n)
		}
	}
	members := map[string]int64{}
	seen := map[string]bool{}
	for _, a := range listAssociations(t, c, &bc.ListAccountAssociationsInput{}) {
		id := aws.ToString(a.AccountId)
		if seen[id] {
			t.Errorf("account %s listed twice", id)
		}
		seen[id] = true
		if a.BillingGroupArn != nil {
			members[aws.ToString(a.BillingGroupArn)]++
		}
	}
	for _, g := range listGroups(t, c, &bc.ListBillingGroupsInput{}) {
		if g.Size != members[aws.ToString(g.Arn)] {
			t.Errorf("group %s: Size %d, %d members", aws.ToString(g.Name), g.Size, members[aws.ToString(g.Arn)])
		}
	}
	plans, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{Filters: &types.ListPricingPlansFilter{Arns: []string{plan}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(planRuleARNs(t, c, plan, ""))); plans.PricingPlans[0].Size != n {
		t.Errorf("plan Size %d, %d rules", plans.PricingPlans[0].Size, n)
	}
}
