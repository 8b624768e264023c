package restjson

import (
	"errors"
	"net/http"
	"slices"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/model"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// protocolError is an error of the AWS front end rather than of the service
// model (oversized or unreadable requests).
type protocolError struct {
	code, message string
	status        int
}

func (e *protocolError) Error() string { return e.code + ": " + e.message }

// errorBody carries the modeled members of every exception under their model
// names; members an exception does not have stay empty and are omitted.
type errorBody struct {
	Message      string       `json:"Message"`
	Reason       string       `json:"Reason,omitempty"`
	Fields       []errorField `json:"Fields,omitempty"`
	ResourceID   string       `json:"ResourceId,omitempty"`
	ResourceType string       `json:"ResourceType,omitempty"`
	LimitCode    string       `json:"LimitCode,omitempty"`
	ServiceCode  string       `json:"ServiceCode,omitempty"`
}

type errorField struct {
	Name    string `json:"Name"`
	Message string `json:"Message"`
}

// writeError is the one place an error becomes an HTTP response: the
// modeled status, X-Amzn-ErrorType (which SDKs read before the body) and a
// JSON body with the exception's members. Errors that are not domain errors
// become InternalServerException; their detail is logged, not sent.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, requestID string, err error) {
	code, status, body := h.describe(r, requestID, err)
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, body)
}

// WriteInternalError answers InternalServerException for a request that
// failed on a bug of the server's; the detail is the caller's to log.
func WriteInternalError(w http.ResponseWriter, requestID string) {
	w.Header().Set("X-Amzn-ErrorType", conductor.CodeInternal)
	writeJSON(w, http.StatusInternalServerError, internalError(requestID))
}

func internalError(requestID string) errorBody {
	return errorBody{Message: "An internal error occurred. Request ID: " + requestID}
}

func (h *Handler) describe(r *http.Request, requestID string, err error) (string, int, errorBody) {
	var perr *protocolError
	if errors.As(err, &perr) {
		return perr.code, perr.status, errorBody{Message: perr.message}
	}
	var aerr *sigv4.Error
	if errors.As(err, &aerr) {
		return aerr.Code, aerr.Status, errorBody{Message: aerr.Message}
	}
	e, ok := conductor.AsError(err)
	if !ok && r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		h.log.Info("request abandoned: the client went away", "requestId", requestID, "method", r.Method, "path", r.URL.Path)
		return conductor.CodeInternal, http.StatusInternalServerError,
			errorBody{Message: "The request was cancelled. Request ID: " + requestID}
	}
	if !ok {
		h.log.Error("internal error", "requestId", requestID, "method", r.Method, "path", r.URL.Path, "err", err)
		return conductor.CodeInternal, http.StatusInternalServerError, internalError(requestID)
	}
	return e.Code, statusOf(e.Code), bodyOf(e)
}

func statusOf(code string) int {
	if code == conductor.CodeNotImplemented {
		return http.StatusNotImplemented
	}
	if s, ok := model.ErrorStatus[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

func bodyOf(e *conductor.Error) errorBody {
	b := errorBody{Message: e.Message, Reason: e.Reason, ResourceID: e.ResourceID, ResourceType: e.ResourceType,
		LimitCode: e.LimitCode, ServiceCode: e.ServiceCode}
	for _, f := range e.Fields {
		b.Fields = append(b.Fields, errorField{Name: f.Name, Message: f.Message})
	}
	return b
}

// warnUnmodeled logs a domain error that the operation's model does not
// list (BEHAVIOR.md ER-4: SDKs would parse it only as a generic error). The
// wire tests fail on this warning.
func (h *Handler) warnUnmodeled(op model.Operation, requestID string, err error) {
	e, ok := conductor.AsError(err)
	if !ok || op.Name == "" || e.Code == conductor.CodeNotImplemented || slices.Contains(op.Errors, e.Code) {
		return
	}
	h.log.Warn(UnmodeledErrorMessage, "operation", op.Name, "code", e.Code, "requestId", requestID)
}

// UnmodeledErrorMessage is the log message of warnUnmodeled.
const UnmodeledErrorMessage = "error not modeled for the operation"
