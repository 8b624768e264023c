package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// TestSIGKILLDuringGroupCommits kills the server while many clients write
// at once, so that commits shared by several requests are in flight, and
// restarts it: every acknowledged CreateBillingGroup is there whole (the
// group, both accounts, its tag), and each one in flight at the kill is
// either there whole or not at all — never a group without its accounts
// or accounts of a group that is not there.
func TestSIGKILLDuringGroupCommits(t *testing.T) {
	const (
		writers  = 32
		cycles   = 3
		accounts = 4000
	)
	data := t.TempDir()
	org := groupCommitOrg(t, accounts)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("kill points from seed %d", seed)

	acked := map[string]gcGroup{}   // by name
	pending := map[string]gcGroup{} // in flight at a kill, by name
	next := 0                       // the next free account
	var plan string
	for cycle := range cycles + 1 {
		p := startProforma(t, data, "--org", org, "--now", "2026-10-15")
		client := newClient(p.URL, gcPayer)
		checkGroupCommitState(t, client, acked, pending, cycle)
		if cycle == cycles {
			p.Stop()
			break
		}
		if plan == "" {
			ctx, cancel := callCtx()
			out, err := client.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("writers")})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			plan = *out.Arn
		}

		killAfter := int64(100 + rng.IntN(300))
		var acks atomic.Int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for k := 0; ; k++ {
					mu.Lock()
					if next+2 > accounts {
						mu.Unlock()
						t.Errorf("out of accounts")
						return
					}
					g := gcGroup{name: fmt.Sprintf("c%d-w%d-%d", cycle, w, k), accounts: [2]string{gcAccount(next), gcAccount(next + 1)}}
					next += 2
					pending[g.name] = g
					mu.Unlock()
					ctx, cancel := callCtx()
					out, err := client.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{Name: aws.String(g.name),
						PrimaryAccountId:      aws.String(g.accounts[0]),
						AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: g.accounts[:]},
						ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
						Tags:                  map[string]string{"writer": g.name}})
					cancel()
					if err != nil {
						if a, ok := responded(err); ok && a.code != "" {
							t.Errorf("%s refused: %v", g.name, err)
						}
						return // the server is gone: g stays pending
					}
					g.arn = *out.Arn
					mu.Lock()
					delete(pending, g.name)
					acked[g.name] = g
					mu.Unlock()
					acks.Add(1)
				}
			})
		}
		for acks.Load() < killAfter {
			time.Sleep(time.Millisecond)
		}
		commits, writes := storeCommits(t, p.URL)
		p.Kill()
		wg.Wait()
		t.Logf("cycle %d: killed after %d acknowledged creates (%v writes in %v commits), %d in flight",
			cycle, acks.Load(), writes, commits, len(pending))
		if commits >= writes {
			t.Errorf("cycle %d: %v commits for %v writes: no commit was shared", cycle, commits, writes)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}

const gcPayer = "123456789012"

// gcGroup is a billing group a writer created, or tried to.
type gcGroup struct {
	name, arn string
	accounts  [2]string
}

func gcAccount(i int) string { return fmt.Sprintf("3%011d", i) }

// groupCommitOrg writes an organization of one payer with n accounts.
func groupCommitOrg(t *testing.T, n int) string {
	type account struct {
		ID string `json:"id"`
	}
	accounts := make([]account, n)
	for i := range accounts {
		accounts[i].ID = gcAccount(i)
	}
	b, _ := json.Marshal(map[string]any{"payers": []any{map[string]any{"id": gcPayer, "accounts": accounts}}})
	path := filepath.Join(t.TempDir(), "org.json")
	writeFile(t, path, string(b))
	return path
}

// storeCommits reads the store's commit counters from the metrics.
func storeCommits(t *testing.T, base string) (commits, writes float64) {
	m := scrape(t, base)
	return value(t, m, "proforma_store_commits_total", nil), value(t, m, "proforma_store_committed_writes_total", nil)
}

// checkGroupCommitState lists every group and association after a restart:
// acknowledged groups are there whole, pending ones whole or not at all
// (those found join acked), and nothing else is there.
func checkGroupCommitState(t *testing.T, client *bc.Client, acked, pending map[string]gcGroup, cycle int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	groups := map[string]types.BillingGroupListElement{} // by name
	for pages := bc.NewListBillingGroupsPaginator(client, &bc.ListBillingGroupsInput{}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.BillingGroups {
			groups[*g.Name] = g
		}
	}
	members := map[string][]string{} // group ARN → accounts
	for pages := bc.NewListAccountAssociationsPaginator(client, &bc.ListAccountAssociationsInput{}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.LinkedAccounts {
			if a.BillingGroupArn != nil {
				members[*a.BillingGroupArn] = append(members[*a.BillingGroupArn], *a.AccountId)
			}
		}
	}
	whole := func(g gcGroup, found types.BillingGroupListElement) bool {
		m := members[*found.Arn]
		tags, err := client.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: found.Arn})
		return err == nil && tags.Tags["writer"] == g.name && found.Size == 2 && len(m) == 2 &&
			((m[0] == g.accounts[0] && m[1] == g.accounts[1]) || (m[0] == g.accounts[1] && m[1] == g.accounts[0]))
	}
	for name, g := range acked {
		found, ok := groups[name]
		if !ok || *found.Arn != g.arn || !whole(g, found) {
			t.Fatalf("restart %d: acknowledged group %s (%s) is missing or partial: %+v, accounts %v", cycle, name, g.arn, found, members[g.arn])
		}
	}
	committed := 0
	for name, g := range pending {
		if found, ok := groups[name]; ok {
			if !whole(g, found) {
				t.Fatalf("restart %d: group %s, in flight at the kill, is half there: %+v, accounts %v", cycle, name, found, members[*found.Arn])
			}
			g.arn = *found.Arn
			acked[name] = g
			committed++
		}
	}
	for name, g := range pending {
		if _, ok := groups[name]; !ok {
			for arn, m := range members {
				for _, a := range m {
					if a == g.accounts[0] || a == g.accounts[1] {
						t.Fatalf("restart %d: account %s of %s (in flight, not created) is in %s", cycle, a, name, arn)
					}
				}
			}
		}
	}
	if len(groups) != len(acked) {
		t.Fatalf("restart %d: %d groups, %d created", cycle, len(groups), len(acked))
	}
	if cycle > 0 {
		t.Logf("restart %d: %d of %d creates in flight at the kill had been committed; %d groups whole", cycle, committed, len(pending), len(acked))
	}
	clear(pending)
}
