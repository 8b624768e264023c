package conductor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// BenchmarkCreateCustomLineItem times CreateCustomLineItem for a payer that
// already owns 10, 1,000 and 5,000 items (written as records, the way an
// older store holds them), so growth with the payer's size is visible.
func BenchmarkCreateCustomLineItem(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			svc, _, c, group := itemBenchService(b, n)
			ctx := context.Background()
			create := func(i int) {
				flat := 1.0
				_, err := svc.CreateCustomLineItem(ctx, c, conductor.CreateCustomLineItemInput{
					Name: fmt.Sprintf("bench-%d", i), BillingGroupARN: group,
					Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &flat},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			create(-1) // a first write builds what an older store lacks
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				create(i)
			}
		})
	}
}

// itemBenchService is a service whose default payer has one billing group
// holding n flat custom line items in the current period.
func itemBenchService(b *testing.B, n int) (*conductor.Service, conductor.Store, conductor.Caller, string) {
	ctx := context.Background()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	svc := conductor.NewService(store, clock, nil)
	if err := svc.SeedOrganization(ctx, conductor.DemoOrganization()); err != nil {
		b.Fatal(err)
	}
	c := conductor.Caller{Account: "123456789012"}
	group, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{
		Name: "bench", PrimaryAccountID: "100000000001", LinkedAccountIDs: []string{"100000000001"},
		PricingPlanARN: benchPlan(b, svc, c),
	})
	if err != nil {
		b.Fatal(err)
	}
	id := group[strings.LastIndex(group, "/")+1:]
	period := svc.CurrentPeriod()
	err = store.Update(ctx, func(tx conductor.Tx) error {
		for i := range n {
			flat := 1.0
			item := conductor.CustomLineItem{ID: fmt.Sprintf("x%09d", i), Name: fmt.Sprintf("old-%d", i), BillingGroupID: id,
				AccountID: "100000000001", Type: conductor.ChargeFee, Flat: &flat, ComputationRule: conductor.ComputationConsolidated}
			data, err := json.Marshal(item)
			if err != nil {
				return err
			}
			if err := tx.Put(c.Account, "customlineitem", item.ID, period, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc, store, c, group
}

func benchPlan(b *testing.B, svc *conductor.Service, c conductor.Caller) string {
	arn, err := svc.CreatePricingPlan(context.Background(), c, conductor.CreatePricingPlanInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return arn
}

// BenchmarkAssociatePricingRules times associating a rule with a plan and
// disassociating it again for a payer that owns 10, 1,000 and 5,000 plans
// (written as records, the way an older store holds them).
func BenchmarkAssociatePricingRules(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("plans=%d", n), func(b *testing.B) {
			svc, store, c, _ := itemBenchService(b, 0)
			ctx := context.Background()
			pct := 10.0
			rule, err := svc.CreatePricingRule(ctx, c, conductor.CreatePricingRuleInput{PricingRule: conductor.PricingRule{
				Name: "r", Scope: conductor.ScopeGlobal, Type: conductor.RuleDiscount, ModifierPercentage: &pct}})
			if err != nil {
				b.Fatal(err)
			}
			plan := benchPlans(b, svc, store, c, n)
			for b.Loop() {
				if _, err := svc.AssociatePricingRules(ctx, c, plan, []string{rule}); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.DisassociatePricingRules(ctx, c, plan, []string{rule}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchPlans writes n plans as records and returns the ARN of a plan
// created through the service.
func benchPlans(b *testing.B, svc *conductor.Service, store conductor.Store, c conductor.Caller, n int) string {
	ctx := context.Background()
	err := store.Update(ctx, func(tx conductor.Tx) error {
		for i := range n {
			p := conductor.PricingPlan{ID: fmt.Sprintf("x%09d", i), Name: fmt.Sprintf("old-%d", i)}
			data, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if err := tx.Put(c.Account, "pricingplan", p.ID, svc.CurrentPeriod(), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	arn, err := svc.CreatePricingPlan(ctx, c, conductor.CreatePricingPlanInput{Name: "target"}) // builds what an older store lacks
	if err != nil {
		b.Fatal(err)
	}
	return arn
}

// itemBenchPayer is itemBenchService with, besides the n flat items, n/10
// percentage items each using one of them (written as records, the way an
// older store holds them), after a first write through the service that
// builds what an older store lacks. It returns the ARN of that write's
// item, a flat item of the group.
func itemBenchPayer(b *testing.B, n int) (*conductor.Service, conductor.Caller, string, string) {
	svc, store, c, group := itemBenchService(b, n)
	ctx := context.Background()
	id := group[strings.LastIndex(group, "/")+1:]
	period := svc.CurrentPeriod()
	err := store.Update(ctx, func(tx conductor.Tx) error {
		for i := range n / 10 {
			pct := 10.0
			item := conductor.CustomLineItem{ID: fmt.Sprintf("y%09d", i), Name: fmt.Sprintf("pct-%d", i), BillingGroupID: id,
				AccountID: "100000000001", Type: conductor.ChargeFee, Percentage: &pct, ComputationRule: conductor.ComputationConsolidated}
			data, err := json.Marshal(item)
			if err != nil {
				return err
			}
			if err := tx.Put(c.Account, "customlineitem", item.ID, period, data); err != nil {
				return err
			}
			flat := conductor.ARN(c.Account, conductor.TypeCustomLineItem, fmt.Sprintf("x%09d", i))
			link, err := json.Marshal(map[string]string{"Target": item.ID, "Resource": flat})
			if err != nil {
				return err
			}
			if err := tx.Put(c.Account, "clilink", item.ID+"/"+flat, period, link); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	flat := 1.0
	arn, err := svc.CreateCustomLineItem(ctx, c, conductor.CreateCustomLineItemInput{Name: "first", BillingGroupARN: group,
		Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &flat}})
	if err != nil {
		b.Fatal(err)
	}
	return svc, c, group, arn
}

// BenchmarkDeleteCustomLineItem times deleting a flat item (created
// untimed before each delete) for a payer that owns 10, 1,000 and 5,000
// items and a tenth as many links.
func BenchmarkDeleteCustomLineItem(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			svc, c, group, _ := itemBenchPayer(b, n)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				flat := 1.0
				arn, err := svc.CreateCustomLineItem(ctx, c, conductor.CreateCustomLineItemInput{Name: fmt.Sprint("bench-", i),
					BillingGroupARN: group, Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Flat: &flat}})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := svc.DeleteCustomLineItem(ctx, c, arn, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListCustomLineItems times the first page of 10 items for a
// payer that owns 10, 1,000 and 5,000 items and a tenth as many links.
func BenchmarkListCustomLineItems(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			svc, c, _, _ := itemBenchPayer(b, n)
			ctx := context.Background()
			for b.Loop() {
				items, _, err := svc.ListCustomLineItems(ctx, c, conductor.ListCustomLineItemsInput{Page: conductor.Page{MaxResults: 10}})
				if err != nil || len(items) != 10 {
					b.Fatal(len(items), err)
				}
			}
		})
	}
}

// BenchmarkAssociateCustomLineItem times associating a flat item with a
// percentage item, listing the flat item's PARENT resources and
// disassociating it again, for a payer that owns 10, 1,000 and 5,000
// items and a tenth as many links.
func BenchmarkAssociateCustomLineItem(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			svc, c, group, flat := itemBenchPayer(b, n)
			ctx := context.Background()
			pct := 10.0
			target, err := svc.CreateCustomLineItem(ctx, c, conductor.CreateCustomLineItemInput{Name: "target", BillingGroupARN: group,
				Charge: conductor.ChargeDetails{Type: conductor.ChargeFee, Percentage: &pct}})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := svc.BatchAssociateResourcesToCustomLineItem(ctx, c, target, []string{flat}, nil); err != nil {
					b.Fatal(err)
				}
				rs, _, _, err := svc.ListResourcesAssociatedToCustomLineItem(ctx, c, flat, "", conductor.RelationshipParent, conductor.Page{})
				if err != nil || len(rs) != 1 {
					b.Fatal(rs, err)
				}
				if _, err := svc.BatchDisassociateResourcesFromCustomLineItem(ctx, c, target, []string{flat}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
