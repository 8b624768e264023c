package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// TestBackupWhileWriting backs a running server's store up while a client
// keeps creating pricing rules: `proforma serve --data` opens the copy
// with every rule acknowledged before the backup began, and no rule the
// server never acknowledged.
func TestBackupWhileWriting(t *testing.T) {
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	p := startProforma(t, data)
	c := newClient(p.URL, "123456789012")
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := callCtx()
			name := fmt.Sprintf("r%05d", i)
			_, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: &name, Scope: types.PricingRuleScopeGlobal,
				Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(1)})
			cancel()
			if err != nil {
				t.Errorf("create %s: %v", name, err)
				return
			}
			mu.Lock()
			acked = append(acked, name)
			mu.Unlock()
		}
	})
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	msg := runProforma(t, "backup", "--data", data, "--out", out)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if !strings.Contains(msg, "backed up") || len(before) == 0 {
		t.Fatalf("backup said %q after %d writes", msg, len(before))
	}

	restored := startProforma(t, out)
	rc := newClient(restored.URL, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	got := map[string]bool{}
	for pages := bc.NewListPricingRulesPaginator(rc, &bc.ListPricingRulesInput{}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.PricingRules {
			got[aws.ToString(r.Name)] = true
		}
	}
	for _, name := range before {
		if !got[name] {
			t.Fatalf("rule %s, acknowledged before the backup, is missing from the copy (%d of %d rules there)", name, len(got), len(acked))
		}
	}
	ackedAll := map[string]bool{}
	for _, name := range acked {
		ackedAll[name] = true
	}
	extra := 0
	for name := range got {
		if !ackedAll[name] {
			extra++
		}
	}
	if extra > 1 { // the one in flight when the writer stopped may have committed
		t.Errorf("%d rules in the copy were never acknowledged", extra)
	}
	t.Logf("%d rules acknowledged before the backup, %d in the copy, %d by the end", len(before), len(got), len(acked))

	// A copy is never written over, and a missing store is said so.
	if msg := runProformaFailing(t, nil, "backup", "--data", data, "--out", out); !strings.Contains(msg, "already holds a store") {
		t.Errorf("backup over a copy: %q", msg)
	}
	if msg := runProformaFailing(t, nil, "backup", "--data", t.TempDir(), "--out", t.TempDir()); !strings.Contains(msg, "no store to back up") {
		t.Errorf("backup of nothing: %q", msg)
	}
}
