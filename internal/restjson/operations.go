package restjson

import (
	"context"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

// operations is the table of implemented operations. An operation of the
// model missing here answers NotImplementedException naming it.
func operations() map[string]operation {
	return map[string]operation{
		"CreateBillingGroup":                           handle(createBillingGroup),
		"AssociateAccounts":                            handle(associateAccounts),
		"DisassociateAccounts":                         handle(disassociateAccounts),
		"ListBillingGroups":                            handle(listBillingGroups),
		"UpdateBillingGroup":                           handle(updateBillingGroup),
		"DeleteBillingGroup":                           handle(deleteBillingGroup),
		"ListAccountAssociations":                      handle(listAccountAssociations),
		"CreatePricingPlan":                            handle(createPricingPlan),
		"ListPricingPlans":                             handle(listPricingPlans),
		"UpdatePricingPlan":                            handle(updatePricingPlan),
		"DeletePricingPlan":                            handle(deletePricingPlan),
		"CreatePricingRule":                            handle(createPricingRule),
		"UpdatePricingRule":                            handle(updatePricingRule),
		"DeletePricingRule":                            handle(deletePricingRule),
		"ListPricingRules":                             handle(listPricingRules),
		"AssociatePricingRules":                        handle(associatePricingRules),
		"DisassociatePricingRules":                     handle(disassociatePricingRules),
		"ListPricingRulesAssociatedToPricingPlan":      handle(listPricingRulesAssociatedToPricingPlan),
		"ListPricingPlansAssociatedWithPricingRule":    handle(listPricingPlansAssociatedWithPricingRule),
		"CreateCustomLineItem":                         handle(createCustomLineItem),
		"UpdateCustomLineItem":                         handle(updateCustomLineItem),
		"DeleteCustomLineItem":                         handle(deleteCustomLineItem),
		"ListCustomLineItems":                          handle(listCustomLineItems),
		"ListCustomLineItemVersions":                   handle(listCustomLineItemVersions),
		"BatchAssociateResourcesToCustomLineItem":      handle(batchAssociateResourcesToCustomLineItem),
		"BatchDisassociateResourcesFromCustomLineItem": handle(batchDisassociateResourcesFromCustomLineItem),
		"ListResourcesAssociatedToCustomLineItem":      handle(listResourcesAssociatedToCustomLineItem),
		"TagResource":                                  handle(tagResource),
		"UntagResource":                                handle(untagResource),
		"ListTagsForResource":                          handle(listTagsForResource),
		"GetBillingGroupCostReport":                    handle(getBillingGroupCostReport),
		"ListBillingGroupCostReports":                  handle(listBillingGroupCostReports),
		"GetBillingTransferPreference":                 handle(getBillingTransferPreference),
		"UpdateBillingTransferPreference":              handle(updateBillingTransferPreference),
	}
}

// handle adapts a typed operation implementation to the table.
func handle[I any, P interface {
	*I
	model.Input
}, O any](f func(context.Context, *conductor.Service, request, P) (O, error)) operation {
	return func(ctx context.Context, svc *conductor.Service, req request, in model.Input) (any, error) {
		return f(ctx, svc, req, in.(P))
	}
}

// str dereferences an optional string member.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// opt returns a member for a response, omitted when empty.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ptr[T any](v T) *T { return &v }

// epoch renders a timestamp as the wire's epoch seconds.
func epoch(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	return ptr(t.Unix())
}

func page(maxResults *int32, nextToken *string) conductor.Page {
	p := conductor.Page{NextToken: str(nextToken)}
	if maxResults != nil {
		p.MaxResults = int(*maxResults)
	}
	return p
}

func idempotency(req request, token *string) conductor.Idempotency {
	return conductor.Idempotency{Token: str(token), Fingerprint: req.fingerprint}
}
