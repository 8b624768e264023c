package cloudcontrol

import (
	"context"
	"slices"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const pricingPlanTypeName = "AWS::BillingConductor::PricingPlan"

func init() {
	register(pricingPlanTypeName, func(svc *conductor.Service) resourceType { return pricingPlanType{svc: svc} })
}

// maxRulesPerCall is the most rules one AssociatePricingRules or
// DisassociatePricingRules call takes.
const maxRulesPerCall = 30

// pricingPlanType serves AWS::BillingConductor::PricingPlan.
type pricingPlanType struct{ svc *conductor.Service }

// tag is the schema's Tag definition.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// planModel is the schema's properties, in its order.
type planModel struct {
	Arn              *string  `json:"Arn,omitempty"`
	Name             *string  `json:"Name,omitempty"`
	PricingRuleArns  []string `json:"PricingRuleArns,omitempty"`
	Size             *int64   `json:"Size,omitempty"`
	Description      *string  `json:"Description,omitempty"`
	CreationTime     *int64   `json:"CreationTime,omitempty"`
	LastModifiedTime *int64   `json:"LastModifiedTime,omitempty"`
	Tags             []tag    `json:"Tags,omitempty"`
}

func (pricingPlanType) readOnly() []string {
	return []string{"Arn", "Size", "CreationTime", "LastModifiedTime"}
}

func (pricingPlanType) createOnly() []string { return nil }

// parsePlan decodes a desired model, which validateModel has checked
// against the schema.
func parsePlan(m map[string]any) (planModel, map[string]string, error) {
	var p planModel
	if err := fromModel(m, &p); err != nil {
		return p, nil, err
	}
	tags, err := tagMap(p.Tags)
	return p, tags, err
}

func tagMap(tags []tag) (map[string]string, error) {
	if tags == nil {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if _, dup := m[t.Key]; dup {
			return nil, handlerFailure("InvalidRequest", "Model validation failed: #/Tags: array items are not unique (key "+t.Key+")")
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

func (t pricingPlanType) create(ctx context.Context, c conductor.Caller, desired map[string]any) (string, error) {
	p, tags, err := parsePlan(desired)
	if err != nil {
		return "", err
	}
	return t.svc.CreatePricingPlan(ctx, c, conductor.CreatePricingPlanInput{
		Name: *p.Name, Description: deref(p.Description), PricingRuleARNs: p.PricingRuleArns, Tags: tags,
	})
}

func (t pricingPlanType) read(ctx context.Context, c conductor.Caller, id string) (map[string]any, error) {
	views, _, _, err := t.svc.ListPricingPlans(ctx, c, conductor.ListPricingPlansInput{ARNs: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(views) != 1 || views[0].ARN != id || !ownPlan(c, id) {
		return nil, notFound(pricingPlanTypeName, id)
	}
	return t.model(ctx, c, views[0])
}

// ownPlan excludes the AWS-managed plans, which are not CloudFormation resources.
func ownPlan(c conductor.Caller, arn string) bool {
	return strings.Contains(arn, "::"+c.Account+":")
}

// model assembles a plan's model: the plan, its rules (sorted: the schema
// says insertionOrder false) and its tags (sorted by key).
func (t pricingPlanType) model(ctx context.Context, c conductor.Caller, v conductor.PricingPlanView) (map[string]any, error) {
	created, modified := v.CreationTime.Unix(), v.LastModifiedTime.Unix()
	p := planModel{Arn: &v.ARN, Name: &v.Name, Size: &v.Size, CreationTime: &created, LastModifiedTime: &modified}
	if v.Description != "" {
		p.Description = &v.Description
	}
	pg := conductor.Page{}
	for {
		arns, _, _, next, err := t.svc.ListPricingRulesAssociatedToPricingPlan(ctx, c, "", v.ARN, pg)
		if err != nil {
			return nil, err
		}
		p.PricingRuleArns = append(p.PricingRuleArns, arns...)
		if next == "" {
			break
		}
		pg.NextToken = next
	}
	slices.Sort(p.PricingRuleArns)
	var err error
	if p.Tags, err = readTags(ctx, t.svc, c, v.ARN); err != nil {
		return nil, err
	}
	return normalize(p)
}

func (t pricingPlanType) update(ctx context.Context, c conductor.Caller, id string, current, desired map[string]any) error {
	var cur planModel
	if err := fromModel(current, &cur); err != nil {
		return err
	}
	want, wantTags, err := parsePlan(desired)
	if err != nil {
		return err
	}
	curTags, _ := tagMap(cur.Tags)
	in := conductor.UpdatePricingPlanInput{ARN: id,
		Name: changedText(want.Name, cur.Name), Description: changedText(want.Description, cur.Description)}
	if in.Name != nil || in.Description != nil {
		if _, err := t.svc.UpdatePricingPlan(ctx, c, in); err != nil {
			return err
		}
	}
	removed, added := difference(cur.PricingRuleArns, want.PricingRuleArns), difference(want.PricingRuleArns, cur.PricingRuleArns)
	for chunk := range slices.Chunk(removed, maxRulesPerCall) {
		if _, err := t.svc.DisassociatePricingRules(ctx, c, id, chunk); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(added, maxRulesPerCall) {
		if _, err := t.svc.AssociatePricingRules(ctx, c, id, chunk); err != nil {
			return err
		}
	}
	return retag(ctx, t.svc, c, id, curTags, wantTags)
}

func (t pricingPlanType) delete(ctx context.Context, c conductor.Caller, id string) error {
	if _, err := t.read(ctx, c, id); err != nil {
		return err
	}
	_, err := t.svc.DeletePricingPlan(ctx, c, id)
	return err
}

func (t pricingPlanType) list(ctx context.Context, c conductor.Caller, pg conductor.Page) ([]resourceDescription, string, error) {
	views, _, next, err := t.svc.ListPricingPlans(ctx, c, conductor.ListPricingPlansInput{Page: pg})
	if err != nil {
		return nil, "", err
	}
	out, err := describe(views, func(v conductor.PricingPlanView) string { return v.ARN }, func(v conductor.PricingPlanView) (map[string]any, error) {
		return t.model(ctx, c, v)
	})
	return out, next, err
}

// difference returns the members of a not in b, without duplicates.
func difference(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// changedText is the desired value of a text property when it differs
// from the current one (absent and empty alike), else nil: what an
// Update* input takes, nil leaving the property as it is.
func changedText(want, cur *string) *string {
	if deref(want) == deref(cur) {
		return nil
	}
	w := deref(want)
	return &w
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
