package conductor

import (
	"context"
	"regexp"
	"time"
)

// PricingPlan is a customer-managed pricing plan: a named set of pricing rules.
type PricingPlan struct {
	ID               string
	Name             string
	Description      string
	RuleIDs          []string
	CreationTime     time.Time
	LastModifiedTime time.Time
}

// PricingPlanView is a pricing plan as reads return it.
type PricingPlanView struct {
	PricingPlan
	ARN  string
	Size int64 // number of associated pricing rules
}

// The AWS-managed pricing plans (BEHAVIOR.md PP-1). They exist for every
// payer without being created, are read-only, and Passthrough is only valid
// for billing-transfer billing groups.
const (
	BasicPricingPlan = "BasicPricingPlan"
	PassthroughPlan  = "Passthrough"
)

// managedPlanTime is the creation time reported for the AWS-managed plans:
// the service's API version date.
var managedPlanTime = time.Date(2021, 7, 30, 0, 0, 0, 0, time.UTC)

var managedPlans = map[string]PricingPlanView{
	BasicPricingPlan: managedPlan(BasicPricingPlan,
		"AWS-managed plan: public on-demand rates, excluding non-public discounts, credits, taxes and support."),
	PassthroughPlan: managedPlan(PassthroughPlan,
		"AWS-managed plan: passes through the billable amounts; only for billing transfer billing groups."),
}

func managedPlan(id, description string) PricingPlanView {
	return PricingPlanView{
		PricingPlan: PricingPlan{ID: id, Name: id, Description: description,
			CreationTime: managedPlanTime, LastModifiedTime: managedPlanTime},
		ARN: ARN(AWSAccount, TypePricingPlan, id),
	}
}

// namePattern is the full-match form of the model's name patterns: the
// model's pattern is searched, not anchored, so "my plan" passes it.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_+=.\-@]+$`)

func validateName(field, name string) error {
	if !namePattern.MatchString(name) {
		return InvalidField(field, "Names may contain only letters, digits and _+=.-@ (no spaces).")
	}
	return nil
}

// planRef resolves a pricing plan ARN or ID given by the caller. managed is
// true for the AWS-managed plans.
func planRef(payer, field, s string) (id string, managed bool, err error) {
	ref, ok := ParseRef(s, TypePricingPlan)
	if !ok {
		return "", false, Invalid("MISMATCHED_PRICINGPLAN_ARN", "%s is not a pricing plan ARN.", s).withField(field)
	}
	_, isManaged := managedPlans[ref.ID]
	switch {
	case isManaged && (ref.Partition == "" || (ref.Partition == Partition && ref.Account == AWSAccount)):
		return ref.ID, true, nil
	case ref.Account == AWSAccount || !ref.OwnedBy(payer):
		return "", false, Invalid("MISMATCHED_PRICINGPLAN_ARN",
			"Pricing plan %s does not belong to account %s.", s, payer).withField(field)
	}
	return ref.ID, false, nil
}

// loadPlan returns the plan in force at period; ok is false when it does not exist.
func loadPlan(tx Tx, payer, id string, managed bool, at Period) (PricingPlanView, bool, error) {
	if managed {
		return managedPlans[id], true, nil
	}
	var p PricingPlan
	ok, err := getJSON(tx, payer, kindPricingPlan, id, at, &p)
	if err != nil || !ok {
		return PricingPlanView{}, false, err
	}
	return planView(payer, p), true, nil
}

func planView(payer string, p PricingPlan) PricingPlanView {
	return PricingPlanView{PricingPlan: p, ARN: ARN(payer, TypePricingPlan, p.ID), Size: int64(len(p.RuleIDs))}
}

// CreatePricingPlanInput is the input of CreatePricingPlan.
type CreatePricingPlanInput struct {
	Idempotency
	Name            string
	Description     string
	PricingRuleARNs []string
	Tags            map[string]string
}

// CreatePricingPlan creates a plan, optionally with up to 30 rules, and returns its ARN.
func (s *Service) CreatePricingPlan(ctx context.Context, c Caller, in CreatePricingPlanInput) (string, error) {
	if err := validateName("Name", in.Name); err != nil {
		return "", err
	}
	if err := validateTags("Tags", in.Tags); err != nil {
		return "", err
	}
	period, now := s.CurrentPeriod(), s.now()
	var arn string
	err := s.update(ctx, func(tx Tx) error {
		id, done, err := replay(tx, c.Account, "CreatePricingPlan", in.Idempotency, now, TypePricingPlan)
		if err != nil || done {
			arn = ARN(c.Account, TypePricingPlan, id)
			return err
		}
		if err := planNames.checkName(tx, c.Account, in.Name, "", period); err != nil {
			return err
		}
		if n, err := planCount.get(tx, c.Account, period); err != nil || n >= QuotaPricingPlans.Limit {
			if err != nil {
				return err
			}
			return LimitExceeded(QuotaPricingPlans, TypePricingPlan, "")
		}
		p := PricingPlan{ID: s.ids.Alphanumeric(10), Name: in.Name, Description: in.Description,
			CreationTime: now, LastModifiedTime: now}
		if err := planNames.claim(tx, c.Account, p.Name, p.ID, period); err != nil {
			return err
		}
		if err := planCount.add(tx, c.Account, period, 1); err != nil {
			return err
		}
		if err := addInitialRules(tx, c.Account, &p, in.PricingRuleARNs, period); err != nil {
			return err
		}
		arn = ARN(c.Account, TypePricingPlan, p.ID)
		if err := putJSON(tx, c.Account, kindPricingPlan, p.ID, period, p); err != nil {
			return err
		}
		if err := syncPlanRules(tx, c.Account, p.ID, nil, p.RuleIDs, period); err != nil {
			return err
		}
		if err := putTags(tx, c.Account, arn, in.Tags); err != nil {
			return err
		}
		return remember(tx, c.Account, "CreatePricingPlan", in.Idempotency, p.ID, now)
	})
	return arn, err
}

// addInitialRules attaches the rules given at creation. CreatePricingPlan is
// the one Create* with a modeled ResourceNotFoundException: unknown rules.
func addInitialRules(tx Tx, payer string, p *PricingPlan, refs []string, period Period) error {
	if len(refs) > QuotaRulesPerPlan.Limit { // the API takes 100 at once; Cloud Control passes a whole set
		return LimitExceeded(QuotaRulesPerPlan, TypePricingPlan, ARN(payer, TypePricingPlan, p.ID))
	}
	rules, err := loadRules(tx, payer, refs, period, func(ref, _ string) error { return NotFound(TypePricingRule, ref) })
	if err != nil {
		return err
	}
	if err := checkCollisions(tx, payer, *p, nil, rules, period); err != nil {
		return err
	}
	if err := checkPlansPerRule(tx, payer, rules, period); err != nil {
		return err
	}
	for _, r := range rules {
		p.RuleIDs = append(p.RuleIDs, r.ID)
	}
	return nil
}

// ListPricingPlansInput is the input of ListPricingPlans.
type ListPricingPlansInput struct {
	BillingPeriod string
	ARNs          []string
	Page
}

// ListPricingPlans lists the plans of a period in ID order. The AWS-managed
// plans are listed only when the Arns filter names them, before the
// caller's own (Proforma's choice: they are not the caller's resources,
// BEHAVIOR.md PP-1 leaves it open).
func (s *Service) ListPricingPlans(ctx context.Context, c Caller, in ListPricingPlansInput) ([]PricingPlanView, Period, string, error) {
	period, err := s.readPeriod(in.BillingPeriod)
	if err != nil {
		return nil, "", "", err
	}
	listing := listingID(c.Account, "ListPricingPlans", period, in.ARNs)
	var views []PricingPlanView
	var next string
	err = s.view(ctx, func(tx Tx) error {
		if in.ARNs != nil {
			views, next, err = namedPlans(tx, c.Account, in.ARNs, period, listing, in.Page)
			return err
		}
		plans, token, err := jsonKeyset[PricingPlan](kindPricingPlan, nil).page(tx, c.Account, period, listing, in.Page, 100)
		for _, p := range plans {
			views = append(views, planView(c.Account, p))
		}
		next = token
		return err
	})
	return views, period, next, err
}

// namedPlans pages through the plans refs name: the AWS-managed ones
// first, then the caller's, each in ID order.
func namedPlans(tx Tx, payer string, refs []string, period Period, listing string, pg Page) ([]PricingPlanView, string, error) {
	var managed, own []string
	for _, r := range refs {
		if id, isManaged, err := planRef(payer, "", r); err == nil {
			if isManaged {
				managed = append(managed, id)
			} else {
				own = append(own, id)
			}
		}
	}
	var views []PricingPlanView
	for _, id := range sortedIDs(managed, func(id string) (string, error) { return id, nil }) {
		views = append(views, managedPlans[id])
	}
	plans, _, err := named[PricingPlan](tx, payer, kindPricingPlan, sortedIDs(own, func(id string) (string, error) { return id, nil }),
		period, nil, "", Page{MaxResults: len(own) + 1}, 0)
	if err != nil {
		return nil, "", err
	}
	for _, p := range plans {
		views = append(views, planView(payer, p))
	}
	key := func(v PricingPlanView) string { // managed plans first
		if _, ok := managedPlans[v.ID]; ok {
			return "0/" + v.ID
		}
		return "1/" + v.ID
	}
	return paginate(views, key, listing, pg, 100)
}

// UpdatePricingPlanInput is the input of UpdatePricingPlan; nil members are unchanged.
type UpdatePricingPlanInput struct {
	ARN         string
	Name        *string
	Description *string
}

// UpdatePricingPlan renames or redescribes a plan in the current period.
func (s *Service) UpdatePricingPlan(ctx context.Context, c Caller, in UpdatePricingPlanInput) (PricingPlanView, error) {
	if in.Name != nil {
		if err := validateName("Name", *in.Name); err != nil {
			return PricingPlanView{}, err
		}
	}
	period, now := s.CurrentPeriod(), s.now()
	var view PricingPlanView
	err := s.update(ctx, func(tx Tx) error {
		p, err := loadOwnPlan(tx, c.Account, in.ARN, period, "update", NotFound(TypePricingPlan, in.ARN))
		if err != nil {
			return err
		}
		if in.Name != nil {
			if err := planNames.checkName(tx, c.Account, *in.Name, p.ID, period); err != nil {
				return err
			}
			if err := planNames.rename(tx, c.Account, p.Name, *in.Name, p.ID, period); err != nil {
				return err
			}
			p.Name = *in.Name
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		p.LastModifiedTime = now
		view = planView(c.Account, p)
		return putJSON(tx, c.Account, kindPricingPlan, p.ID, period, p)
	})
	return view, err
}

// loadOwnPlan resolves a customer-managed plan for a change; AWS-managed
// plans are read-only, and a missing plan is reported as notFound.
func loadOwnPlan(tx Tx, payer, arn string, at Period, verb string, notFound error) (PricingPlan, error) {
	id, managed, err := planRef(payer, "Arn", arn)
	if err != nil {
		return PricingPlan{}, err
	}
	if managed {
		return PricingPlan{}, Invalid("OTHER", "%s is an AWS-managed pricing plan and cannot be %sd.", id, verb).withField("Arn")
	}
	var p PricingPlan
	ok, err := getJSON(tx, payer, kindPricingPlan, id, at, &p)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, notFound
	}
	return p, nil
}

// DeletePricingPlan deletes a plan from the current period on. A plan used
// by a billing group cannot be deleted. DeletePricingPlan has no modeled
// ResourceNotFoundException: an unknown plan is MISSING_PRICINGPLAN.
func (s *Service) DeletePricingPlan(ctx context.Context, c Caller, arn string) (string, error) {
	period := s.CurrentPeriod()
	var out string
	err := s.update(ctx, func(tx Tx) error {
		p, err := loadOwnPlan(tx, c.Account, arn, period, "delete",
			Invalid("MISSING_PRICINGPLAN", "Pricing plan %s does not exist.", arn).withField("Arn"))
		if err != nil {
			return err
		}
		out = ARN(c.Account, TypePricingPlan, p.ID)
		if g, used, err := groupWithPlan(tx, c.Account, out, period); err != nil || used {
			if err == nil {
				err = Conflict("PRICING_PLAN_ATTACHED_TO_BILLING_GROUP_DELETE_CONFLICT", TypeBillingGroup,
					ARN(c.Account, TypeBillingGroup, g.ID),
					"Pricing plan %s is used by billing group %s.", p.ID, g.Name)
			}
			return err
		}
		if pref, ok, err := preferenceUsing(tx, c.Account, out); err != nil || ok {
			if err != nil {
				return err
			}
			return Conflict("PRICING_PLAN_REFERENCED_BY_PREFERENCE_DELETE_CONFLICT", TypeTransfer, pref.TransferARN,
				"Pricing plan %s is the plan of the billing transfer preference of %s.", p.ID, pref.TransferARN)
		}
		if err := planNames.release(tx, c.Account, p.Name, period); err != nil {
			return err
		}
		if err := planCount.add(tx, c.Account, period, -1); err != nil {
			return err
		}
		if err := syncPlanRules(tx, c.Account, p.ID, p.RuleIDs, nil, period); err != nil {
			return err
		}
		return tx.Delete(c.Account, kindPricingPlan, p.ID, period)
	})
	return out, err
}

// withField names the offending member of a validation error.
func (e *Error) withField(name string) *Error {
	if name != "" {
		e.Fields = append(e.Fields, FieldError{Name: name, Message: e.Message})
	}
	return e
}
