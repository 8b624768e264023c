package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/proforma-dev/proforma/internal/harness"
)

// The demo organization (no --org) and the pinned clock of the crash test.
const (
	payerA       = "123456789012" // linked accounts 100000000001…100000000040
	payerB       = "210987654321" // linked accounts 200000000001…200000000010
	basicPlanARN = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"
	pinnedNow    = "2026-11-15T12:00:00Z"
)

var (
	pinnedEpoch = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC).Unix()
	groupARNRe  = regexp.MustCompile(`^arn:aws:billingconductor::[0-9]{12}:billinggroup/[0-9]{12}$`)
	planARNRe   = regexp.MustCompile(`^arn:aws:billingconductor::[0-9]{12}:pricingplan/[a-zA-Z0-9]{10}$`)
	ruleARNRe   = regexp.MustCompile(`^arn:aws:billingconductor::[0-9]{12}:pricingrule/[a-zA-Z0-9]{10}$`)
	workerName  = regexp.MustCompile(`^c[0-9]+-w[0-9]+-`)
)

// family returns the linked accounts of a payer of crashOrg (the payer's
// own account, also a member of its family, is never put in a group here).
// Twenty kill cycles use many accounts: more than the demo organization has.
func family(payer string) []string {
	first, n := int64(100000000001), 400
	if payer == payerB {
		first, n = 200000000001, 200
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%012d", first+int64(i))
	}
	return out
}

// world is the Billing Conductor state of each payer, as the test expects it
// from the acknowledged writes or as the server reports it.
type world map[string]*payerState

type payerState struct {
	Groups map[string]groupRec // by ARN
	Plans  map[string]planRec  // by ARN
	Rules  map[string]string   // rule ARN → name
}

type groupRec struct {
	Name, Description, Primary, Plan string
	Members                          []string // sorted
}

type planRec struct {
	Name, Description string
	Rules             []string // ARNs of the plan's rules, sorted
}

func newWorld() world {
	w := world{}
	for _, p := range []string{payerA, payerB} {
		w[p] = &payerState{Groups: map[string]groupRec{}, Plans: map[string]planRec{}, Rules: map[string]string{}}
	}
	return w
}

// free returns the payer's linked accounts that are in no billing group.
func (w world) free(payer string) []string {
	used := map[string]bool{}
	for _, g := range w[payer].Groups {
		for _, a := range g.Members {
			used[a] = true
		}
	}
	var out []string
	for _, a := range family(payer) {
		if !used[a] {
			out = append(out, a)
		}
	}
	return out
}

// Kinds of change.
const (
	opCreatePlan   = "CreatePricingPlan"
	opCreateGroup  = "CreateBillingGroup"
	opAssociate    = "AssociateAccounts"
	opDisassociate = "DisassociateAccounts"
	opUpdateGroup  = "UpdateBillingGroup"
	opUpdatePlan   = "UpdatePricingPlan"
	opDeleteGroup  = "DeleteBillingGroup"
	opDeletePlan   = "DeletePricingPlan"
	opCreateRule   = "CreatePricingRule"
	opAttachRule   = "AssociatePricingRules"
	opDetachRule   = "DisassociatePricingRules"
)

// change is one write: how to send it and what it does to a world.
type change struct {
	op    string
	payer string
	arn   string // the target; for creates, set from the response

	name, description string   // creates
	primary, plan     string   // CreateBillingGroup
	accounts          []string // CreateBillingGroup (linked accounts), Associate, Disassociate
	service           string   // CreatePricingRule: a SERVICE MARKUP rule of this service
	rule              string   // AssociatePricingRules, DisassociatePricingRules: the rule ARN (arn is the plan)
	tags              map[string]string
	newName, newDesc  *string // updates
}

func (c *change) String() string {
	s := fmt.Sprintf("%s(%s", c.op, c.payer)
	if c.arn != "" {
		s += " " + c.arn
	}
	if c.name != "" {
		s += " name=" + c.name
	}
	if len(c.accounts) > 0 {
		s += fmt.Sprintf(" accounts=%v", c.accounts)
	}
	if c.rule != "" {
		s += " rule=" + c.rule
	}
	if c.newName != nil {
		s += " newName=" + *c.newName
	}
	if c.newDesc != nil {
		s += fmt.Sprintf(" newDesc=%q", *c.newDesc)
	}
	return s + ")"
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// send performs the change through the SDK; a nil error is an acknowledged
// (2xx) write.
func (c *change) send(ctx context.Context, client *bc.Client) error {
	var err error
	var arn *string
	switch c.op {
	case opCreatePlan:
		var out *bc.CreatePricingPlanOutput
		out, err = client.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{
			Name: aws.String(c.name), Description: optString(c.description), Tags: c.tags,
		})
		if err == nil {
			arn = out.Arn
		}
	case opCreateGroup:
		var out *bc.CreateBillingGroupOutput
		out, err = client.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
			Name:                  aws.String(c.name),
			Description:           optString(c.description),
			PrimaryAccountId:      aws.String(c.primary),
			AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: c.accounts, AutoAssociate: aws.Bool(false)},
			ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(c.plan)},
			Tags:                  c.tags,
		})
		if err == nil {
			arn = out.Arn
		}
	case opAssociate:
		var out *bc.AssociateAccountsOutput
		out, err = client.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: aws.String(c.arn), AccountIds: c.accounts})
		if err == nil {
			arn = out.Arn
		}
	case opDisassociate:
		var out *bc.DisassociateAccountsOutput
		out, err = client.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: aws.String(c.arn), AccountIds: c.accounts})
		if err == nil {
			arn = out.Arn
		}
	case opUpdateGroup:
		var out *bc.UpdateBillingGroupOutput
		out, err = client.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{
			Arn: aws.String(c.arn), Name: c.newName, Description: c.newDesc,
		})
		if err == nil {
			arn = out.Arn
		}
	case opUpdatePlan:
		var out *bc.UpdatePricingPlanOutput
		out, err = client.UpdatePricingPlan(ctx, &bc.UpdatePricingPlanInput{
			Arn: aws.String(c.arn), Name: c.newName, Description: c.newDesc,
		})
		if err == nil {
			arn = out.Arn
		}
	case opDeleteGroup:
		var out *bc.DeleteBillingGroupOutput
		out, err = client.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: aws.String(c.arn)})
		if err == nil {
			arn = out.Arn
		}
	case opDeletePlan:
		var out *bc.DeletePricingPlanOutput
		out, err = client.DeletePricingPlan(ctx, &bc.DeletePricingPlanInput{Arn: aws.String(c.arn)})
		if err == nil {
			arn = out.Arn
		}
	case opCreateRule:
		var out *bc.CreatePricingRuleOutput
		out, err = client.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String(c.name),
			Scope: types.PricingRuleScopeService, Service: aws.String(c.service), Type: types.PricingRuleTypeMarkup,
			ModifierPercentage: aws.Float64(5)})
		if err == nil {
			arn = out.Arn
		}
	case opAttachRule:
		var out *bc.AssociatePricingRulesOutput
		out, err = client.AssociatePricingRules(ctx, &bc.AssociatePricingRulesInput{Arn: aws.String(c.arn), PricingRuleArns: []string{c.rule}})
		if err == nil {
			arn = out.Arn
		}
	case opDetachRule:
		var out *bc.DisassociatePricingRulesOutput
		out, err = client.DisassociatePricingRules(ctx, &bc.DisassociatePricingRulesInput{Arn: aws.String(c.arn), PricingRuleArns: []string{c.rule}})
		if err == nil {
			arn = out.Arn
		}
	default:
		panic("unknown op " + c.op)
	}
	if err != nil {
		return err
	}
	got := aws.ToString(arn)
	switch {
	case c.op == opCreatePlan && !planARNRe.MatchString(got),
		c.op == opCreateGroup && !groupARNRe.MatchString(got),
		c.op == opCreateRule && !ruleARNRe.MatchString(got):
		return fmt.Errorf("%v acknowledged with malformed Arn %q", c, got)
	case c.op == opCreatePlan || c.op == opCreateGroup || c.op == opCreateRule:
		c.arn = got
	case got != c.arn:
		return fmt.Errorf("%v acknowledged with Arn %q", c, got)
	}
	return nil
}

// apply does the change to w, as the server must have done it.
func (c *change) apply(w world) {
	ps := w[c.payer]
	switch c.op {
	case opCreatePlan:
		ps.Plans[c.arn] = planRec{Name: c.name, Description: c.description}
	case opCreateGroup:
		ps.Groups[c.arn] = groupRec{Name: c.name, Description: c.description, Primary: c.primary, Plan: c.plan,
			Members: sorted(c.accounts)}
	case opAssociate:
		g := ps.Groups[c.arn]
		g.Members = sorted(append(slices.Clone(g.Members), c.accounts...))
		ps.Groups[c.arn] = g
	case opDisassociate:
		g := ps.Groups[c.arn]
		g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(a string) bool { return slices.Contains(c.accounts, a) })
		ps.Groups[c.arn] = g
	case opUpdateGroup:
		g := ps.Groups[c.arn]
		if c.newName != nil {
			g.Name = *c.newName
		}
		if c.newDesc != nil {
			g.Description = *c.newDesc
		}
		ps.Groups[c.arn] = g
	case opUpdatePlan:
		p := ps.Plans[c.arn]
		if c.newName != nil {
			p.Name = *c.newName
		}
		if c.newDesc != nil {
			p.Description = *c.newDesc
		}
		ps.Plans[c.arn] = p
	case opDeleteGroup:
		delete(ps.Groups, c.arn)
	case opDeletePlan:
		delete(ps.Plans, c.arn)
	case opCreateRule:
		ps.Rules[c.arn] = c.name
	case opAttachRule:
		p := ps.Plans[c.arn]
		p.Rules = sorted(append(slices.Clone(p.Rules), c.rule))
		ps.Plans[c.arn] = p
	case opDetachRule:
		p := ps.Plans[c.arn]
		p.Rules = slices.DeleteFunc(slices.Clone(p.Rules), func(r string) bool { return r == c.rule })
		ps.Plans[c.arn] = p
	}
}

// visibleIn reports whether an unacknowledged change took effect, judged by
// the one attribute it changes; for a create it sets c.arn to the ARN the
// server gave the new resource. model is the state before the change.
func (c *change) visibleIn(got, model world) bool {
	gs, ms := got[c.payer], model[c.payer]
	switch c.op {
	case opCreatePlan:
		for arn, p := range gs.Plans {
			if _, known := ms.Plans[arn]; !known && p.Name == c.name {
				c.arn = arn
				return true
			}
		}
		return false
	case opCreateGroup:
		for arn, g := range gs.Groups {
			if _, known := ms.Groups[arn]; !known && g.Name == c.name {
				c.arn = arn
				return true
			}
		}
		return false
	case opAssociate:
		g, ok := gs.Groups[c.arn]
		return ok && slices.Contains(g.Members, c.accounts[0])
	case opDisassociate:
		g, ok := gs.Groups[c.arn]
		return ok && !slices.Contains(g.Members, c.accounts[0])
	case opUpdateGroup:
		g := gs.Groups[c.arn]
		if c.newName != nil {
			return g.Name == *c.newName
		}
		return g.Description == *c.newDesc
	case opUpdatePlan:
		p := gs.Plans[c.arn]
		if c.newName != nil {
			return p.Name == *c.newName
		}
		return p.Description == *c.newDesc
	case opDeleteGroup:
		_, ok := gs.Groups[c.arn]
		return !ok
	case opDeletePlan:
		_, ok := gs.Plans[c.arn]
		return !ok
	case opCreateRule:
		for arn, name := range gs.Rules {
			if _, known := ms.Rules[arn]; !known && name == c.name {
				c.arn = arn
				return true
			}
		}
		return false
	case opAttachRule:
		return slices.Contains(gs.Plans[c.arn].Rules, c.rule)
	case opDetachRule:
		p, ok := gs.Plans[c.arn]
		return ok && !slices.Contains(p.Rules, c.rule)
	}
	panic("unknown op " + c.op)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// apiError is what the server answered to a failed call.
type apiError struct {
	status              int
	code, reason, field string
}

// responded reports whether err came with an HTTP response from the server
// (an API error) rather than from the transport (no answer: the write may
// or may not have happened).
func responded(err error) (apiError, bool) {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return apiError{}, false
	}
	a := apiError{status: re.HTTPStatusCode()}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		a.code = coded.ErrorCode()
	}
	var ve *types.ValidationException
	if errors.As(err, &ve) {
		a.reason = string(ve.Reason)
		if len(ve.Fields) > 0 {
			a.field = aws.ToString(ve.Fields[0].Name)
		}
	}
	var ce *types.ConflictException
	if errors.As(err, &ce) {
		a.reason = string(ce.Reason)
	}
	return a, true
}

// crashHarness drives one server process at a time and keeps the model of
// the acknowledged writes.
type crashHarness struct {
	orgFile string
	t       *testing.T
	dataDir string
	p       *proc
	clients map[string]*bc.Client
	model   world
}

// crashOrg writes the organization file of the crash test.
func crashOrg(t *testing.T, dir string) string {
	var b strings.Builder
	b.WriteString("payers:\n")
	for _, payer := range []string{payerA, payerB} {
		fmt.Fprintf(&b, "  - id: %q\n    accounts:\n", payer)
		for _, a := range family(payer) {
			fmt.Fprintf(&b, "      - id: %q\n", a)
		}
	}
	path := filepath.Join(dir, "org.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (h *crashHarness) start() {
	h.t.Helper()
	if h.orgFile == "" {
		h.orgFile = crashOrg(h.t, h.t.TempDir())
	}
	h.p = startProforma(h.t, h.dataDir, "--now", pinnedNow, "--org", h.orgFile)
	h.clients = map[string]*bc.Client{payerA: newClient(h.p.URL, payerA), payerB: newClient(h.p.URL, payerB)}
}

// must sends a change that must be acknowledged, and applies it to the model.
func (h *crashHarness) must(c *change) *change {
	h.t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	if err := c.send(ctx, h.clients[c.payer]); err != nil {
		h.t.Fatalf("%v: %v", c, err)
	}
	c.apply(h.model)
	return c
}

// mustFail sends a change that the server must refuse with code (and
// reason/field, when given); the model is unchanged.
func (h *crashHarness) mustFail(c *change, code, reason, field string) {
	h.t.Helper()
	ctx, cancel := callCtx()
	defer cancel()
	err := c.send(ctx, h.clients[c.payer])
	if err == nil {
		h.t.Fatalf("%v: acknowledged, want %s %s", c, code, reason)
	}
	a, ok := responded(err)
	if !ok || a.code != code || (reason != "" && a.reason != reason) || (field != "" && a.field != field) {
		h.t.Fatalf("%v: got %v (%+v), want %s reason=%q field=%q", c, err, a, code, reason, field)
	}
}

// take returns the first n free accounts of the payer in the model.
func (h *crashHarness) take(payer string, n int) []string {
	h.t.Helper()
	free := h.model.free(payer)
	if len(free) < n {
		h.t.Fatalf("need %d free accounts of %s, have %d", n, payer, len(free))
	}
	return free[:n]
}

// observe reads the whole state back through the List operations, checking
// the invariants on the way: every family account listed once and in at
// most one group, associations only to listed groups, Size equal to the
// member count, the primary account a member, the per-group association
// filter agreeing with the unfiltered listing, a plan's Size equal to the
// number of its rules.
func (h *crashHarness) observe(label string) world {
	t := h.t
	t.Helper()
	got := newWorld()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, payer := range []string{payerA, payerB} {
		c, ps := h.clients[payer], got[payer]
		sizes := map[string]int64{}
		for p := bc.NewListBillingGroupsPaginator(c, &bc.ListBillingGroupsInput{}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("%s: ListBillingGroups(%s): %v", label, payer, err)
			}
			for _, g := range page.BillingGroups {
				arn := aws.ToString(g.Arn)
				if _, dup := ps.Groups[arn]; dup {
					t.Errorf("%s: ListBillingGroups(%s) lists %s twice", label, payer, arn)
				}
				if g.Status != types.BillingGroupStatusActive || g.BillingGroupType != types.BillingGroupTypeStandard ||
					g.AccountGrouping == nil || aws.ToBool(g.AccountGrouping.AutoAssociate) {
					t.Errorf("%s: group %s: Status %q, Type %q, AccountGrouping %+v; want ACTIVE STANDARD AutoAssociate=false",
						label, arn, g.Status, g.BillingGroupType, g.AccountGrouping)
				}
				if g.CreationTime != pinnedEpoch || g.LastModifiedTime != pinnedEpoch {
					t.Errorf("%s: group %s: CreationTime %d LastModifiedTime %d, want the pinned clock %d",
						label, arn, g.CreationTime, g.LastModifiedTime, pinnedEpoch)
				}
				var plan string
				if g.ComputationPreference != nil {
					plan = aws.ToString(g.ComputationPreference.PricingPlanArn)
				}
				ps.Groups[arn] = groupRec{Name: aws.ToString(g.Name), Description: aws.ToString(g.Description),
					Primary: aws.ToString(g.PrimaryAccountId), Plan: plan}
				sizes[arn] = g.Size
			}
		}
		listed := map[string]bool{}
		for _, a := range listAssociations(t, ctx, label, c, nil) {
			id, arn := aws.ToString(a.AccountId), aws.ToString(a.BillingGroupArn)
			if listed[id] {
				t.Errorf("%s: ListAccountAssociations(%s) lists account %s twice", label, payer, id)
			}
			listed[id] = true
			if arn == "" {
				continue
			}
			g, ok := ps.Groups[arn]
			if !ok {
				t.Errorf("%s: account %s is associated with %s, which ListBillingGroups does not list", label, id, arn)
				continue
			}
			g.Members = append(g.Members, id)
			ps.Groups[arn] = g
		}
		for _, a := range append(family(payer), payer) {
			if !listed[a] {
				t.Errorf("%s: ListAccountAssociations(%s) does not list family account %s", label, payer, a)
			}
		}
		for arn, g := range ps.Groups {
			g.Members = sorted(g.Members)
			ps.Groups[arn] = g
			if sizes[arn] != int64(len(g.Members)) {
				t.Errorf("%s: group %s (%s) has Size %d but %d associated accounts %v",
					label, arn, g.Name, sizes[arn], len(g.Members), g.Members)
			}
			if !slices.Contains(g.Members, g.Primary) {
				t.Errorf("%s: group %s (%s): primary account %s is not among its accounts %v",
					label, arn, g.Name, g.Primary, g.Members)
			}
			var filtered []string
			for _, a := range listAssociations(t, ctx, label, c, &types.ListAccountAssociationsFilter{Association: aws.String(arn)}) {
				filtered = append(filtered, aws.ToString(a.AccountId))
				if aws.ToString(a.BillingGroupArn) != arn {
					t.Errorf("%s: filtering associations by %s returned %s in %q", label, arn,
						aws.ToString(a.AccountId), aws.ToString(a.BillingGroupArn))
				}
			}
			if diff := cmp.Diff(g.Members, sorted(filtered), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ListAccountAssociations(Association=%s) disagrees with the unfiltered listing (-unfiltered +filtered):\n%s",
					label, arn, diff)
			}
		}
		for p := bc.NewListPricingPlansPaginator(c, &bc.ListPricingPlansInput{}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("%s: ListPricingPlans(%s): %v", label, payer, err)
			}
			for _, pl := range page.PricingPlans {
				arn := aws.ToString(pl.Arn)
				if _, dup := ps.Plans[arn]; dup {
					t.Errorf("%s: ListPricingPlans(%s) lists %s twice", label, payer, arn)
				}
				if pl.CreationTime != pinnedEpoch || pl.LastModifiedTime != pinnedEpoch {
					t.Errorf("%s: plan %s: CreationTime %d LastModifiedTime %d, want the pinned clock %d",
						label, arn, pl.CreationTime, pl.LastModifiedTime, pinnedEpoch)
				}
				rules := planRules(t, ctx, label, c, arn)
				if pl.Size != int64(len(rules)) {
					t.Errorf("%s: plan %s (%s) has Size %d but %d rules %v", label, arn, aws.ToString(pl.Name), pl.Size, len(rules), rules)
				}
				ps.Plans[arn] = planRec{Name: aws.ToString(pl.Name), Description: aws.ToString(pl.Description), Rules: rules}
			}
		}
		ps.Rules = listRules(t, ctx, label, c)
	}
	return got
}

// planRules lists the ARNs of a plan's rules, sorted.
func planRules(t *testing.T, ctx context.Context, label string, c *bc.Client, plan string) []string {
	t.Helper()
	var out []string
	for p := bc.NewListPricingRulesAssociatedToPricingPlanPaginator(c,
		&bc.ListPricingRulesAssociatedToPricingPlanInput{PricingPlanArn: aws.String(plan)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("%s: ListPricingRulesAssociatedToPricingPlan(%s): %v", label, plan, err)
		}
		out = append(out, page.PricingRuleArns...)
	}
	return sorted(out)
}

// listRules reads a payer's rules: ARN → name.
func listRules(t *testing.T, ctx context.Context, label string, c *bc.Client) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p := bc.NewListPricingRulesPaginator(c, &bc.ListPricingRulesInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("%s: ListPricingRules: %v", label, err)
		}
		for _, r := range page.PricingRules {
			out[aws.ToString(r.Arn)] = aws.ToString(r.Name)
		}
	}
	return out
}

func listAssociations(t *testing.T, ctx context.Context, label string, c *bc.Client,
	filter *types.ListAccountAssociationsFilter) []types.AccountAssociationsListElement {
	t.Helper()
	var out []types.AccountAssociationsListElement
	for p := bc.NewListAccountAssociationsPaginator(c, &bc.ListAccountAssociationsInput{Filters: filter}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("%s: ListAccountAssociations(%+v): %v", label, filter, err)
		}
		out = append(out, page.LinkedAccounts...)
	}
	return out
}

// verify fails the test unless the server's state is exactly the model.
func (h *crashHarness) verify(label string) {
	h.t.Helper()
	got := h.observe(label)
	if diff := cmp.Diff(h.model, got, cmpopts.EquateEmpty()); diff != "" {
		h.t.Fatalf("%s: server state differs from the acknowledged writes (-want +got):\n%s", label, diff)
	}
	if h.t.Failed() {
		h.t.FailNow()
	}
}

// TestAcknowledgedWritesSurviveSIGKILL writes through the real binary, kills
// it with SIGKILL (no graceful shutdown) — the last time while several
// goroutines are writing — restarts it on the same data directory and
// checks that every acknowledged write is there, exactly, over several
// kill/restart cycles.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) { killCycles(t, t.TempDir()) }

// TestAcknowledgedWritesSurviveSIGKILLPostgres is the same over a
// PostgreSQL database: a killed server leaves no half-applied write there
// either.
func TestAcknowledgedWritesSurviveSIGKILLPostgres(t *testing.T) {
	killCycles(t, harness.PostgresSchema(t))
}

// killCycles runs the kill/restart cycles on the store of --data dataDir.
func killCycles(t *testing.T, dataDir string) {
	const cycles = 20 // SIGKILLs at a random moment of a concurrent write load
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("kill points from seed %d", seed)
	start := time.Now()
	h := &crashHarness{t: t, dataDir: dataDir, model: newWorld()}
	var pending []*change // writes in flight at the last kill: unacknowledged, may or may not have happened
	var prevBeta, prevAlpha, prevB string

	for cycle := range cycles {
		h.start()
		if cycle == 0 {
			h.verify("fresh store")
		} else {
			got := h.observe(fmt.Sprintf("restart %d", cycle))
			committed := 0
			for _, c := range pending {
				if c.visibleIn(got, h.model) {
					c.apply(h.model)
					committed++
				}
			}
			t.Logf("restart %d: %d of %d writes in flight at the kill had been committed", cycle, committed, len(pending))
			h.verify(fmt.Sprintf("after SIGKILL and restart %d", cycle))
		}
		pending = nil
		n := func(s string) string { return fmt.Sprintf("c%d-%s", cycle, s) }

		// Changes to what earlier processes wrote: the leftovers of the
		// killed workers go, the previous cycle's groups change.
		for _, payer := range []string{payerA, payerB} {
			for arn, g := range h.model[payer].Groups {
				if workerName.MatchString(g.Name) {
					h.must(&change{op: opDeleteGroup, payer: payer, arn: arn})
				}
			}
			for arn, p := range h.model[payer].Plans {
				if workerName.MatchString(p.Name) {
					h.must(&change{op: opDeletePlan, payer: payer, arn: arn})
				}
			}
		}
		if cycle > 0 {
			h.must(&change{op: opDeleteGroup, payer: payerA, arn: prevBeta})
			h.must(&change{op: opUpdateGroup, payer: payerA, arn: prevAlpha, newDesc: aws.String(n("touched after a restart"))})
			h.must(&change{op: opDeleteGroup, payer: payerB, arn: prevB})
		}

		// Sequential writes of payer A.
		plan1 := h.must(&change{op: opCreatePlan, payer: payerA, name: n("plan-main"), description: n("main plan"),
			tags: map[string]string{"cycle": fmt.Sprint(cycle)}}).arn
		plan2 := h.must(&change{op: opCreatePlan, payer: payerA, name: n("plan-spare")}).arn
		plan3 := h.must(&change{op: opCreatePlan, payer: payerA, name: n("plan-doomed"), description: "to be deleted"}).arn
		ec2 := h.must(&change{op: opCreateRule, payer: payerA, name: n("rule-ec2"), service: "AmazonEC2"}).arn
		s3 := h.must(&change{op: opCreateRule, payer: payerA, name: n("rule-s3"), service: "AmazonS3"}).arn
		h.must(&change{op: opAttachRule, payer: payerA, arn: plan1, rule: ec2})
		h.must(&change{op: opAttachRule, payer: payerA, arn: plan1, rule: s3})
		h.must(&change{op: opAttachRule, payer: payerA, arn: plan3, rule: s3})
		h.must(&change{op: opDetachRule, payer: payerA, arn: plan1, rule: ec2})
		h.mustFail(&change{op: opCreateRule, payer: payerA, name: n("rule-ec2"), service: "AmazonRDS"},
			"ConflictException", "RESOURCE_NAME_CONFLICT", "")
		f := h.take(payerA, 7)
		alpha := h.must(&change{op: opCreateGroup, payer: payerA, name: n("alpha"), description: "alpha group",
			primary: f[0], accounts: []string{f[0], f[1]}, plan: plan1, tags: map[string]string{"team": "alpha"}}).arn
		beta := h.must(&change{op: opCreateGroup, payer: payerA, name: n("beta"),
			primary: f[2], accounts: []string{f[2]}, plan: basicPlanARN}).arn
		gamma := h.must(&change{op: opCreateGroup, payer: payerA, name: n("gamma"), description: "doomed group",
			primary: f[3], accounts: []string{f[3], f[4]}, plan: plan2}).arn
		h.must(&change{op: opAssociate, payer: payerA, arn: alpha, accounts: []string{f[5], f[6]}})
		h.must(&change{op: opDisassociate, payer: payerA, arn: alpha, accounts: []string{f[1]}})
		h.must(&change{op: opAssociate, payer: payerA, arn: beta, accounts: []string{f[1]}})
		h.mustFail(&change{op: opAssociate, payer: payerA, arn: beta, accounts: []string{f[0]}},
			"ValidationException", "ACCOUNTS_ALREADY_ASSOCIATED", "AccountIds[0]")
		h.mustFail(&change{op: opDisassociate, payer: payerA, arn: alpha, accounts: []string{f[5], f[0]}},
			"ValidationException", "PRIMARY_CANNOT_DISASSOCIATE", "AccountIds[1]")
		h.mustFail(&change{op: opDeletePlan, payer: payerA, arn: plan1}, "ConflictException", "", "")
		h.must(&change{op: opUpdateGroup, payer: payerA, arn: alpha,
			newName: aws.String(n("alpha-renamed")), newDesc: aws.String(n("alpha, renamed"))})
		h.must(&change{op: opUpdatePlan, payer: payerA, arn: plan2,
			newName: aws.String(n("plan-spare-renamed")), newDesc: aws.String("spare plan")})
		h.must(&change{op: opDeleteGroup, payer: payerA, arn: gamma})
		h.must(&change{op: opDeletePlan, payer: payerA, arn: plan3})

		// Sequential writes of payer B.
		planB := h.must(&change{op: opCreatePlan, payer: payerB, name: n("plan-b"), description: "payer B plan"}).arn
		ruleB := h.must(&change{op: opCreateRule, payer: payerB, name: n("rule-b"), service: "AmazonEC2"}).arn
		h.must(&change{op: opAttachRule, payer: payerB, arn: planB, rule: ruleB})
		fb := h.take(payerB, 3)
		groupB := h.must(&change{op: opCreateGroup, payer: payerB, name: n("b"), description: "payer B group",
			primary: fb[0], accounts: fb[:2], plan: planB}).arn
		h.must(&change{op: opAssociate, payer: payerB, arn: groupB, accounts: fb[2:3]})
		h.verify(fmt.Sprintf("cycle %d, live, after the sequential writes", cycle))

		// Contested concurrent writes, all answered before going on.
		h.contest(cycle, []string{alpha, beta})
		h.verify(fmt.Sprintf("cycle %d, live, after the contested writes", cycle))

		// Concurrent writers, killed mid-flight.
		pending = h.writeUntilKilled(cycle, 5+rng.IntN(40))
		prevAlpha, prevBeta, prevB = alpha, beta, groupB
	}

	h.start()
	got := h.observe("final restart")
	committed := 0
	for _, c := range pending {
		if c.visibleIn(got, h.model) {
			c.apply(h.model)
			committed++
		}
	}
	t.Logf("final restart: %d of %d writes in flight at the kill had been committed", committed, len(pending))
	h.verify("after the last SIGKILL and restart")
	h.p.Stop()
	t.Logf("%d kill/restart cycles in %v", cycles, time.Since(start).Round(time.Millisecond))
}

// contest has several goroutines race for the same resources: one billing
// group name (exactly one create may succeed) and the same free accounts
// (each may be associated with one group only).
func (h *crashHarness) contest(cycle int, targets []string) {
	t := h.t
	t.Helper()
	const racers = 4
	own := h.take(payerA, racers+3)
	contested, primaries := own[racers:], own[:racers]
	name := fmt.Sprintf("c%d-race", cycle)

	var mu sync.Mutex
	var acked []*change
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			client := h.clients[payerA]
			try := func(c *change, code, reason string) {
				ctx, cancel := callCtx()
				defer cancel()
				err := c.send(ctx, client)
				if err == nil {
					mu.Lock()
					acked = append(acked, c)
					mu.Unlock()
					return
				}
				if a, ok := responded(err); !ok || a.code != code || (reason != "" && a.reason != reason) {
					t.Errorf("racer %d: %v: %v (%+v); want success or %s %s", i, c, err, a, code, reason)
				}
			}
			try(&change{op: opCreateGroup, payer: payerA, name: name, primary: primaries[i],
				accounts: primaries[i : i+1], plan: basicPlanARN}, "ConflictException", "RESOURCE_NAME_CONFLICT")
			r := rand.New(rand.NewPCG(uint64(cycle), uint64(i)))
			for _, k := range r.Perm(len(contested)) {
				try(&change{op: opAssociate, payer: payerA, arn: targets[i%len(targets)], accounts: contested[k : k+1]},
					"ValidationException", "ACCOUNTS_ALREADY_ASSOCIATED")
			}
		})
	}
	wg.Wait()
	creates, wins := 0, map[string]int{}
	for _, c := range acked {
		c.apply(h.model)
		if c.op == opCreateGroup {
			creates++
		} else {
			wins[c.accounts[0]]++
		}
	}
	if creates != 1 {
		t.Errorf("cycle %d: %d of %d concurrent CreateBillingGroup calls named %s succeeded, want exactly 1",
			cycle, creates, racers, name)
	}
	for _, a := range contested {
		if wins[a] != 1 {
			t.Errorf("cycle %d: account %s was associated by %d concurrent AssociateAccounts calls, want exactly 1",
				cycle, a, wins[a])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// writeUntilKilled runs concurrent writers, each cycling through the life of
// its own plan and group, and SIGKILLs the server once killAfter writes
// have been acknowledged. It applies the acknowledged writes to the model
// and returns the ones in flight at the kill.
func (h *crashHarness) writeUntilKilled(cycle, killAfter int) []*change {
	t := h.t
	t.Helper()
	type writer struct {
		payer    string
		accounts []string
	}
	fa, fb := h.take(payerA, 6), h.take(payerB, 2)
	rules := map[string]string{} // a rule per payer for the writers' plans
	for _, payer := range []string{payerA, payerB} {
		rules[payer] = h.must(&change{op: opCreateRule, payer: payer, name: fmt.Sprintf("c%d-writers-rule", cycle), service: "AmazonEC2"}).arn
	}
	writers := []writer{{payerA, fa[0:2]}, {payerA, fa[2:4]}, {payerA, fa[4:6]}, {payerB, fb}}

	var (
		mu       sync.Mutex // guards h.model and pending
		pending  []*change
		acks     atomic.Int64
		killed   atomic.Bool
		wg       sync.WaitGroup
		finished = make(chan struct{})
	)
	for i, w := range writers {
		client := h.clients[w.payer]
		wg.Go(func() {
			// run sends one write; false stops the writer.
			run := func(c *change) bool {
				if killed.Load() {
					return false
				}
				ctx, cancel := callCtx()
				defer cancel()
				err := c.send(ctx, client)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					c.apply(h.model)
					acks.Add(1)
					return true
				}
				if a, ok := responded(err); ok && a.code != "" {
					t.Errorf("writer %d: %v refused: %v", i, c, err)
				} else {
					pending = append(pending, c)
				}
				return false
			}
			a0, a1 := w.accounts[0], w.accounts[1]
			for k := 0; ; k++ {
				n := func(s string) string { return fmt.Sprintf("c%d-w%d-%s%d", cycle, i, s, k) }
				plan := &change{op: opCreatePlan, payer: w.payer, name: n("p"), description: "writer plan"}
				if !run(plan) {
					return
				}
				group := &change{op: opCreateGroup, payer: w.payer, name: n("g"), description: "writer group",
					primary: a0, accounts: []string{a0}, plan: plan.arn}
				steps := []func() *change{
					func() *change { return group },
					func() *change {
						return &change{op: opAssociate, payer: w.payer, arn: group.arn, accounts: []string{a1}}
					},
					func() *change {
						return &change{op: opUpdateGroup, payer: w.payer, arn: group.arn,
							newName: aws.String(n("g") + "-renamed"), newDesc: aws.String(n("revised"))}
					},
					func() *change {
						return &change{op: opUpdatePlan, payer: w.payer, arn: plan.arn, newDesc: aws.String(n("revised plan"))}
					},
					func() *change { return &change{op: opAttachRule, payer: w.payer, arn: plan.arn, rule: rules[w.payer]} },
					func() *change { return &change{op: opDetachRule, payer: w.payer, arn: plan.arn, rule: rules[w.payer]} },
					func() *change { return &change{op: opAttachRule, payer: w.payer, arn: plan.arn, rule: rules[w.payer]} },
					func() *change {
						return &change{op: opDisassociate, payer: w.payer, arn: group.arn, accounts: []string{a1}}
					},
					func() *change { return &change{op: opDeleteGroup, payer: w.payer, arn: group.arn} },
					func() *change { return &change{op: opDeletePlan, payer: w.payer, arn: plan.arn} },
				}
				for _, step := range steps {
					if !run(step()) {
						return
					}
				}
			}
		})
	}
	go func() { wg.Wait(); close(finished) }()

	deadline := time.After(10 * time.Second)
	for acks.Load() < int64(killAfter) {
		select {
		case <-finished:
			t.Fatalf("cycle %d: the writers stopped after %d acknowledged writes, before the kill", cycle, acks.Load())
		case <-deadline:
			t.Fatalf("cycle %d: only %d acknowledged writes in 10s", cycle, acks.Load())
		case <-time.After(time.Millisecond):
		}
	}
	h.p.Kill()
	killed.Store(true)
	select {
	case <-finished:
	case <-time.After(15 * time.Second):
		t.Fatalf("cycle %d: writers still running 15s after the kill", cycle)
	}
	t.Logf("cycle %d: killed after %d acknowledged concurrent writes, %d in flight", cycle, acks.Load(), len(pending))
	if t.Failed() {
		t.FailNow()
	}
	return pending
}
