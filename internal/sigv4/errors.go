package sigv4

import "net/http"

// Error codes returned by this package, as AWS JSON services spell them.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
)

// Messages AWS returns verbatim for the corresponding failures.
const (
	msgMissingToken      = "Missing Authentication Token"
	msgUnrecognized      = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned   = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgPayloadMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."
)

// Messages of this server's own refusals (AWS services differ here).
const (
	msgUnsignedPayload = "UNSIGNED-PAYLOAD is not accepted: the signature must cover the body. " +
		"Sign the payload's hex SHA-256 (and send it in x-amz-content-sha256)."
	msgStreamingPayload = "Streaming payload signing ('%s') is not supported: " +
		"sign the whole body and send its hex SHA-256 in x-amz-content-sha256."
	msgTargetNotSigned     = "X-Amz-Target names the operation and must be a 'SignedHeader' in the AWS Authorization."
	msgPayloadHashRequired = "Missing required header for this request: x-amz-content-sha256 " +
		"(the hex SHA-256 of the body, covered by the signature)."
	msgPayloadHashMalformed = "x-amz-content-sha256 must be the hex SHA-256 of the body (64 hex digits), not '%s'."
)

// Error is an AWS authentication error as the service returns it: Code is the
// error type (e.g. "InvalidSignatureException"), Message the human-readable
// text and Status the HTTP status code (always 403 for this package).
type Error struct {
	Code    string
	Message string
	Status  int
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code, msg string) *Error {
	return &Error{Code: code, Message: msg, Status: http.StatusForbidden}
}

func incomplete(msg string) *Error { return newError(CodeIncompleteSignature, msg) }

func invalid(msg string) *Error { return newError(CodeInvalidSignature, msg) }
