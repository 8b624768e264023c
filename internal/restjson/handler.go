// Package restjson serves the Billing Conductor rest-json protocol: routing by
// method and path from the generated operation table, JSON decoding and model
// validation, caller identity, and the one place where errors become HTTP.
package restjson

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
)

// MaxBodyBytes is the largest request body accepted; larger requests get
// RequestEntityTooLargeException (413).
const MaxBodyBytes = 1 << 20

// Handler serves the AWS operations. Build it with New.
type Handler struct {
	svc      *conductor.Service
	identity Identity
	log      *slog.Logger
	routes   []route
	ops      map[string]operation
}

// New returns the handler of the 34 Billing Conductor operations.
func New(svc *conductor.Service, identity Identity, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{svc: svc, identity: identity, log: log, ops: operations()}
	for _, op := range model.Operations {
		h.routes = append(h.routes, newRoute(op))
	}
	return h
}

// request is what an operation implementation sees of the HTTP request.
type request struct {
	caller conductor.Caller
	// fingerprint hashes the validated input without its client token, for
	// idempotency: same token and same fingerprint = same request.
	fingerprint string
}

// operation runs one AWS operation on a validated input and returns its output.
type operation func(ctx context.Context, svc *conductor.Service, req request, in model.Input) (any, error)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	op, out, status, err := h.serve(r)
	if err != nil {
		h.warnUnmodeled(op, requestID, err)
		h.writeError(w, r, requestID, err)
		return
	}
	writeJSON(w, status, out)
}

func (h *Handler) serve(r *http.Request) (model.Operation, any, int, error) {
	op, labels, err := h.match(r)
	if err != nil {
		return op, nil, 0, err
	}
	SetOperation(r.Context(), op.Name)
	body, err := readBody(r)
	if err != nil {
		return op, nil, 0, err
	}
	caller, err := h.identity.caller(r, body, h.svc)
	if err != nil {
		return op, nil, 0, err
	}
	SetCaller(r.Context(), caller.Account)
	_, out, status, err := h.run(r, h.svc, caller, op, labels, body)
	return op, out, status, err
}

// run decodes the input of op from r (whose body is body) and runs it on
// svc for caller: the part of serving a request that follows routing and
// identity, shared by the live API and the scenarios' (scenario_api.go).
func (h *Handler) run(r *http.Request, svc *conductor.Service, caller conductor.Caller, op model.Operation,
	labels map[string]string, body []byte) (model.Input, any, int, error) {
	in, err := decode(op, r, labels, body)
	if err != nil {
		return nil, nil, 0, err
	}
	impl, ok := h.ops[op.Name]
	if !ok {
		return in, nil, 0, conductor.NotImplemented(op.Name)
	}
	out, err := impl(r.Context(), svc, request{caller: caller, fingerprint: fingerprint(in)}, in)
	if err != nil {
		return in, nil, 0, err
	}
	if op.SuccessCode == http.StatusNoContent && out == nil {
		return in, nil, http.StatusNoContent, nil
	}
	// ListTagsForResource is modeled with 204 but has a body; a 204 cannot
	// carry one, and SDKs accept any 2xx, so it is answered with 200 (TG-5).
	return in, out, http.StatusOK, nil
}

// readBody reads the whole body, refusing more than MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &protocolError{code: "RequestEntityTooLargeException", status: http.StatusRequestEntityTooLarge,
			message: fmt.Sprintf("Request bodies are limited to %d bytes.", MaxBodyBytes)}
	}
	if err != nil {
		return nil, &protocolError{code: "MalformedHttpRequestException", status: http.StatusBadRequest,
			message: "The request body could not be read: " + err.Error()}
	}
	return body, nil
}

// decode parses the JSON body into the operation's input, binds the HTTP
// members and applies every model constraint.
func decode(op model.Operation, r *http.Request, labels map[string]string, body []byte) (model.Input, error) {
	in := op.NewInput()
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, in); err != nil {
			return nil, cannotParse(err)
		}
	}
	in.BindHTTP(labels, r.URL.Query(), r.Header)
	if errs := in.Validate(); len(errs) > 0 {
		return nil, fieldValidation(errs)
	}
	return in, nil
}

func cannotParse(err error) error {
	msg := "The request body is not valid JSON."
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "request body"
		}
		msg = fmt.Sprintf("Cannot parse %s: expected %s, got JSON %s.", field, typeErr.Type, typeErr.Value)
	}
	return conductor.Invalid("CANNOT_PARSE", "%s", msg)
}

func fieldValidation(errs []model.FieldError) error {
	e := &conductor.Error{Code: conductor.CodeValidation, Reason: "FIELD_VALIDATION_FAILED"}
	parts := make([]string, len(errs))
	for i, fe := range errs {
		e.Fields = append(e.Fields, conductor.FieldError{Name: fe.Name, Message: fe.Message})
		parts[i] = fe.Name + ": " + fe.Message
	}
	e.Message = fmt.Sprintf("%d validation error(s) detected: %s", len(errs), strings.Join(parts, "; "))
	return e
}

// fingerprint hashes the input's JSON members; header members such as the
// client token are not part of it.
func fingerprint(in model.Input) string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// marshal encodes v. An output with its own MarshalJSON (the generated
// ones that answer empty lists as []) is encoded by it alone: json.Marshal
// would check and copy what it returns again.
func marshal(v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || !rv.IsNil() {
			return m.MarshalJSON()
		}
	}
	return json.Marshal(v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	b, err := marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"Message":"response encoding failed"}`)
	}
	// A Content-Length (rather than chunked encoding), as AWS sends it.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// NewRequestID returns a request ID: a random UUID (version 4) string.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
