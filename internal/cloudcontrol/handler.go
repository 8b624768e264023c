// Package cloudcontrol serves the AWS Cloud Control API (awsJson1_0: POST /
// with X-Amz-Target CloudApiService.<Operation>, signing name
// "cloudcontrolapi") on the Billing Conductor API's port, for the
// AWS::BillingConductor::* resource types that infrastructure-as-code tools
// (Terraform awscc, Pulumi aws-native) manage through it. Each resource
// handler is a sequence of conductor.Service calls, as the resource schema's
// handlers.*.permissions list them. Mutations complete synchronously; their
// ProgressEvents are stored through conductor.Service so that
// GetResourceRequestStatus and ListResourceRequests survive a restart.
package cloudcontrol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// SigningName is the SigV4 signing name of Cloud Control requests.
const SigningName = "cloudcontrolapi"

// targetPrefix starts the X-Amz-Target of every Cloud Control operation.
const targetPrefix = "CloudApiService."

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// IsTarget reports whether r is a Cloud Control request: a POST to / whose
// X-Amz-Target names a CloudApiService operation.
func IsTarget(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/" &&
		strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// Handler serves Cloud Control requests. Build it with New.
type Handler struct {
	svc      *conductor.Service
	identity restjson.Identity
	log      *slog.Logger
	types    map[string]resourceType
}

// resourceTypes are the served resource types by TypeName: each type's
// file registers its constructor (register, from an init function).
var resourceTypes = map[string]func(*conductor.Service) resourceType{}

// register serves a resource type, built over the Service by newType.
func register(typeName string, newType func(*conductor.Service) resourceType) {
	resourceTypes[typeName] = newType
}

// New returns the Cloud Control handler over svc, deciding callers with identity.
func New(svc *conductor.Service, identity restjson.Identity, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	types := make(map[string]resourceType, len(resourceTypes))
	for name, newType := range resourceTypes {
		types[name] = newType(svc)
	}
	return &Handler{svc: svc, identity: identity, log: log, types: types}
}

// apiError is an exception of the Cloud Control model.
type apiError struct {
	code, message string
	status        int
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{code: code, status: status, message: fmt.Sprintf(format, args...)}
}

func validation(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

// operation runs one Cloud Control operation on the raw JSON input.
type operation func(h *Handler, ctx context.Context, c conductor.Caller, body []byte) (any, error)

var operations = map[string]operation{
	"CreateResource":           (*Handler).createResource,
	"GetResource":              (*Handler).getResource,
	"UpdateResource":           (*Handler).updateResource,
	"DeleteResource":           (*Handler).deleteResource,
	"ListResources":            (*Handler).listResources,
	"GetResourceRequestStatus": (*Handler).getResourceRequestStatus,
	"ListResourceRequests":     (*Handler).listResourceRequests,
	"CancelResourceRequest":    (*Handler).cancelResourceRequest,
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := restjson.NewRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	out, err := h.serve(r)
	if err != nil {
		h.writeError(w, requestID, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) serve(r *http.Request) (any, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
				"Request bodies are limited to %d bytes.", MaxBodyBytes)
		}
		return nil, errorf(http.StatusBadRequest, "SerializationException", "The request body could not be read: %v", err)
	}
	name := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	op, ok := operations[name]
	if !ok {
		return nil, errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s.", name)
	}
	restjson.SetOperation(r.Context(), name)
	account, err := h.identity.Account(r, body, SigningName)
	if err != nil {
		return nil, err
	}
	caller, err := h.svc.Authorize(r.Context(), account)
	if err != nil {
		return nil, err
	}
	restjson.SetCaller(r.Context(), caller.Account)
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	return op(h, r.Context(), caller, body)
}

// decode parses an operation's JSON input.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, "SerializationException", "The request body is not a valid input: %v", err)
	}
	return nil
}

// errorBody is the awsJson1_0 error document.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
}

func (h *Handler) writeError(w http.ResponseWriter, requestID string, err error) {
	code, status, message := h.describe(requestID, err)
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, errorBody{Type: code, Message: message})
}

func (h *Handler) describe(requestID string, err error) (string, int, string) {
	var aerr *apiError
	if errors.As(err, &aerr) {
		return aerr.code, aerr.status, aerr.message
	}
	var serr *sigv4.Error
	if errors.As(err, &serr) {
		return serr.Code, serr.Status, serr.Message
	}
	if e, ok := conductor.AsError(err); ok {
		switch e.Code {
		case conductor.CodeAccessDenied:
			return e.Code, http.StatusForbidden, e.Message
		case conductor.CodeThrottling:
			return e.Code, http.StatusBadRequest, e.Message
		}
		return "GeneralServiceException", http.StatusBadRequest, e.Message
	}
	h.log.Error("internal error", "requestId", requestID, "err", err)
	return "ServiceInternalErrorException", http.StatusInternalServerError,
		"An internal error occurred. Request ID: " + requestID
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"__type":"ServiceInternalErrorException","Message":"response encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
