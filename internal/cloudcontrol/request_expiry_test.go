package cloudcontrol_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"

	"github.com/proforma-dev/proforma/internal/cloudcontrol"
	"github.com/proforma-dev/proforma/internal/conductor"
)

// A request expires RequestRetention after its EventTime: it is then not
// found, not listed, not cancellable, and the next mutation deletes its
// records; its client token, taken again by a later request, stays that
// request's.
func TestRequestsExpireAfterSevenDays(t *testing.T) {
	e := newEnv(t)
	in := func(name string) *cc.CreateResourceInput {
		return &cc.CreateResourceInput{TypeName: aws.String(planType), DesiredState: aws.String(`{"Name":"` + name + `"}`),
			ClientToken: aws.String("apply-1")}
	}
	first, err := e.cc.CreateResource(ctx, in("old"))
	if err != nil {
		t.Fatal(err)
	}
	old := aws.ToString(first.ProgressEvent.RequestToken)

	e.clock.Pin(startTime.Add(cloudcontrol.RequestRetention))
	if got := e.status(old); got.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("at exactly seven days: %+v", got)
	}
	e.clock.Pin(startTime.Add(cloudcontrol.RequestRetention + time.Second))
	_, err = e.cc.GetResourceRequestStatus(ctx, &cc.GetResourceRequestStatusInput{RequestToken: aws.String(old)})
	if !errors.As(err, new(*types.RequestTokenNotFoundException)) {
		t.Fatalf("GetResourceRequestStatus of an expired request: %v, want RequestTokenNotFoundException", err)
	}
	_, err = e.cc.CancelResourceRequest(ctx, &cc.CancelResourceRequestInput{RequestToken: aws.String(old)})
	if !errors.As(err, new(*types.RequestTokenNotFoundException)) {
		t.Fatalf("CancelResourceRequest of an expired request: %v, want RequestTokenNotFoundException", err)
	}
	if got := e.listed(); len(got) != 0 {
		t.Errorf("listed after expiry: %v", got)
	}
	if got := e.stored(); len(got) != 3 { // req/, new/ and tok/: nothing has written since
		t.Errorf("stored before the next mutation: %v", got)
	}

	// The next mutation reuses the client token (its 36 hours are over)
	// and deletes the expired request, but not the token it took over.
	again, err := e.cc.CreateResource(ctx, in("new"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := aws.ToString(again.ProgressEvent.RequestToken)
	if got, want := e.stored(), []string{"new/", "req/" + fresh, "tok/apply-1"}; len(got) != 3 ||
		!strings.HasPrefix(got[0], want[0]) || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("stored after the next mutation: %v, want %v", got, want)
	}
	retry, err := e.cc.CreateResource(ctx, in("new"))
	if err != nil || aws.ToString(retry.ProgressEvent.RequestToken) != fresh {
		t.Errorf("the client token after the purge: %v %v, want request %s", retry, err, fresh)
	}
	if got := e.listed(); !slices.Equal(got, []string{fresh}) {
		t.Errorf("listed: %v, want [%s]", got, fresh)
	}
}

// Each mutation deletes up to 16 expired requests, so that a payer's
// stored requests shrink back to the last seven days' however many
// expired meanwhile.
func TestExpiredRequestsAreDeletedInBatches(t *testing.T) {
	e := newEnv(t)
	for i := range 40 {
		e.create(fmt.Sprintf(`{"Name":"p%d"}`, i))
	}
	e.clock.Pin(startTime.Add(cloudcontrol.RequestRetention + 24*time.Hour))
	var kept []string
	for i := range 3 {
		kept = append(kept, aws.ToString(e.create(fmt.Sprintf(`{"Name":"q%d"}`, i)).RequestToken))
	}
	var requests []string
	for _, id := range e.stored() {
		if strings.HasPrefix(id, "req/") {
			requests = append(requests, strings.TrimPrefix(id, "req/"))
		}
	}
	// Each kept request has its listing key and the client token the SDK
	// generated; the 40 expired ones left none of theirs.
	if !slices.Equal(requests, kept) || len(e.stored()) != 3*len(kept) {
		t.Errorf("stored after 3 mutations: %v; want the 3 new requests' records", e.stored())
	}
}

// listed returns the request tokens ListResourceRequests answers, newest first.
func (e *env) listed() []string {
	e.t.Helper()
	var out []string
	p := cc.NewListResourceRequestsPaginator(e.cc, &cc.ListResourceRequestsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, s := range page.ResourceRequestStatusSummaries {
			out = append(out, aws.ToString(s.RequestToken))
		}
	}
	return out
}

// stored returns the ids of the payer's stored request records.
func (e *env) stored() []string {
	e.t.Helper()
	recs, err := e.svc.ListResourceRequests(ctx, conductor.Caller{Account: payer}, conductor.Range{})
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}
