// Package sts answers the one AWS STS operation SDK-based tools call before
// anything else, GetCallerIdentity (awsQuery: a form-encoded POST to /,
// answered in XML), on the Billing Conductor API's port: Terraform, Pulumi
// and the Cloud Control clients check their credentials with it. The
// caller is decided as for the API (restjson.Identity), with signatures
// scoped to the signing name "sts".
package sts

import (
	"cmp"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// SigningName is the SigV4 signing name of STS requests.
const SigningName = "sts"

// maxBody bounds a request body: a GetCallerIdentity form is a few bytes.
const maxBody = 64 << 10

// Handler serves STS requests.
type Handler struct {
	Identity restjson.Identity
}

// IsQuery reports whether r is an awsQuery request — a form-encoded POST
// to / — and so belongs to this handler, not to the rest-json API.
func IsQuery(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// ServeHTTP answers GetCallerIdentity; another action is InvalidAction.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := restjson.NewRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, r, requestID, http.StatusRequestEntityTooLarge, "Sender", "RequestEntityTooLarge", "The request body is too large.")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeError(w, r, requestID, http.StatusBadRequest, "Sender", "MalformedQueryString", "The request body is not a form.")
		return
	}
	switch action := form.Get("Action"); action {
	case "":
		writeError(w, r, requestID, http.StatusBadRequest, "Sender", "MissingAction", "The request names no Action.")
		return
	case "GetCallerIdentity":
		restjson.SetOperation(r.Context(), action)
	default:
		writeError(w, r, requestID, http.StatusBadRequest, "Sender", "InvalidAction",
			"Could not find operation "+action+" for version "+form.Get("Version")+": Proforma answers GetCallerIdentity only.")
		return
	}
	account, err := h.Identity.Account(r, body, SigningName)
	if err != nil {
		var aerr *sigv4.Error
		if errors.As(err, &aerr) {
			writeError(w, r, requestID, aerr.Status, "Sender", cmp.Or(queryCodes[aerr.Code], aerr.Code), aerr.Message)
			return
		}
		writeError(w, r, requestID, http.StatusInternalServerError, "Receiver", "InternalFailure", "An internal error occurred.")
		return
	}
	restjson.SetCaller(r.Context(), account)
	writeXML(w, http.StatusOK, getCallerIdentityResponse{
		Result: callerIdentity{
			Arn:     "arn:aws:iam::" + account + ":root",
			UserID:  account,
			Account: account,
		},
		RequestID: requestID,
	})
}

// queryCodes are the awsQuery names STS gives the authentication errors
// the JSON protocols call otherwise (sigv4.Error codes).
var queryCodes = map[string]string{
	"InvalidSignatureException":   "SignatureDoesNotMatch",
	"UnrecognizedClientException": "InvalidClientTokenId",
}

// getCallerIdentityResponse is the XML answer of GetCallerIdentity.
type getCallerIdentityResponse struct {
	XMLName   xml.Name       `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result    callerIdentity `xml:"GetCallerIdentityResult"`
	RequestID string         `xml:"ResponseMetadata>RequestId"`
}

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// errorResponse is an awsQuery error.
type errorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeError answers an awsQuery error and records its code for the
// request log (awsQuery names it in the body only).
func writeError(w http.ResponseWriter, r *http.Request, requestID string, status int, errType, code, message string) {
	restjson.SetErrorCode(r.Context(), code)
	var e errorResponse
	e.Error.Type, e.Error.Code, e.Error.Message, e.RequestID = errType, code, message, requestID
	writeXML(w, status, e)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, nil
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	w.Write(append([]byte(xml.Header), b...))
}
