package conductor

import (
	"errors"
	"fmt"
)

// Exception names of the Billing Conductor model. restjson maps each to its
// modeled HTTP status; nothing else in the program knows about status codes.
const (
	CodeValidation     = "ValidationException"
	CodeConflict       = "ConflictException"
	CodeNotFound       = "ResourceNotFoundException"
	CodeAccessDenied   = "AccessDeniedException"
	CodeServiceLimit   = "ServiceLimitExceededException"
	CodeInternal       = "InternalServerException"
	CodeThrottling     = "ThrottlingException"
	CodeNotImplemented = "NotImplementedException"
)

// ServiceCode is the ServiceCode of every ServiceLimitExceededException.
const ServiceCode = "billingconductor"

// Resource types named in ConflictException, ResourceNotFoundException and
// ServiceLimitExceededException. They are the resource words of the ARNs.
const (
	TypeBillingGroup   = "billinggroup"
	TypePricingPlan    = "pricingplan"
	TypePricingRule    = "pricingrule"
	TypeCustomLineItem = "customlineitem"
	TypeAccount        = "account"
)

// FieldError names one input member that failed validation.
type FieldError struct {
	Name    string
	Message string
}

// Error is the one error type of the domain: an AWS exception with its
// modeled members. Handlers return it; restjson alone turns it into HTTP.
type Error struct {
	Code         string
	Message      string
	Reason       string
	Fields       []FieldError
	ResourceID   string
	ResourceType string
	LimitCode    string
	ServiceCode  string
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return e.Code + ": " + e.Message
}

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Invalid returns a ValidationException with the given reason.
func Invalid(reason, format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns a ValidationException FIELD_VALIDATION_FAILED naming one member.
func InvalidField(field, message string) *Error {
	return &Error{
		Code:    CodeValidation,
		Reason:  "FIELD_VALIDATION_FAILED",
		Message: fmt.Sprintf("Invalid value for %s: %s", field, message),
		Fields:  []FieldError{{Name: field, Message: message}},
	}
}

// NotFound returns a ResourceNotFoundException.
func NotFound(resourceType, id string) *Error {
	return &Error{
		Code:         CodeNotFound,
		Message:      fmt.Sprintf("The %s %s was not found.", resourceType, id),
		ResourceID:   id,
		ResourceType: resourceType,
	}
}

// Conflict returns a ConflictException naming the resource that blocks the request.
func Conflict(reason, resourceType, id, format string, args ...any) *Error {
	return &Error{
		Code: CodeConflict, Reason: reason, Message: fmt.Sprintf(format, args...),
		ResourceID: id, ResourceType: resourceType,
	}
}

// LimitExceeded returns a ServiceLimitExceededException (HTTP 402) for a quota of BEHAVIOR.md §12.
func LimitExceeded(q Quota, resourceType, id string) *Error {
	return &Error{
		Code:         CodeServiceLimit,
		Message:      fmt.Sprintf("Service quota exceeded: %s (limit %d).", q.Description, q.Limit),
		ResourceID:   id,
		ResourceType: resourceType,
		LimitCode:    q.Code,
		ServiceCode:  ServiceCode,
	}
}

// AccessDenied returns an AccessDeniedException.
func AccessDenied(format string, args ...any) *Error {
	return &Error{Code: CodeAccessDenied, Message: fmt.Sprintf(format, args...)}
}

// NotImplemented names an operation whose behavior Proforma does not provide yet.
func NotImplemented(operation string) *Error {
	return &Error{
		Code:    CodeNotImplemented,
		Message: fmt.Sprintf("Proforma does not implement %s yet.", operation),
	}
}

// Quota is an account-level limit of the service.
type Quota struct {
	Code        string
	Description string
	Limit       int
}

// The quotas of BEHAVIOR.md §12 (AWS user guide "Quotas and restrictions").
var (
	QuotaBillingGroups    = Quota{"L-BILLING-GROUPS", "billing groups per payer account", 5000}
	QuotaAccountsPerGroup = Quota{"L-ACCOUNTS-PER-BILLING-GROUP", "accounts per billing group", 1000}
	QuotaPricingPlans     = Quota{"L-PRICING-PLANS", "pricing plans per payer account", 5000}
	QuotaPricingRules     = Quota{"L-PRICING-RULES", "pricing rules per payer account", 50000}
	QuotaRulesPerPlan     = Quota{"L-PRICING-RULES-PER-PLAN", "pricing rules per pricing plan", 500}
	QuotaPlansPerRule     = Quota{"L-PRICING-PLANS-PER-RULE", "pricing plans per pricing rule", 1000}
	QuotaCustomLineItems  = Quota{"L-CUSTOM-LINE-ITEMS", "custom line items per payer account", 50000}
)
