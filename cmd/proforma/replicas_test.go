package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/harness"
)

// TestReplicasShareOnePostgres runs two servers over one PostgreSQL
// database and has clients of both race for the same resources: one
// billing group name (exactly one create succeeds) and the same accounts
// (each ends in one group at most). Refusals are the API's —
// ACCOUNTS_ALREADY_ASSOCIATED, or WRITE_CONFLICT_RETRY when the retries
// of a serialization conflict ran out — and both replicas then list the
// same state, with every Size equal to its members.
func TestReplicasShareOnePostgres(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	replicas := []*proc{startProforma(t, dsn, "--now", pinnedNow), startProforma(t, dsn, "--now", pinnedNow)}
	clients := []*bc.Client{newClient(replicas[0].URL, payerA), newClient(replicas[1].URL, payerA)}
	ctx, cancel := callCtx()
	defer cancel()
	var groups []string
	for i, c := range clients {
		primary := fmt.Sprintf("1000000000%02d", 1+i)
		out, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String(fmt.Sprintf("replica-%d", i)),
			PrimaryAccountId: aws.String(primary), AccountGrouping: &types.AccountGrouping{LinkedAccountIds: []string{primary}},
			ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlanARN)}})
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, *out.Arn)
	}
	contested := make([]string, 16)
	for i := range contested {
		contested[i] = fmt.Sprintf("1000000000%02d", 10+i)
	}
	var mu sync.Mutex
	var conflicts atomic.Int64 // WRITE_CONFLICT_RETRY answers
	created, associated := 0, map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		c, group := clients[w%2], groups[w%2]
		wg.Go(func() {
			ctx, cancel := callCtx()
			defer cancel()
			_, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String("contested"),
				PrimaryAccountId:      aws.String(fmt.Sprintf("1000000000%02d", 30+w)),
				AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{fmt.Sprintf("1000000000%02d", 30+w)}},
				ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlanARN)}})
			mu.Lock()
			if err == nil {
				created++
			}
			mu.Unlock()
			conflicts.Add(refused(t, err, "RESOURCE_NAME_CONFLICT"))
			for _, a := range contested {
				_, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: aws.String(group), AccountIds: []string{a}})
				mu.Lock()
				if err == nil {
					associated[a]++
				}
				mu.Unlock()
				conflicts.Add(refused(t, err, "ACCOUNTS_ALREADY_ASSOCIATED"))
			}
		})
	}
	wg.Wait()
	t.Logf("%d calls answered WRITE_CONFLICT_RETRY", conflicts.Load())
	if created != 1 {
		t.Errorf("%d CreateBillingGroup calls named contested succeeded across the replicas, want 1", created)
	}
	for _, a := range contested {
		if associated[a] > 1 {
			t.Errorf("account %s was associated %d times", a, associated[a])
		}
	}
	var seen []map[string][]string
	for i, c := range clients {
		members := map[string][]string{}
		for _, a := range listAssociations(t, ctx, fmt.Sprintf("replica %d", i), c, nil) {
			if arn := aws.ToString(a.BillingGroupArn); arn != "" {
				members[arn] = append(members[arn], aws.ToString(a.AccountId))
			}
		}
		out, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range out.BillingGroups {
			if int(g.Size) != len(members[*g.Arn]) {
				t.Errorf("replica %d: group %s has Size %d and %d members", i, *g.Name, g.Size, len(members[*g.Arn]))
			}
		}
		seen = append(seen, members)
	}
	if diff := cmp.Diff(seen[0], seen[1]); diff != "" {
		t.Errorf("the replicas list different associations (-first +second):\n%s", diff)
	}
	for _, a := range contested {
		if associated[a] == 1 && !slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(seen[0][g], a) }) {
			t.Errorf("account %s: its acknowledged association is missing", a)
		}
	}
}

// refused fails the test unless err is nil, the expected refusal, or
// WRITE_CONFLICT_RETRY (serialization conflicts that outlived the
// retries); it returns 1 for the latter.
func refused(t *testing.T, err error, reason string) int64 {
	t.Helper()
	if err == nil {
		return 0
	}
	a, ok := responded(err)
	if ok && a.reason == "WRITE_CONFLICT_RETRY" {
		return 1
	}
	if !ok || a.reason != reason {
		t.Errorf("%v: want success, %s or WRITE_CONFLICT_RETRY", err, reason)
	}
	return 0
}
