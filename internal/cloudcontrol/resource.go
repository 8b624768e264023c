package cloudcontrol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// resourceType is one CloudFormation resource type served through Cloud
// Control. Models are JSON objects of the schema's properties.
type resourceType interface {
	// readOnly and createOnly name the schema's readOnlyProperties and
	// createOnlyProperties (top-level property names).
	readOnly() []string
	createOnly() []string
	// create makes the resource of a desired state and returns its primary identifier.
	create(ctx context.Context, c conductor.Caller, desired map[string]any) (string, error)
	// read returns the model of a resource: every property that has a
	// value, read-only ones included; a missing resource is errNotFound.
	read(ctx context.Context, c conductor.Caller, id string) (map[string]any, error)
	// update turns current into desired (both full models).
	update(ctx context.Context, c conductor.Caller, id string, current, desired map[string]any) error
	delete(ctx context.Context, c conductor.Caller, id string) error
	// list returns a page of resources and the next page's token.
	list(ctx context.Context, c conductor.Caller, pg conductor.Page) ([]resourceDescription, string, error)
}

type resourceDescription struct {
	Identifier string `json:"Identifier"`
	Properties string `json:"Properties"`
}

// handlerError is a resource handler's failure: a HandlerErrorCode and a message.
type handlerError struct{ code, message string }

func (e *handlerError) Error() string { return e.code + ": " + e.message }

func handlerFailure(code, message string) *handlerError {
	return &handlerError{code: code, message: message}
}

func notFound(typeName, id string) *handlerError {
	return handlerFailure("NotFound", "Resource of type '"+typeName+"' with identifier '"+id+"' was not found.")
}

// handlerCode maps an error of a handler onto a HandlerErrorCode and a
// status message (the Billing Conductor API's message).
func (h *Handler) handlerCode(err error) (string, string) {
	var herr *handlerError
	if errors.As(err, &herr) {
		return herr.code, herr.message
	}
	e, ok := conductor.AsError(err)
	if !ok {
		h.log.Error("cloud control handler failed", "err", err)
		return "InternalFailure", "An internal error occurred."
	}
	msg := e.Code + ": " + e.Message
	switch e.Code {
	case conductor.CodeValidation:
		if strings.HasPrefix(e.Reason, "MISSING_") {
			return "NotFound", msg
		}
		return "InvalidRequest", msg
	case conductor.CodeNotFound:
		return "NotFound", msg
	case conductor.CodeConflict:
		if strings.HasSuffix(e.Reason, "NAME_CONFLICT") {
			return "AlreadyExists", msg
		}
		return "ResourceConflict", msg
	case conductor.CodeServiceLimit:
		return "ServiceLimitExceeded", msg
	case conductor.CodeAccessDenied:
		return "AccessDenied", msg
	case conductor.CodeThrottling:
		return "Throttling", msg
	}
	return "GeneralServiceException", msg
}

// exceptions are the exceptions of the synchronous operations (GetResource,
// ListResources) for each HandlerErrorCode.
var exceptions = map[string]string{
	"NotFound":             "ResourceNotFoundException",
	"InvalidRequest":       "InvalidRequestException",
	"AlreadyExists":        "AlreadyExistsException",
	"NotUpdatable":         "NotUpdatableException",
	"ResourceConflict":     "ResourceConflictException",
	"ServiceLimitExceeded": "ServiceLimitExceededException",
	"Throttling":           "ThrottlingException",
	"AccessDenied":         "InvalidCredentialsException",
	"InternalFailure":      "HandlerInternalFailureException",
}

func (h *Handler) exception(err error) error {
	code, msg := h.handlerCode(err)
	name, ok := exceptions[code]
	if !ok {
		name = "GeneralServiceException"
	}
	status := http.StatusBadRequest
	if code == "InternalFailure" {
		status = http.StatusInternalServerError
	}
	return errorf(status, name, "%s", msg)
}

// resourceType returns the served type of a TypeName. A type Proforma does
// not serve is TypeNotFoundException: the model's "extension doesn't exist
// in the CloudFormation registry" (UnsupportedActionException is for a
// known type that lacks a handler).
func (h *Handler) resourceType(name string) (resourceType, error) {
	if name == "" {
		return nil, validation("1 validation error detected: Value null at 'typeName' failed to satisfy constraint: Member must not be null")
	}
	t, ok := h.types[name]
	if !ok {
		return nil, errorf(http.StatusBadRequest, "TypeNotFoundException",
			"The type '%s' cannot be found. Proforma serves %s.", name, strings.Join(h.typeNames(), ", "))
	}
	return t, nil
}

func (h *Handler) typeNames() []string {
	var names []string
	for n := range h.types {
		names = append(names, n)
	}
	return names
}

// parseModel parses a JSON object of properties, keeping numbers exact.
func parseModel(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// normalize returns v as parsed JSON (maps, slices, json.Number).
func normalize(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseModel(string(b))
}

// fromModel decodes a model into a typed struct, refusing unknown
// properties (the schemas say additionalProperties: false).
func fromModel(m map[string]any, v any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return handlerFailure("InvalidRequest", "Model validation failed: "+err.Error())
	}
	return nil
}

func modelString(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// typed is the TypeName every resource operation's input names.
type typed struct{ TypeName string }

func (t typed) typeName() string { return t.TypeName }

// typedRequest decodes a resource operation's body into in and returns the
// resource type it names.
func (h *Handler) typedRequest(body []byte, in interface{ typeName() string }) (resourceType, error) {
	if err := decode(body, in); err != nil {
		return nil, err
	}
	return h.resourceType(in.typeName())
}

type getResourceInput struct {
	typed
	Identifier string
}

type getResourceOutput struct {
	TypeName            string              `json:"TypeName"`
	ResourceDescription resourceDescription `json:"ResourceDescription"`
}

func (h *Handler) getResource(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in getResourceInput
	t, err := h.typedRequest(body, &in)
	if err != nil {
		return nil, err
	}
	if in.Identifier == "" {
		return nil, validation("1 validation error detected: Value null at 'identifier' failed to satisfy constraint: Member must not be null")
	}
	m, err := t.read(ctx, c, in.Identifier)
	if err != nil {
		return nil, h.exception(err)
	}
	return getResourceOutput{TypeName: in.TypeName,
		ResourceDescription: resourceDescription{Identifier: in.Identifier, Properties: modelString(m)}}, nil
}

type listResourcesInput struct {
	typed
	NextToken  string
	MaxResults int
}

type listResourcesOutput struct {
	TypeName             string                `json:"TypeName"`
	ResourceDescriptions []resourceDescription `json:"ResourceDescriptions"`
	NextToken            string                `json:"NextToken,omitempty"`
}

func (h *Handler) listResources(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in listResourcesInput
	t, err := h.typedRequest(body, &in)
	if err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 100 {
		return nil, validation("MaxResults must be between 1 and 100.")
	}
	descs, next, err := t.list(ctx, c, conductor.Page{MaxResults: in.MaxResults, NextToken: in.NextToken})
	if err != nil {
		return nil, h.exception(err)
	}
	if descs == nil {
		descs = []resourceDescription{}
	}
	return listResourcesOutput{TypeName: in.TypeName, ResourceDescriptions: descs, NextToken: next}, nil
}

// retag moves a resource's tags from cur to want: UntagResource for the
// keys want drops, TagResource for the keys it adds or changes.
func retag(ctx context.Context, svc *conductor.Service, c conductor.Caller, arn string, cur, want map[string]string) error {
	var untag []string
	for _, k := range sortedKeys(cur) {
		if _, ok := want[k]; !ok {
			untag = append(untag, k)
		}
	}
	if len(untag) > 0 {
		if err := svc.UntagResource(ctx, c, arn, untag); err != nil {
			return err
		}
	}
	set := map[string]string{}
	for k, v := range want {
		if old, ok := cur[k]; !ok || old != v {
			set[k] = v
		}
	}
	if len(set) == 0 {
		return nil
	}
	return svc.TagResource(ctx, c, arn, set)
}

// readTags returns a resource's tags as the schemas' list, sorted by key.
func readTags(ctx context.Context, svc *conductor.Service, c conductor.Caller, arn string) ([]tag, error) {
	tags, err := svc.ListTagsForResource(ctx, c, arn)
	if err != nil {
		return nil, err
	}
	var out []tag
	for _, k := range sortedKeys(tags) {
		out = append(out, tag{Key: k, Value: tags[k]})
	}
	return out, nil
}

// describe turns a page of API views into ListResources' descriptions:
// each view's ARN and its model.
func describe[V any](views []V, arn func(V) string, model func(V) (map[string]any, error)) ([]resourceDescription, error) {
	var out []resourceDescription
	for _, v := range views {
		m, err := model(v)
		if err != nil {
			return nil, err
		}
		out = append(out, resourceDescription{Identifier: arn(v), Properties: modelString(m)})
	}
	return out, nil
}
