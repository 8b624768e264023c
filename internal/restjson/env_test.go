package restjson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sqlite"
	"github.com/proforma-dev/proforma/internal/usage"
)

// The demo organization's accounts used throughout the wire tests.
const (
	payerA      = "123456789012"
	payerB      = "210987654321"
	linked1     = "100000000001"
	linked2     = "100000000002"
	linked3     = "100000000003"
	linked4     = "100000000004"
	linkedOfB   = "200000000001"
	outsideOrg  = "999999999999"
	basicPlan   = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"
	passthrough = "arn:aws:billingconductor::aws:pricingplan/Passthrough"
)

var (
	startTime       = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	billingGroupARN = regexp.MustCompile(`^arn:aws:billingconductor::123456789012:billinggroup/[0-9]{12}$`)
	pricingPlanARN  = regexp.MustCompile(`^arn:aws:billingconductor::123456789012:pricingplan/[a-zA-Z0-9]{10}$`)
)

// env is a Proforma server on httptest, backed by an in-memory SQLite store,
// seeded with the demo organization, its clock pinned at startTime.
type env struct {
	t     *testing.T
	clock *conductor.PinnableClock
	url   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, conductor.DemoOrganization(), restjson.Identity{})
}

// newEnvWith serves the organization with the given identity rules; the
// identity's DefaultPayer is filled in. The admin endpoints are open unless
// an admin option sets their Identity; each option may also set hooks
// (ExportUsage, …) on the Admin before it serves.
func newEnvWith(t *testing.T, org conductor.Organization, identity restjson.Identity, admin ...func(*restjson.Admin)) *env {
	t.Helper()
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := &conductor.PinnableClock{}
	clock.Pin(startTime)
	svc := conductor.NewService(store, clock, nil)
	svc.SetUsageEngine(usage.NewEngine())
	if err := svc.SeedOrganization(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	a := &restjson.Admin{Service: svc, Clock: clock, Organization: org, DefaultPayer: org.DefaultPayer()}
	for _, option := range admin {
		option(a)
	}
	mux := http.NewServeMux()
	mux.Handle(restjson.AdminPrefix, a.Handler())
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if strings.Contains(logs.String(), restjson.UnmodeledErrorMessage) {
			t.Errorf("the server returned errors its model does not list:\n%s", logs.String())
		}
	})
	identity.DefaultPayer = org.DefaultPayer()
	mux.Handle("/", restjson.New(svc, identity, log))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, clock: clock, url: srv.URL}
}

// client returns an SDK client whose access key ID is accessKey (permissive
// mode: a 12-digit key is the caller's account).
func (e *env) client(accessKey string) *bc.Client {
	return bc.New(bc.Options{
		BaseEndpoint:     aws.String(e.url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: bufferedTransport{}},
	})
}

// bufferedTransport reads each response body completely before the SDK sees
// it. smithy-go v1.28.8 closes the request body as soon as client.Do returns;
// net/http's final io.Copy of that body then fails and the transport closes
// the connection while a response of more than ~4 KB is still being read
// ("use of closed network connection", about 1% of calls on loopback, also
// against a trivial handler; see readOnlyBodies in cmd/proforma for the
// detail).
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

var ctx = context.Background()

// admin calls an admin endpoint and fails the test unless it answers 200.
func (e *env) admin(t *testing.T, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// createGroup creates a STANDARD billing group on the basic plan.
func createGroup(t *testing.T, c *bc.Client, name, primary string, accounts ...string) string {
	t.Helper()
	out, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name:                  aws.String(name),
		PrimaryAccountId:      aws.String(primary),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: append([]string{primary}, accounts...)},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
	})
	if err != nil {
		t.Fatalf("CreateBillingGroup %s: %v", name, err)
	}
	return aws.ToString(out.Arn)
}

func createPlan(t *testing.T, c *bc.Client, name string) string {
	t.Helper()
	out, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreatePricingPlan %s: %v", name, err)
	}
	return aws.ToString(out.Arn)
}

func listGroups(t *testing.T, c *bc.Client, in *bc.ListBillingGroupsInput) []types.BillingGroupListElement {
	t.Helper()
	var all []types.BillingGroupListElement
	p := bc.NewListBillingGroupsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListBillingGroups: %v", err)
		}
		all = append(all, page.BillingGroups...)
	}
	return all
}

func listAssociations(t *testing.T, c *bc.Client, in *bc.ListAccountAssociationsInput) []types.AccountAssociationsListElement {
	t.Helper()
	var all []types.AccountAssociationsListElement
	p := bc.NewListAccountAssociationsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAccountAssociations: %v", err)
		}
		all = append(all, page.LinkedAccounts...)
	}
	return all
}

// groupAccounts returns the accounts of a billing group, sorted.
func groupAccounts(t *testing.T, c *bc.Client, arn string, period string) []string {
	t.Helper()
	in := &bc.ListAccountAssociationsInput{Filters: &types.ListAccountAssociationsFilter{Association: aws.String(arn)}}
	if period != "" {
		in.BillingPeriod = aws.String(period)
	}
	var ids []string
	for _, a := range listAssociations(t, c, in) {
		ids = append(ids, aws.ToString(a.AccountId))
	}
	slices.Sort(ids)
	return ids
}

// snapshot captures everything a payer can read in the current period, to
// prove that a rejected request changed nothing.
func snapshot(t *testing.T, c *bc.Client) string {
	t.Helper()
	plans, err := c.ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.ListPricingRules(ctx, &bc.ListPricingRulesInput{})
	if err != nil {
		t.Fatal(err)
	}
	items, err := c.ListCustomLineItems(ctx, &bc.ListCustomLineItemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	itemResources := map[string][]types.ListResourcesAssociatedToCustomLineItemResponseElement{}
	for _, it := range items.CustomLineItems {
		out, err := c.ListResourcesAssociatedToCustomLineItem(ctx, &bc.ListResourcesAssociatedToCustomLineItemInput{Arn: it.Arn})
		if err != nil {
			t.Fatal(err)
		}
		itemResources[aws.ToString(it.Arn)] = out.AssociatedResources
	}
	planRules := map[string][]string{}
	for _, p := range plans.PricingPlans {
		out, err := c.ListPricingRulesAssociatedToPricingPlan(ctx, &bc.ListPricingRulesAssociatedToPricingPlanInput{PricingPlanArn: p.Arn})
		if err != nil {
			t.Fatal(err)
		}
		planRules[aws.ToString(p.Arn)] = out.PricingRuleArns
	}
	b, err := json.MarshalIndent(map[string]any{
		"groups":       listGroups(t, c, &bc.ListBillingGroupsInput{}),
		"associations": listAssociations(t, c, &bc.ListAccountAssociationsInput{}),
		"plans":        plans.PricingPlans,
		"rules":        rules.PricingRules,
		"planRules":    planRules,
		"items":        items.CustomLineItems,
		"itemLinks":    itemResources,
	}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// unchanged fails when the payer's state differs from before.
func unchanged(t *testing.T, c *bc.Client, before string) {
	t.Helper()
	if diff := cmp.Diff(before, snapshot(t, c)); diff != "" {
		t.Errorf("state changed by a rejected request (-before +after):\n%s", diff)
	}
}

// wantValidation asserts a ValidationException with the reason and exactly these Fields names.
func wantValidation(t *testing.T, err error, reason string, fields ...string) {
	t.Helper()
	var e *types.ValidationException
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want ValidationException %s", err, reason)
	}
	if string(e.Reason) != reason {
		t.Errorf("Reason = %q, want %q (message %q)", e.Reason, reason, aws.ToString(e.Message))
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, aws.ToString(f.Name))
		if aws.ToString(f.Message) == "" {
			t.Errorf("field %s has no message", aws.ToString(f.Name))
		}
	}
	if diff := cmp.Diff(fields, got); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
	if aws.ToString(e.Message) == "" {
		t.Error("ValidationException without Message")
	}
}

func wantConflict(t *testing.T, err error, reason, resourceType, resourceID string) {
	t.Helper()
	var e *types.ConflictException
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want ConflictException %s", err, reason)
	}
	if string(e.Reason) != reason || aws.ToString(e.ResourceType) != resourceType || aws.ToString(e.ResourceId) != resourceID {
		t.Errorf("ConflictException{Reason %q, ResourceType %q, ResourceId %q}, want {%q, %q, %q}",
			e.Reason, aws.ToString(e.ResourceType), aws.ToString(e.ResourceId), reason, resourceType, resourceID)
	}
}

func wantNotFound(t *testing.T, err error, resourceType, resourceID string) {
	t.Helper()
	var e *types.ResourceNotFoundException
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want ResourceNotFoundException", err)
	}
	if aws.ToString(e.ResourceType) != resourceType || aws.ToString(e.ResourceId) != resourceID {
		t.Errorf("ResourceNotFoundException{ResourceType %q, ResourceId %q}, want {%q, %q}",
			aws.ToString(e.ResourceType), aws.ToString(e.ResourceId), resourceType, resourceID)
	}
}

// sdkCmp compares SDK structs, skipping their unexported bookkeeping fields.
var sdkCmp = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && !token.IsExported(sf.Name())
}, cmp.Ignore())

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func urlPathEscape(s string) string { return url.PathEscape(s) }
