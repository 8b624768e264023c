package main

// In-process equivalents of the benchmark's Proforma requests, for CPU
// profiles (the served binary cannot easily be profiled from outside). The
// handler is assembled as cmd/proforma/main.go does: internal/sqlite store,
// conductor.Service seeded with the demo organization, restjson handler
// behind the admin mux. Requests go straight to ServeHTTP (no network, no
// SDK), so the profile is the server's work only:
//
//	go test ./bench/api -run '^$' -bench . -benchtime 2000x
//	go test ./bench/api -run '^$' -bench 'Handler/memory/ListBillingGroups' -cpuprofile /tmp/cpu.out
//	go tool pprof -top -cum /tmp/cpu.out
//
// BenchmarkCreatePricingPlan measures one create with n plans already in
// the store, which shows how the cost of a create grows with the payer's
// plan count; BenchmarkListScaling does the same for a page of the lists;
// BenchmarkClientOverhead is the clients' own cost per request (its
// 20-groups case: the SDK decoding the list phase's real answer).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// inProcess is the proforma serve handler over a fresh store.
type inProcess struct {
	h   http.Handler
	svc *conductor.Service
}

func newInProcess(b *testing.B, storage string) *inProcess {
	b.Helper()
	return newInProcessOrg(b, storage, conductor.DemoOrganization())
}

// newInProcessOrg is newInProcess with another organization.
func newInProcessOrg(b *testing.B, storage string, org conductor.Organization) *inProcess {
	b.Helper()
	dir := sqlite.Memory
	if storage == "disk" {
		dir = b.TempDir()
	}
	store, err := sqlite.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	svc := conductor.NewService(store, clock, nil)
	svc.SetUsageEngine(usage.NewEngine())
	if err := svc.SeedOrganization(context.Background(), org); err != nil {
		b.Fatal(err)
	}
	identity := restjson.Identity{DefaultPayer: org.DefaultPayer()}
	admin := &restjson.Admin{Service: svc, Clock: clock, Organization: org, DefaultPayer: org.DefaultPayer()}
	mux := http.NewServeMux()
	mux.Handle(restjson.AdminPrefix, admin.Handler())
	mux.Handle("/", restjson.New(svc, identity, nil))
	return &inProcess{h: mux, svc: svc}
}

// call serves one request as the demo payer (permissive auth reads the
// access key of the Authorization header) and fails on a non-2xx answer.
func (p *inProcess) call(b *testing.B, method, path, body string) []byte {
	req := httptest.NewRequest(method, path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Date", "20261125T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+payer+
		"/20261125/us-east-1/billingconductor/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00")
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, req)
	out, _ := io.ReadAll(w.Result().Body)
	if w.Code/100 != 2 {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, out)
	}
	return out
}

func (p *inProcess) createPlan(b *testing.B, name string) {
	p.call(b, "POST", "/create-pricing-plan", fmt.Sprintf(`{"Name":%q,"Description":"API speed benchmark"}`, name))
}

// groups creates n billing groups of size accounts each and returns their ARNs.
func (p *inProcess) groups(b *testing.B, n, size int) []string {
	var arns []string
	for g := range n {
		linked := ""
		for a := range size {
			if a > 0 {
				linked += ","
			}
			linked += fmt.Sprintf("%q", demoAccount(g*size+a+1))
		}
		out := p.call(b, "POST", "/create-billing-group", fmt.Sprintf(`{"Name":"bench-group-%02d","PrimaryAccountId":%q,`+
			`"AccountGrouping":{"LinkedAccountIds":[%s]},"ComputationPreference":{"PricingPlanArn":%q}}`,
			g, demoAccount(g*size+1), linked, basicPlanARN))
		var created struct{ Arn string }
		if err := json.Unmarshal(out, &created); err != nil || created.Arn == "" {
			b.Fatalf("CreateBillingGroup answered %s", out)
		}
		arns = append(arns, created.Arn)
	}
	return arns
}

func BenchmarkHandler(b *testing.B) {
	for _, storage := range []string{"memory", "disk"} {
		b.Run(storage, func(b *testing.B) {
			b.Run("CreatePricingPlan", func(b *testing.B) {
				p := newInProcess(b, storage)
				i := 0
				for b.Loop() {
					if i > 0 && i%4000 == 0 { // stay below the 5,000-plan quota
						b.StopTimer()
						p = newInProcess(b, storage)
						b.StartTimer()
					}
					p.createPlan(b, fmt.Sprintf("bench-%07d", i))
					i++
				}
			})
			b.Run("AssociateDisassociate", func(b *testing.B) {
				p := newInProcess(b, storage)
				arn := p.groups(b, 1, 1)[0]
				body := fmt.Sprintf(`{"Arn":%q,"AccountIds":[%q]}`, arn, demoAccount(5))
				i := 0
				for b.Loop() {
					if i%2 == 0 {
						p.call(b, "POST", "/associate-accounts", body)
					} else {
						p.call(b, "POST", "/disassociate-accounts", body)
					}
					i++
				}
			})
			b.Run("ListBillingGroups", func(b *testing.B) {
				p := newInProcess(b, storage)
				p.groups(b, listGroups, demoAccounts/listGroups)
				for b.Loop() {
					p.call(b, "POST", "/list-billing-groups", `{}`)
				}
			})
			b.Run("ListAccountAssociations", func(b *testing.B) {
				p := newInProcess(b, storage)
				p.groups(b, listGroups, demoAccounts/listGroups)
				for b.Loop() {
					p.call(b, "POST", "/list-account-associations", `{}`)
				}
			})
		})
	}
}

// BenchmarkCreatePricingPlan measures CreatePricingPlan with n plans
// already stored (in-memory store, so that fsync does not hide the CPU).
func BenchmarkCreatePricingPlan(b *testing.B) {
	for _, n := range []int{0, 500, 1000, 2000, 4000} {
		b.Run(fmt.Sprintf("existing=%d", n), func(b *testing.B) {
			p := newInProcess(b, "memory")
			for i := range n {
				p.createPlan(b, fmt.Sprintf("fill-%07d", i))
			}
			i := 0
			for b.Loop() {
				p.createPlan(b, fmt.Sprintf("bench-%07d", i))
				i++
			}
		})
	}
}

// BenchmarkListScaling reads the first page (at most 100 items) of
// ListBillingGroups and ListAccountAssociations for a payer with n linked
// accounts, each in its own billing group (in-memory store).
func BenchmarkListScaling(b *testing.B) {
	for _, n := range []int{40, 200, 1000} {
		org := conductor.Organization{Payers: []conductor.PayerSeed{{
			Payer: conductor.Payer{ID: payer, Name: "Bench payer"},
		}}}
		for i := range n {
			id := fmt.Sprintf("%012d", 300000000001+i)
			org.Payers[0].Accounts = append(org.Payers[0].Accounts, conductor.Account{ID: id, Name: "Linked " + id})
		}
		p := newInProcessOrg(b, "memory", org)
		for i, a := range org.Payers[0].Accounts {
			p.call(b, "POST", "/create-billing-group", fmt.Sprintf(`{"Name":"group-%05d","PrimaryAccountId":%q,`+
				`"AccountGrouping":{"LinkedAccountIds":[%q]},"ComputationPreference":{"PricingPlanArn":%q}}`,
				i, a.ID, a.ID, basicPlanARN))
		}
		b.Run(fmt.Sprintf("ListBillingGroups/groups=%d", n), func(b *testing.B) {
			for b.Loop() {
				p.call(b, "POST", "/list-billing-groups", `{}`)
			}
		})
		b.Run(fmt.Sprintf("ListAccountAssociations/accounts=%d", n), func(b *testing.B) {
			for b.Loop() {
				p.call(b, "POST", "/list-account-associations", `{}`)
			}
		})
	}
}

// BenchmarkClientOverhead is the cost of one request as the benchmark's
// clients make it, against a trivial loopback server that answers {}: the
// Billing Conductor SDK client (signing, middleware, (de)serialization)
// versus the plain http.Client of the ceiling workload. It tells how much
// of a measured latency is the client's, on the same CPUs as the server.
func BenchmarkClientOverhead(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	m := &meter{}
	b.Run("sdk/ListBillingGroups", func(b *testing.B) {
		c := newBillingConductor(srv.URL, newHTTPClient(m, true))
		for b.Loop() {
			if _, err := c.ListBillingGroups(context.Background(), &bc.ListBillingGroupsInput{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk/CreatePricingPlan", func(b *testing.B) {
		c := newBillingConductor(srv.URL, newHTTPClient(m, true))
		for b.Loop() {
			if _, err := c.CreatePricingPlan(context.Background(), &bc.CreatePricingPlanInput{
				Name: aws.String("bench-plan"), Description: aws.String("API speed benchmark")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk/ListBillingGroups/20-groups", func(b *testing.B) {
		// The answer of the list phase: 20 groups, as Proforma writes them.
		p := newInProcess(b, "memory")
		p.groups(b, listGroups, demoAccounts/listGroups)
		page := p.call(b, "POST", "/list-billing-groups", `{}`)
		full := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(page)))
			w.Write(page)
		}))
		defer full.Close()
		c := newBillingConductor(full.URL, newHTTPClient(m, true))
		for b.Loop() {
			out, err := c.ListBillingGroups(context.Background(), &bc.ListBillingGroupsInput{})
			if err != nil || len(out.BillingGroups) != listGroups {
				b.Fatalf("%d groups, %v", len(out.BillingGroups), err)
			}
		}
	})
	b.Run("plain/list", func(b *testing.B) {
		phases := ceilingPhases(srv.URL, newHTTPClient(m, false), defaultBodyBytes)
		for b.Loop() {
			// The trivial server's {} decodes into the ceiling's answer type.
			if err := phases[2].Op(context.Background(), 0, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCreateConcurrent creates plans from 16 goroutines on the disk
// store, as the create phase's 16 workers do without the network and the
// SDK: concurrent writes share commits (internal/groupcommit), so ns/op
// here is the server's cost of a durable create under load. The payer's
// 5,000-plan quota bounds it: run it with -benchtime 4000x at most.
//
//	go test ./bench/api -run '^$' -bench CreateConcurrent -benchtime 4000x -cpuprofile /tmp/cpu.out
func BenchmarkCreateConcurrent(b *testing.B) {
	p := newInProcess(b, "disk")
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.createPlan(b, fmt.Sprintf("bench-%07d", n.Add(1)))
		}
	})
}
