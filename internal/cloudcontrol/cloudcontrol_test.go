package cloudcontrol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cc "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/cloudcontrol"
	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

const (
	payer    = "123456789012"
	planType = "AWS::BillingConductor::PricingPlan"
)

var ctx = context.Background()

var startTime = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// env is a Cloud Control endpoint over a SQLite store in a directory.
type env struct {
	t     *testing.T
	dir   string
	store *sqlite.Store
	clock *conductor.PinnableClock
	svc   *conductor.Service
	srv   *httptest.Server
	cc    *cc.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	e.t.Helper()
	store, err := sqlite.Open(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	clock := &conductor.PinnableClock{}
	clock.Pin(startTime)
	svc := conductor.NewService(store, clock, nil)
	org := conductor.DemoOrganization()
	if err := svc.SeedOrganization(ctx, org); err != nil {
		e.t.Fatal(err)
	}
	h := cloudcontrol.New(svc, restjson.Identity{DefaultPayer: org.DefaultPayer()}, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cloudcontrol.IsTarget(r) {
			http.Error(w, "not a Cloud Control request", http.StatusBadRequest)
			return
		}
		h.ServeHTTP(w, r)
	}))
	e.store, e.clock, e.svc, e.srv = store, clock, svc, srv
	e.cc = cc.New(cc.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(payer, "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: bufferedTransport{}},
	})
}

func (e *env) close() {
	if e.srv != nil {
		e.srv.Close()
		e.store.Close()
		e.srv = nil
	}
}

// reopen closes the store and opens it again, as a restart does.
func (e *env) reopen() {
	e.close()
	e.open()
}

// bufferedTransport reads each response completely (see restjson's env_test).
type bufferedTransport struct{}

func (bufferedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (e *env) rule(name, service string) string {
	e.t.Helper()
	pct := 5.0
	arn, err := e.svc.CreatePricingRule(ctx, conductor.Caller{Account: payer}, conductor.CreatePricingRuleInput{
		PricingRule: conductor.PricingRule{Name: name, Scope: "SERVICE", Service: service, Type: "MARKUP", ModifierPercentage: &pct},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

func (e *env) create(desired string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(planType), DesiredState: aws.String(desired)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ProgressEvent
}

func (e *env) get(id string) map[string]any {
	e.t.Helper()
	out, err := e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != id {
		e.t.Errorf("Identifier = %s, want %s", got, id)
	}
	return parse(e.t, aws.ToString(out.ResourceDescription.Properties))
}

func (e *env) status(token string) *types.ProgressEvent {
	e.t.Helper()
	out, err := e.cc.GetResourceRequestStatus(ctx, &cc.GetResourceRequestStatusInput{RequestToken: aws.String(token)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ProgressEvent
}

func parse(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("properties %q: %v", s, err)
	}
	return m
}

func sorted(s ...string) []any {
	sort.Strings(s)
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestPricingPlanLifecycle(t *testing.T) {
	e := newEnv(t)
	r1, r2, r3 := e.rule("r1", "AmazonEC2"), e.rule("r2", "AmazonS3"), e.rule("r3", "AWSLambda")
	desired := `{"Name":"tf-plan","Description":"first","PricingRuleArns":["` + r1 + `","` + r2 + `"],` +
		`"Tags":[{"Key":"env","Value":"dev"},{"Key":"team","Value":"a"}]}`
	ev := e.create(desired)
	if ev.Operation != types.OperationCreate || aws.ToString(ev.RequestToken) == "" {
		t.Fatalf("create event = %+v", ev)
	}
	// The SDK's waiter, as awscc uses it.
	waiter := cc.NewResourceRequestSuccessWaiter(e.cc)
	done, err := waiter.WaitForOutput(ctx, &cc.GetResourceRequestStatusInput{RequestToken: ev.RequestToken}, time.Minute)
	if err != nil {
		st := e.status(aws.ToString(ev.RequestToken))
		t.Fatalf("%v: %s %s", err, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	st := done.ProgressEvent
	if st.OperationStatus != types.OperationStatusSuccess || aws.ToString(st.TypeName) != planType {
		t.Fatalf("status = %+v", st)
	}
	id := aws.ToString(st.Identifier)
	if !strings.HasPrefix(id, "arn:aws:billingconductor::"+payer+":pricingplan/") {
		t.Fatalf("Identifier = %q", id)
	}

	got := e.get(id)
	epoch := float64(startTime.Unix())
	want := map[string]any{
		"Arn": id, "Name": "tf-plan", "Description": "first", "PricingRuleArns": sorted(r1, r2),
		"Tags": []any{map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": "a"}},
		"Size": 2.0, "CreationTime": epoch, "LastModifiedTime": epoch,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetResource after create (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, parse(t, aws.ToString(st.ResourceModel))); diff != "" {
		t.Errorf("ResourceModel of the create event (-want +got):\n%s", diff)
	}

	patch := `[{"op":"replace","path":"/Name","value":"tf-plan-2"},` +
		`{"op":"remove","path":"/Description"},` +
		`{"op":"add","path":"/PricingRuleArns/-","value":"` + r3 + `"},` +
		`{"op":"test","path":"/Name","value":"tf-plan-2"},` +
		`{"op":"remove","path":"/Tags/1"},` +
		`{"op":"replace","path":"/Tags/0/Value","value":"prod"},` +
		`{"op":"add","path":"/Tags/-","value":{"Key":"owner","Value":"me"}}]`
	// Remove r1 by its index in the read model (sorted).
	idx := 0
	for i, a := range want["PricingRuleArns"].([]any) {
		if a == r1 {
			idx = i
		}
	}
	patch = strings.TrimSuffix(patch, "]") + `,{"op":"remove","path":"/PricingRuleArns/` + string(rune('0'+idx)) + `"}]`
	up, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id),
		PatchDocument: aws.String(patch)})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.status(aws.ToString(up.ProgressEvent.RequestToken)); st.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("update status = %s %s: %s", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	first, second := e.get(id), e.get(id)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("two reads differ (-first +second):\n%s", diff)
	}
	want2 := map[string]any{
		"Arn": id, "Name": "tf-plan-2", "PricingRuleArns": sorted(r2, r3),
		"Tags": []any{map[string]any{"Key": "env", "Value": "prod"}, map[string]any{"Key": "owner", "Value": "me"}},
		"Size": 2.0, "CreationTime": epoch, "LastModifiedTime": epoch,
	}
	if diff := cmp.Diff(want2, first); diff != "" {
		t.Errorf("GetResource after update (-want +got):\n%s", diff)
	}

	list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(planType)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ResourceDescriptions) != 1 || aws.ToString(list.ResourceDescriptions[0].Identifier) != id {
		t.Fatalf("ListResources = %+v", list.ResourceDescriptions)
	}
	if diff := cmp.Diff(want2, parse(t, aws.ToString(list.ResourceDescriptions[0].Properties))); diff != "" {
		t.Errorf("ListResources properties (-want +got):\n%s", diff)
	}

	del, err := e.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.status(aws.ToString(del.ProgressEvent.RequestToken)); st.OperationStatus != types.OperationStatusSuccess ||
		st.Operation != types.OperationDelete {
		t.Fatalf("delete status = %+v", st)
	}
	_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetResource after delete: %v, want ResourceNotFoundException", err)
	}
	// A second delete fails with NotFound (which awscc accepts).
	del, err = e.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.status(aws.ToString(del.ProgressEvent.RequestToken)); st.OperationStatus != types.OperationStatusFailed ||
		st.ErrorCode != types.HandlerErrorCodeNotFound {
		t.Fatalf("second delete status = %+v", st)
	}
}

func TestDuplicateNameFails(t *testing.T) {
	e := newEnv(t)
	ev := e.create(`{"Name":"dup"}`)
	id := aws.ToString(e.status(aws.ToString(ev.RequestToken)).Identifier)
	before := e.get(id)
	ev2 := e.create(`{"Name":"dup","Description":"again"}`)
	st := e.status(aws.ToString(ev2.RequestToken))
	if st.OperationStatus != types.OperationStatusFailed || st.ErrorCode != types.HandlerErrorCodeAlreadyExists ||
		!strings.Contains(aws.ToString(st.StatusMessage), "already exists") {
		t.Fatalf("duplicate create = %s %s %q", st.OperationStatus, st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	if st.ResourceModel != nil {
		t.Errorf("a failed event has a ResourceModel: %s", aws.ToString(st.ResourceModel))
	}
	list, err := e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(planType)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ResourceDescriptions) != 1 {
		t.Errorf("ListResources has %d plans, want 1", len(list.ResourceDescriptions))
	}
	if diff := cmp.Diff(before, e.get(id)); diff != "" {
		t.Errorf("the existing plan changed (-before +after):\n%s", diff)
	}

	// Renaming another plan onto the name fails the same way, leaving it as it was.
	other := aws.ToString(e.status(aws.ToString(e.create(`{"Name":"other"}`).RequestToken)).Identifier)
	otherBefore := e.get(other)
	up, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(planType), Identifier: aws.String(other),
		PatchDocument: aws.String(`[{"op":"replace","path":"/Name","value":"dup"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.status(aws.ToString(up.ProgressEvent.RequestToken)); st.ErrorCode != types.HandlerErrorCodeAlreadyExists {
		t.Errorf("rename onto a taken name = %s %s", st.OperationStatus, st.ErrorCode)
	}
	if diff := cmp.Diff(otherBefore, e.get(other)); diff != "" {
		t.Errorf("the renamed plan changed (-before +after):\n%s", diff)
	}
}

func TestInvalidModels(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ desired, code string }{
		{`{"Description":"no name"}`, "InvalidRequest"},
		{`{"Name":"x","Unknown":1}`, "InvalidRequest"},
		{`{"Name":"x","Arn":"arn:aws:billingconductor::123456789012:pricingplan/abcdefghij"}`, "InvalidRequest"},
		{`{"Name":"bad name"}`, "InvalidRequest"},
		{`{"Name":"x","PricingRuleArns":["arn:aws:billingconductor::123456789012:pricingrule/abcdefghij"]}`, "NotFound"},
	} {
		st := e.status(aws.ToString(e.create(tt.desired).RequestToken))
		if st.OperationStatus != types.OperationStatusFailed || string(st.ErrorCode) != tt.code {
			t.Errorf("create %s = %s %s (%s), want FAILED %s", tt.desired, st.OperationStatus, st.ErrorCode,
				aws.ToString(st.StatusMessage), tt.code)
		}
	}
	id := aws.ToString(e.status(aws.ToString(e.create(`{"Name":"p"}`).RequestToken)).Identifier)
	for _, tt := range []struct{ patch, code string }{
		{`[{"op":"replace","path":"/Arn","value":"x"}]`, "NotUpdatable"},
		{`[{"op":"replace","path":"/Size","value":3}]`, "NotUpdatable"},
		{`[{"op":"test","path":"/Name","value":"q"}]`, "InvalidRequest"},
		{`[{"op":"remove","path":"/Nothing"}]`, "InvalidRequest"},
		{`{"op":"remove"}`, "InvalidRequest"},
	} {
		up, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id),
			PatchDocument: aws.String(tt.patch)})
		if err != nil {
			t.Fatal(err)
		}
		if st := e.status(aws.ToString(up.ProgressEvent.RequestToken)); string(st.ErrorCode) != tt.code {
			t.Errorf("patch %s = %s %s, want %s", tt.patch, st.OperationStatus, st.ErrorCode, tt.code)
		}
	}
	// A patch that moves and copies.
	up, err := e.cc.UpdateResource(ctx, &cc.UpdateResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id),
		PatchDocument: aws.String(`[{"op":"copy","from":"/Name","path":"/Description"},{"op":"add","path":"/X","value":"d2"},` +
			`{"op":"move","from":"/X","path":"/Description"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.status(aws.ToString(up.ProgressEvent.RequestToken)); st.OperationStatus != types.OperationStatusSuccess {
		t.Fatalf("move/copy patch = %s %s", st.ErrorCode, aws.ToString(st.StatusMessage))
	}
	if d := e.get(id)["Description"]; d != "d2" {
		t.Errorf("Description = %v, want d2", d)
	}
}

func TestUnsupportedTypeName(t *testing.T) {
	e := newEnv(t)
	_, err := e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String("AWS::S3::Bucket"), DesiredState: aws.String(`{}`)})
	var tnf *types.TypeNotFoundException
	if !errors.As(err, &tnf) {
		t.Fatalf("CreateResource of AWS::S3::Bucket: %v, want TypeNotFoundException", err)
	}
	_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String("AWS::S3::Bucket"), Identifier: aws.String("b")})
	if !errors.As(err, &tnf) {
		t.Fatalf("GetResource of AWS::S3::Bucket: %v, want TypeNotFoundException", err)
	}
	_, err = e.cc.ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String("AWS::S3::Bucket")})
	if !errors.As(err, &tnf) {
		t.Fatalf("ListResources of AWS::S3::Bucket: %v, want TypeNotFoundException", err)
	}
	_, err = e.cc.GetResource(ctx, &cc.GetResourceInput{TypeName: aws.String(planType), Identifier: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetResource of an unknown identifier: %v, want ResourceNotFoundException", err)
	}
	_, err = e.cc.GetResourceRequestStatus(ctx, &cc.GetResourceRequestStatusInput{RequestToken: aws.String("unknown")})
	var rt *types.RequestTokenNotFoundException
	if !errors.As(err, &rt) {
		t.Fatalf("GetResourceRequestStatus of an unknown token: %v (%s)", err, apiCode(err))
	}
}

func TestClientTokenIdempotency(t *testing.T) {
	e := newEnv(t)
	in := &cc.CreateResourceInput{TypeName: aws.String(planType), DesiredState: aws.String(`{"Name":"idem"}`),
		ClientToken: aws.String("terraform-0001")}
	first, err := e.cc.CreateResource(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.cc.CreateResource(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.ProgressEvent, again.ProgressEvent, cmp.AllowUnexported(types.ProgressEvent{})); diff != "" {
		t.Errorf("a retried create answered another event (-first +again):\n%s", diff)
	}
	if again.ProgressEvent.OperationStatus != types.OperationStatusSuccess {
		t.Errorf("retry = %s %s (it ran again?)", again.ProgressEvent.OperationStatus, again.ProgressEvent.ErrorCode)
	}
	_, err = e.cc.CreateResource(ctx, &cc.CreateResourceInput{TypeName: aws.String(planType),
		DesiredState: aws.String(`{"Name":"other"}`), ClientToken: aws.String("terraform-0001")})
	var conflict *types.ClientTokenConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("the token with another input: %v, want ClientTokenConflictException", err)
	}
}

func TestRequestsSurviveRestart(t *testing.T) {
	e := newEnv(t)
	ok := e.create(`{"Name":"keep"}`)
	failed := e.create(`{"Name":"keep"}`)
	okToken, failedToken := aws.ToString(ok.RequestToken), aws.ToString(failed.RequestToken)
	id := aws.ToString(e.status(okToken).Identifier)
	del, err := e.cc.DeleteResource(ctx, &cc.DeleteResourceInput{TypeName: aws.String(planType), Identifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	delToken := aws.ToString(del.ProgressEvent.RequestToken)
	before := []*types.ProgressEvent{e.status(okToken), e.status(failedToken)}

	e.reopen()

	after := []*types.ProgressEvent{e.status(okToken), e.status(failedToken)}
	if diff := cmp.Diff(before, after, cmp.AllowUnexported(types.ProgressEvent{})); diff != "" {
		t.Errorf("request status changed across a restart (-before +after):\n%s", diff)
	}
	if after[1].ErrorCode != types.HandlerErrorCodeAlreadyExists {
		t.Errorf("failed request after restart = %+v", after[1])
	}

	all, err := e.cc.ListResourceRequests(ctx, &cc.ListResourceRequestsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, s := range all.ResourceRequestStatusSummaries {
		tokens = append(tokens, aws.ToString(s.RequestToken))
	}
	if diff := cmp.Diff([]string{delToken, failedToken, okToken}, tokens); diff != "" {
		t.Errorf("ListResourceRequests, newest first (-want +got):\n%s", diff)
	}
	filtered, err := e.cc.ListResourceRequests(ctx, &cc.ListResourceRequestsInput{
		ResourceRequestStatusFilter: &types.ResourceRequestStatusFilter{
			Operations:        []types.Operation{types.OperationCreate},
			OperationStatuses: []types.OperationStatus{types.OperationStatusFailed},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(filtered.ResourceRequestStatusSummaries); n != 1 || aws.ToString(filtered.ResourceRequestStatusSummaries[0].RequestToken) != failedToken {
		t.Errorf("filtered ListResourceRequests = %d requests", n)
	}
	// Paging with MaxResults 1 walks all three.
	var paged []string
	p := cc.NewListResourceRequestsPaginator(e.cc, &cc.ListResourceRequestsInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.ResourceRequestStatusSummaries {
			paged = append(paged, aws.ToString(s.RequestToken))
		}
	}
	if diff := cmp.Diff(tokens, paged); diff != "" {
		t.Errorf("paged ListResourceRequests (-all +paged):\n%s", diff)
	}
	_, err = e.cc.CancelResourceRequest(ctx, &cc.CancelResourceRequestInput{RequestToken: aws.String(okToken)})
	var cm *types.ConcurrentModificationException
	if !errors.As(err, &cm) {
		t.Errorf("CancelResourceRequest of a completed request: %v, want ConcurrentModificationException", err)
	}
}

// In strict mode a request must be signed for "cloudcontrolapi" with a
// payer's key; the SDK signs so.
func TestStrictSignature(t *testing.T) {
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := conductor.NewService(store, &conductor.PinnableClock{}, nil)
	org := conductor.DemoOrganization()
	if err := svc.SeedOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	h := cloudcontrol.New(svc, restjson.Identity{Strict: true, DefaultPayer: org.DefaultPayer(), Keys: restjson.NewKeys(org)}, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := func(secret string) *cc.Client {
		return cc.New(cc.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(payer, secret, "")})
	}
	if _, err := client("proforma-demo-secret").ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(planType)}); err != nil {
		t.Fatalf("a correctly signed request: %v", err)
	}
	_, err = client("wrong").ListResources(ctx, &cc.ListResourcesInput{TypeName: aws.String(planType)})
	if code := apiCode(err); code != "InvalidSignatureException" {
		t.Fatalf("a badly signed request: %v (code %q), want InvalidSignatureException", err, code)
	}
}
