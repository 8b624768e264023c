package cloudcontrol

import (
	"context"
	"slices"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const billingGroupTypeName = "AWS::BillingConductor::BillingGroup"

func init() {
	register(billingGroupTypeName, func(svc *conductor.Service) resourceType { return billingGroupType{svc: svc} })
}

// maxAccountsPerCall is the most accounts one CreateBillingGroup
// (AccountGrouping.LinkedAccountIds), AssociateAccounts or
// DisassociateAccounts call takes (the model's AccountIdList: max 30).
const maxAccountsPerCall = 30

// billingGroupType serves AWS::BillingConductor::BillingGroup.
type billingGroupType struct{ svc *conductor.Service }

// billingGroupComputation is the schema's ComputationPreference.
type billingGroupComputation struct {
	PricingPlanArn *string `json:"PricingPlanArn,omitempty"`
}

// billingGroupAccounts is the schema's AccountGrouping.
type billingGroupAccounts struct {
	LinkedAccountIds          []string `json:"LinkedAccountIds,omitempty"`
	ResponsibilityTransferArn *string  `json:"ResponsibilityTransferArn,omitempty"`
	AutoAssociate             *bool    `json:"AutoAssociate,omitempty"`
}

// billingGroupModel is the schema's properties, in its order.
type billingGroupModel struct {
	Arn                   *string                  `json:"Arn,omitempty"`
	Name                  *string                  `json:"Name,omitempty"`
	Description           *string                  `json:"Description,omitempty"`
	PrimaryAccountId      *string                  `json:"PrimaryAccountId,omitempty"`
	ComputationPreference *billingGroupComputation `json:"ComputationPreference,omitempty"`
	AccountGrouping       *billingGroupAccounts    `json:"AccountGrouping,omitempty"`
	Size                  *int64                   `json:"Size,omitempty"`
	Status                *string                  `json:"Status,omitempty"`
	StatusReason          *string                  `json:"StatusReason,omitempty"`
	CreationTime          *int64                   `json:"CreationTime,omitempty"`
	LastModifiedTime      *int64                   `json:"LastModifiedTime,omitempty"`
	Tags                  []tag                    `json:"Tags,omitempty"`
}

func (billingGroupType) readOnly() []string {
	return []string{"Arn", "Size", "Status", "StatusReason", "CreationTime", "LastModifiedTime"}
}

func (billingGroupType) createOnly() []string { return []string{"PrimaryAccountId"} }

func billingGroupInvalid(msg string) error {
	return handlerFailure("InvalidRequest", "Model validation failed: "+msg)
}

// parseBillingGroup decodes a desired model, which validateModel has
// checked against the schema (its required properties among them), and
// checks what the schema leaves to the service: a primary account with
// linked accounts, or a billing transfer; unique linked accounts and tag
// keys.
func parseBillingGroup(m map[string]any) (billingGroupModel, map[string]string, error) {
	var g billingGroupModel
	if err := fromModel(m, &g); err != nil {
		return g, nil, err
	}
	ag := g.AccountGrouping
	if ag.ResponsibilityTransferArn == nil && (g.PrimaryAccountId == nil || len(ag.LinkedAccountIds) == 0) {
		return g, nil, billingGroupInvalid("#: a billing group needs PrimaryAccountId and AccountGrouping.LinkedAccountIds, " +
			"or AccountGrouping.ResponsibilityTransferArn")
	}
	for i, a := range ag.LinkedAccountIds {
		if slices.Index(ag.LinkedAccountIds, a) < i {
			return g, nil, billingGroupInvalid("#/AccountGrouping/LinkedAccountIds: array items are not unique (" + a + ")")
		}
	}
	tags, err := tagMap(g.Tags)
	return g, tags, err
}

func (g billingGroupModel) autoAssociate() bool {
	return g.AccountGrouping != nil && g.AccountGrouping.AutoAssociate != nil && *g.AccountGrouping.AutoAssociate
}

func (g billingGroupModel) linkedAccounts() []string {
	if g.AccountGrouping == nil {
		return nil
	}
	return g.AccountGrouping.LinkedAccountIds
}

func (g billingGroupModel) transfer() string {
	if g.AccountGrouping == nil {
		return ""
	}
	return deref(g.AccountGrouping.ResponsibilityTransferArn)
}

// create creates the group with at most maxAccountsPerCall linked accounts,
// the primary account first, and associates the others in chunks. When a
// later step fails, the new group is deleted again, so that a failed create
// leaves nothing behind.
func (t billingGroupType) create(ctx context.Context, c conductor.Caller, desired map[string]any) (string, error) {
	g, tags, err := parseBillingGroup(desired)
	if err != nil {
		return "", err
	}
	accounts := slices.Clone(g.linkedAccounts())
	if p := deref(g.PrimaryAccountId); p != "" {
		if i := slices.Index(accounts, p); i > 0 {
			accounts = append(append([]string{p}, accounts[:i]...), accounts[i+1:]...)
		}
	}
	first, rest := accounts, []string(nil)
	if len(accounts) > maxAccountsPerCall {
		first, rest = accounts[:maxAccountsPerCall], accounts[maxAccountsPerCall:]
	}
	arn, err := t.svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{
		Name: *g.Name, Description: deref(g.Description), PrimaryAccountID: deref(g.PrimaryAccountId),
		PricingPlanARN: *g.ComputationPreference.PricingPlanArn, LinkedAccountIDs: first,
		AutoAssociate: g.autoAssociate(), ResponsibilityTransferARN: g.transfer(), Tags: tags,
	})
	if err != nil {
		return "", err
	}
	for chunk := range slices.Chunk(rest, maxAccountsPerCall) {
		if _, err := t.svc.AssociateAccounts(ctx, c, arn, chunk); err != nil {
			if t.rollback(ctx, c, arn, g.autoAssociate()) != nil {
				return arn, err
			}
			return "", err
		}
	}
	return arn, nil
}

// rollback deletes a group whose create failed part way.
func (t billingGroupType) rollback(ctx context.Context, c conductor.Caller, arn string, autoAssociate bool) error {
	if autoAssociate {
		off := false
		if _, err := t.svc.UpdateBillingGroup(ctx, c, conductor.UpdateBillingGroupInput{ARN: arn, AutoAssociate: &off}); err != nil {
			return err
		}
	}
	_, err := t.svc.DeleteBillingGroup(ctx, c, arn)
	return err
}

func (t billingGroupType) read(ctx context.Context, c conductor.Caller, id string) (map[string]any, error) {
	views, _, err := t.svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{
		Filter: conductor.BillingGroupFilter{ARNs: []string{id}}})
	if err != nil {
		return nil, err
	}
	if len(views) != 1 || views[0].ARN != id {
		return nil, notFound(billingGroupTypeName, id)
	}
	return t.model(ctx, c, views[0])
}

// model assembles a group's model: the group, its accounts (sorted: the
// schema says insertionOrder false) and its tags (sorted by key).
func (t billingGroupType) model(ctx context.Context, c conductor.Caller, v conductor.BillingGroupView) (map[string]any, error) {
	created, modified := v.CreationTime.Unix(), v.LastModifiedTime.Unix()
	auto := v.AutoAssociate
	g := billingGroupModel{
		Arn: &v.ARN, Name: &v.Name, Size: &v.Size, Status: &v.Status, CreationTime: &created, LastModifiedTime: &modified,
		ComputationPreference: &billingGroupComputation{PricingPlanArn: &v.PricingPlanARN},
		AccountGrouping:       &billingGroupAccounts{AutoAssociate: &auto},
	}
	if v.Description != "" {
		g.Description = &v.Description
	}
	if v.PrimaryAccountID != "" {
		g.PrimaryAccountId = &v.PrimaryAccountID
	}
	if v.StatusReason != "" {
		g.StatusReason = &v.StatusReason
	}
	if v.ResponsibilityTransferARN != "" {
		g.AccountGrouping.ResponsibilityTransferArn = &v.ResponsibilityTransferARN
	}
	in := conductor.ListAccountAssociationsInput{Association: v.ARN}
	for {
		page, next, err := t.svc.ListAccountAssociations(ctx, c, in)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			g.AccountGrouping.LinkedAccountIds = append(g.AccountGrouping.LinkedAccountIds, a.ID)
		}
		if next == "" {
			break
		}
		in.NextToken = next
	}
	slices.Sort(g.AccountGrouping.LinkedAccountIds)
	var err error
	if g.Tags, err = readTags(ctx, t.svc, c, v.ARN); err != nil {
		return nil, err
	}
	return normalize(g)
}

func (t billingGroupType) update(ctx context.Context, c conductor.Caller, id string, current, desired map[string]any) error {
	var cur billingGroupModel
	if err := fromModel(current, &cur); err != nil {
		return err
	}
	want, wantTags, err := parseBillingGroup(desired)
	if err != nil {
		return err
	}
	curTags, _ := tagMap(cur.Tags)
	in := conductor.UpdateBillingGroupInput{ARN: id,
		Name: changedText(want.Name, cur.Name), Description: changedText(want.Description, cur.Description)}
	changed := in.Name != nil || in.Description != nil
	if cur.ComputationPreference == nil || *want.ComputationPreference.PricingPlanArn != deref(cur.ComputationPreference.PricingPlanArn) {
		in.PricingPlanARN, changed = want.ComputationPreference.PricingPlanArn, true
	}
	if want.autoAssociate() != cur.autoAssociate() {
		a := want.autoAssociate()
		in.AutoAssociate, changed = &a, true
	}
	if want.transfer() != cur.transfer() {
		tr := want.transfer()
		in.ResponsibilityTransferARN, changed = &tr, true
	}
	if changed {
		if _, err := t.svc.UpdateBillingGroup(ctx, c, in); err != nil {
			return err
		}
	}
	// A billing transfer group's accounts follow its transfer: leaving
	// LinkedAccountIds out of its model leaves them as they are.
	if want.linkedAccounts() != nil || cur.transfer() == "" {
		removed := difference(cur.linkedAccounts(), want.linkedAccounts())
		added := difference(want.linkedAccounts(), cur.linkedAccounts())
		for chunk := range slices.Chunk(removed, maxAccountsPerCall) {
			if _, err := t.svc.DisassociateAccounts(ctx, c, id, chunk); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(added, maxAccountsPerCall) {
			if _, err := t.svc.AssociateAccounts(ctx, c, id, chunk); err != nil {
				return err
			}
		}
	}
	return retag(ctx, t.svc, c, id, curTags, wantTags)
}

// delete turns AutoAssociate off first (UpdateBillingGroup, among the
// delete handler's permissions): an auto-associating group cannot be deleted.
func (t billingGroupType) delete(ctx context.Context, c conductor.Caller, id string) error {
	m, err := t.read(ctx, c, id)
	if err != nil {
		return err
	}
	var cur billingGroupModel
	if err := fromModel(m, &cur); err != nil {
		return err
	}
	return t.rollback(ctx, c, id, cur.autoAssociate())
}

func (t billingGroupType) list(ctx context.Context, c conductor.Caller, pg conductor.Page) ([]resourceDescription, string, error) {
	views, next, err := t.svc.ListBillingGroups(ctx, c, conductor.ListBillingGroupsInput{Page: pg})
	if err != nil {
		return nil, "", err
	}
	out, err := describe(views, func(v conductor.BillingGroupView) string { return v.ARN }, func(v conductor.BillingGroupView) (map[string]any, error) {
		return t.model(ctx, c, v)
	})
	return out, next, err
}
