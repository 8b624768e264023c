package model

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Input is implemented by the input shape of every operation.
type Input interface {
	// Validate reports the members that violate model constraints, nil when
	// the input is valid.
	Validate() []FieldError
	// BindHTTP copies members bound to the URI path, query string and
	// headers into the input. labels holds the already-unescaped path labels,
	// e.g. {"ResourceArn": "arn:aws:..."}.
	BindHTTP(labels map[string]string, query url.Values, header http.Header)
}

// Operation describes one modeled operation and its HTTP binding.
type Operation struct {
	Name              string       // e.g. "CreateBillingGroup"
	Method            string       // e.g. "POST"
	Path              string       // requestUri as modeled, e.g. "/tags/{ResourceArn}"
	SuccessCode       int          // modeled http.responseCode, 200 when not modeled
	Idempotent        bool         // modeled as idempotent
	ClientTokenMember string       // the idempotencyToken member of the input, or ""
	Errors            []string     // modeled error shape names, in model order
	NewInput          func() Input // returns a new empty input, e.g. &CreateBillingGroupInput{}
	InputShape        string       // e.g. "CreateBillingGroupInput"
	OutputShape       string       // e.g. "CreateBillingGroupOutput"
	Paginated         bool         // the input has a NextToken member
}

// OperationByName returns the operation with the given name.
func OperationByName(name string) (Operation, bool) {
	i, ok := slices.BinarySearchFunc(Operations, name, func(op Operation, name string) int {
		return strings.Compare(op.Name, name)
	})
	if !ok {
		return Operation{}, false
	}
	return Operations[i], true
}
