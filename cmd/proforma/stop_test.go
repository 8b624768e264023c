package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// TestGracefulStop sends SIGTERM while a CUR upload is half sent and
// clients keep creating pricing rules: the server takes no new
// connection, finishes the upload (imported, answered 200) and the calls
// in flight, exits 0, and after a restart every acknowledged rule and the
// uploaded period are there.
func TestGracefulStop(t *testing.T) {
	data := t.TempDir()
	p := startProforma(t, data, "--shutdown-timeout", "20s", "--now", "2026-10-15")
	addr := strings.TrimPrefix(p.URL, "http://")

	// The upload: engineCUR's header and 20,000 lines, sent over ~1 s.
	header, rest, _ := strings.Cut(engineCUR, "\n")
	line := strings.SplitN(rest, "\n", 2)[0]
	pr, pw := io.Pipe()
	half := make(chan struct{})
	go func() {
		pw.Write([]byte(header + "\n"))
		for i := range 20 {
			var chunk strings.Builder
			for j := range 1000 {
				fmt.Fprintf(&chunk, "x%d-%d%s\n", i, j, line[strings.Index(line, ","):])
			}
			pw.Write([]byte(chunk.String()))
			if i == 10 {
				close(half)
			}
			time.Sleep(50 * time.Millisecond)
		}
		pw.Close()
	}()
	uploaded := make(chan int, 1)
	go func() {
		res, err := http.Post(p.URL+"/_proforma/usage?name=october.csv", "text/csv", pr)
		if err != nil {
			uploaded <- 0
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		uploaded <- res.StatusCode
	}()

	// The burst: four clients creating rules until the server stops.
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			c := newClient(p.URL, "123456789012")
			for i := 0; ; i++ {
				ctx, cancel := callCtx()
				name := fmt.Sprintf("w%d-%05d", w, i)
				_, err := c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: &name, Scope: types.PricingRuleScopeGlobal,
					Type: types.PricingRuleTypeMarkup, ModifierPercentage: aws.Float64(1)})
				cancel()
				if err != nil {
					return // the server stopped taking requests
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		})
	}

	<-half
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := false
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		conn.Close()
	}
	if !refused {
		t.Error("new connections were still accepted 3 s after SIGTERM")
	}
	if status := <-uploaded; status != http.StatusOK {
		t.Errorf("the upload in flight at SIGTERM was answered %d", status)
	}
	wg.Wait()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit within 30 s of SIGTERM")
	}
	if p.waitErr != nil {
		t.Errorf("exit after SIGTERM: %v", p.waitErr)
	}
	if !strings.Contains(p.output.String(), "stopped: every request answered") {
		t.Errorf("no clean stop in the log:\n%s", p.output.String())
	}

	again := startProforma(t, data, "--now", "2026-10-15")
	c := newClient(again.URL, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	got := map[string]bool{}
	for pages := bc.NewListPricingRulesPaginator(c, &bc.ListPricingRulesInput{}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.PricingRules {
			got[aws.ToString(r.Name)] = true
		}
	}
	for _, name := range acked {
		if !got[name] {
			t.Fatalf("rule %s was acknowledged before the stop and is missing after the restart", name)
		}
	}
	res, err := http.Get(again.URL + "/_proforma/usage?payer=123456789012")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"lines":20000`) {
		t.Errorf("the upload finished during the stop is not in the store: %s", body)
	}
	t.Logf("%d rules acknowledged, %d after the restart", len(acked), len(got))
}
