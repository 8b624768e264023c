package cloudcontrol

import (
	"context"
	"fmt"

	"github.com/proforma-dev/proforma/internal/conductor"
)

const pricingRuleTypeName = "AWS::BillingConductor::PricingRule"

func init() {
	register(pricingRuleTypeName, func(svc *conductor.Service) resourceType { return pricingRuleType{svc: svc} })
}

// pricingRuleType serves AWS::BillingConductor::PricingRule.
type pricingRuleType struct{ svc *conductor.Service }

// ruleFreeTier is the schema's FreeTier definition.
type ruleFreeTier struct {
	Activated *bool `json:"Activated,omitempty"`
}

// ruleTiering is the schema's Tiering property.
type ruleTiering struct {
	FreeTier *ruleFreeTier `json:"FreeTier,omitempty"`
}

// ruleModel is the schema's properties, in its order.
type ruleModel struct {
	Arn                        *string      `json:"Arn,omitempty"`
	Name                       *string      `json:"Name,omitempty"`
	Description                *string      `json:"Description,omitempty"`
	Scope                      *string      `json:"Scope,omitempty"`
	Type                       *string      `json:"Type,omitempty"`
	ModifierPercentage         *float64     `json:"ModifierPercentage,omitempty"`
	Service                    *string      `json:"Service,omitempty"`
	BillingEntity              *string      `json:"BillingEntity,omitempty"`
	Tiering                    *ruleTiering `json:"Tiering,omitempty"`
	UsageType                  *string      `json:"UsageType,omitempty"`
	Operation                  *string      `json:"Operation,omitempty"`
	AssociatedPricingPlanCount *int64       `json:"AssociatedPricingPlanCount,omitempty"`
	CreationTime               *int64       `json:"CreationTime,omitempty"`
	LastModifiedTime           *int64       `json:"LastModifiedTime,omitempty"`
	Tags                       []tag        `json:"Tags,omitempty"`
}

func (pricingRuleType) readOnly() []string {
	return []string{"Arn", "AssociatedPricingPlanCount", "CreationTime", "LastModifiedTime"}
}

func (pricingRuleType) createOnly() []string {
	return []string{"Scope", "Service", "BillingEntity", "UsageType", "Operation"}
}

// ruleInvalid is a desired model the service cannot apply.
func ruleInvalid(format string, args ...any) *handlerError {
	return handlerFailure("InvalidRequest", "Model validation failed: "+fmt.Sprintf(format, args...))
}

// parseRule decodes a desired model, which validateModel has checked
// against the schema (required properties, enums, minimum, FreeTier's
// Activated).
func parseRule(m map[string]any) (ruleModel, map[string]string, error) {
	var r ruleModel
	if err := fromModel(m, &r); err != nil {
		return r, nil, err
	}
	tags, err := tagMap(r.Tags)
	return r, tags, err
}

// freeTier returns a model's Tiering.FreeTier.Activated, nil when absent.
func (r ruleModel) freeTier() *bool {
	if r.Tiering == nil || r.Tiering.FreeTier == nil {
		return nil
	}
	return r.Tiering.FreeTier.Activated
}

// conductorTiering is a model's Tiering for the Billing Conductor API.
func (r ruleModel) conductorTiering() *conductor.Tiering {
	if r.Tiering == nil {
		return nil
	}
	return &conductor.Tiering{FreeTierActivated: r.freeTier()}
}

func (t pricingRuleType) create(ctx context.Context, c conductor.Caller, desired map[string]any) (string, error) {
	r, tags, err := parseRule(desired)
	if err != nil {
		return "", err
	}
	return t.svc.CreatePricingRule(ctx, c, conductor.CreatePricingRuleInput{
		PricingRule: conductor.PricingRule{
			Name: *r.Name, Description: deref(r.Description), Scope: *r.Scope, Type: *r.Type,
			ModifierPercentage: r.ModifierPercentage, Service: deref(r.Service), BillingEntity: deref(r.BillingEntity),
			UsageType: deref(r.UsageType), Operation: deref(r.Operation), Tiering: r.conductorTiering(),
		},
		Tags: tags,
	})
}

func (t pricingRuleType) read(ctx context.Context, c conductor.Caller, id string) (map[string]any, error) {
	views, _, _, err := t.svc.ListPricingRules(ctx, c, conductor.ListPricingRulesInput{ARNs: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(views) != 1 || views[0].ARN != id {
		return nil, notFound(pricingRuleTypeName, id)
	}
	return t.model(ctx, c, views[0])
}

// ruleOptional is a string member as a model property: nil when empty.
func ruleOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// model assembles a rule's model: the rule and its tags (sorted by key).
func (t pricingRuleType) model(ctx context.Context, c conductor.Caller, v conductor.PricingRuleView) (map[string]any, error) {
	created, modified, count := v.CreationTime.Unix(), v.LastModifiedTime.Unix(), v.AssociatedPricingPlanCount
	r := ruleModel{
		Arn: &v.ARN, Name: &v.Name, Description: ruleOptional(v.Description), Scope: &v.Scope, Type: &v.Type,
		ModifierPercentage: v.ModifierPercentage, Service: ruleOptional(v.Service),
		BillingEntity: ruleOptional(v.BillingEntity), UsageType: ruleOptional(v.UsageType), Operation: ruleOptional(v.Operation),
		AssociatedPricingPlanCount: &count, CreationTime: &created, LastModifiedTime: &modified,
	}
	if v.Tiering != nil && v.Tiering.FreeTierActivated != nil {
		// Custom tiers have no property in the schema.
		r.Tiering = &ruleTiering{FreeTier: &ruleFreeTier{Activated: v.Tiering.FreeTierActivated}}
	}
	var err error
	if r.Tags, err = readTags(ctx, t.svc, c, v.ARN); err != nil {
		return nil, err
	}
	return normalize(r)
}

func (t pricingRuleType) update(ctx context.Context, c conductor.Caller, id string, current, desired map[string]any) error {
	var cur ruleModel
	if err := fromModel(current, &cur); err != nil {
		return err
	}
	want, wantTags, err := parseRule(desired)
	if err != nil {
		return err
	}
	curTags, _ := tagMap(cur.Tags)
	in := conductor.UpdatePricingRuleInput{ARN: id,
		Name: changedText(want.Name, cur.Name), Description: changedText(want.Description, cur.Description)}
	changed := in.Name != nil || in.Description != nil
	typeChanged := *want.Type != deref(cur.Type)
	if typeChanged {
		// A new Type drops the modifier and the tiering: send both as desired.
		in.Type, in.ModifierPercentage, in.Tiering, changed = want.Type, want.ModifierPercentage, want.conductorTiering(), true
	} else {
		// UpdatePricingRule cannot remove a modifier or a free tier setting;
		// the rule's Type requires what it has.
		switch {
		case cur.ModifierPercentage != nil && want.ModifierPercentage == nil:
			return ruleInvalid("A %s rule needs ModifierPercentage.", *want.Type)
		case cur.freeTier() != nil && want.freeTier() == nil:
			return ruleInvalid("A %s rule needs Tiering.FreeTier.", *want.Type)
		}
		if want.ModifierPercentage != nil && (cur.ModifierPercentage == nil || *want.ModifierPercentage != *cur.ModifierPercentage) {
			in.ModifierPercentage, changed = want.ModifierPercentage, true
		}
		if w, was := want.freeTier(), cur.freeTier(); w != nil && (was == nil || *w != *was) {
			in.Tiering, changed = want.conductorTiering(), true
		}
	}
	if changed {
		if _, err := t.svc.UpdatePricingRule(ctx, c, in); err != nil {
			return err
		}
	}
	return retag(ctx, t.svc, c, id, curTags, wantTags)
}

func (t pricingRuleType) delete(ctx context.Context, c conductor.Caller, id string) error {
	if _, err := t.read(ctx, c, id); err != nil {
		return err
	}
	_, err := t.svc.DeletePricingRule(ctx, c, id)
	return err
}

func (t pricingRuleType) list(ctx context.Context, c conductor.Caller, pg conductor.Page) ([]resourceDescription, string, error) {
	views, _, next, err := t.svc.ListPricingRules(ctx, c, conductor.ListPricingRulesInput{Page: pg})
	if err != nil {
		return nil, "", err
	}
	out, err := describe(views, func(v conductor.PricingRuleView) string { return v.ARN }, func(v conductor.PricingRuleView) (map[string]any, error) {
		return t.model(ctx, c, v)
	})
	return out, next, err
}
