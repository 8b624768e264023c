package restjson

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// Strict-mode authorization of the admin endpoints.
//
// In strict mode every admin route but GET /_proforma/health requires a
// SigV4 signature (signing name "billingconductor", any region) by a
// credential of Identity.Keys (the organization the server was started
// with), and a right that depends on the route:
//
//	GET    /_proforma/clock             any organization credential
//	POST   /_proforma/clock             admin credential
//	GET    /_proforma/accounts?payer=X  admin credential, or a credential of payer X
//	POST   /_proforma/accounts          admin credential
//	DELETE /_proforma/accounts/{id}     admin credential
//	POST   /_proforma/reset             admin credential
//	POST   /_proforma/usage?payer=X     admin credential, or a credential of payer X
//	POST   /_proforma/usage?source=S    admin credential (the server reads S with its own AWS credentials)
//	GET    /_proforma/export?payer=X    admin credential, or a credential of payer X
////	POST   /_proforma/scenarios?payer=X admin credential, or a credential of payer X
//	GET    /_proforma/scenarios[/{id}[/changes|/compare]]?payer=X  the same
//	DELETE /_proforma/scenarios/{id}?payer=X                      the same
//	ANY    /_proforma/scenarios/{id}/OPERATION-PATH  as the API: a credential of the scenario's payer
//	                                    (the signature covers the full path; see scenario_api.go)
//
// For the routes open to a payer, an empty payer means the caller's own
// account, and the request reaches the endpoint with payer set to it: a
// payer's import is its own even when the file's payer column names another.
//
// The signature always covers the body. A JSON body (at most MaxBodyBytes,
// else 413) is read and hashed before the check. The usage upload is
// streamed: it must carry X-Amz-Content-Sha256, the hex SHA-256 of the
// body, which the signature covers and the body is compared with as it is
// read; a body that differs ends in a *sigv4.Error, which the upload
// handler answers 403 without importing anything.
//
// Admin rights come from the organization in memory, not from the store, so
// a credential dropped from the organization file, or left in a data
// directory by an earlier run with another organization, administers
// nothing. A refused request changes nothing and is answered 403 the way
// AWS answers authentication errors: X-Amzn-ErrorType and
// {"__type": code, "Message": message}, with the codes of sigv4.Verifier
// (MissingAuthenticationTokenException, IncompleteSignatureException,
// InvalidSignatureException, UnrecognizedClientException) or
// AccessDeniedException when the key lacks the right. In permissive mode
// the admin endpoints stay open to everyone.

// adminRight is what a strict-mode caller must hold to call an admin route.
type adminRight int

const (
	// anyCaller is any organization credential with a valid signature.
	anyCaller adminRight = iota
	// adminOnly is a credential marked admin.
	adminOnly
	// ownPayer is an admin credential for any payer, or a credential of
	// the payer named by the payer query parameter (empty: the caller's).
	ownPayer
	// uploadRight is ownPayer for a file the caller sends, and adminOnly
	// for a source the server reads itself (?source=s3://…): it reads with
	// its own AWS credentials, which a payer must not borrow.
	uploadRight
)

// adminCaller is the verified signer of an admin request.
type adminCaller struct {
	key     string // access key ID
	account string // the payer owning the key
	admin   bool
}

func (k Keys) caller(key string) adminCaller {
	return adminCaller{key: key, account: k.owners[key], admin: k.creds[key].Admin}
}

// bodyVerifier verifies the signature of r, whose body it may replace,
// and returns the signing access key ID.
type bodyVerifier func(v sigv4.Verifier, r *http.Request) (string, error)

// guard protects a route with a small JSON body: the body (at most
// MaxBodyBytes) is read and covered by the signature check, and next reads
// the same bytes.
func (a *Admin) guard(right adminRight, next http.HandlerFunc) http.Handler {
	return a.protect(right, verifyBuffered, next)
}

// guardUpload protects a streamed upload: the signature is checked over the
// body's SHA-256 declared in X-Amz-Content-Sha256 (required) before the body
// is read, and next reads the body through sigv4.CheckedBody, whose read
// at the end returns a *sigv4.Error instead of io.EOF when the body is not
// the one signed. next must treat what it read as void on any error.
func (a *Admin) guardUpload(right adminRight, next http.HandlerFunc) http.Handler {
	return a.protect(right, verifyStreamed, next)
}

// protect returns next unchanged in permissive mode; in strict mode next
// runs only for a verified caller holding right, on a copy of the request.
func (a *Admin) protect(right adminRight, verify bodyVerifier, next http.HandlerFunc) http.Handler {
	if !a.Identity.Strict {
		return next
	}
	keys := a.Identity.Keys
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		key, err := verify(a.Identity.verifier(SigningName), r)
		if err == nil {
			err = authorize(right, keys.caller(key), r)
		}
		if err != nil {
			writeAdminAuthError(w, err)
			return
		}
		next(w, r)
	})
}

func verifyBuffered(v sigv4.Verifier, r *http.Request) (string, error) {
	body, err := readBody(r)
	if err != nil {
		return "", err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return v.Verify(r, body)
}

func verifyStreamed(v sigv4.Verifier, r *http.Request) (string, error) {
	key, err := v.VerifyDeclaredHash(r)
	if err != nil {
		return "", err
	}
	r.Body = sigv4.CheckedBody(r.Body, r.Header.Get("X-Amz-Content-Sha256"))
	return key, nil
}

// authorize checks that the caller holds right for r; for ownPayer it sets
// r's payer query parameter to the payer acted for.
func authorize(right adminRight, c adminCaller, r *http.Request) error {
	if right == uploadRight {
		right = ownPayer
		if r.URL.Query().Has("source") {
			right = adminOnly
		}
	}
	switch {
	case right == anyCaller || c.admin:
		return nil
	case right == adminOnly:
		return accessDenied("%s %s requires an admin credential (admin: true in the organization file); "+
			"access key %s of account %s is not one.", r.Method, r.URL.Path, c.key, c.account)
	}
	q := r.URL.Query()
	if p := q.Get("payer"); p != "" && p != c.account {
		return accessDenied("Access key %s of account %s may act for its own payer only; payer %s requires an admin credential.",
			c.key, c.account, p)
	}
	q.Set("payer", c.account)
	r.URL.RawQuery = q.Encode()
	return nil
}

func accessDenied(format string, args ...any) error {
	return &protocolError{code: conductor.CodeAccessDenied, status: http.StatusForbidden, message: fmt.Sprintf(format, args...)}
}

// writeAdminAuthError answers a refused admin request as AWS answers an
// authentication error: its status, X-Amzn-ErrorType, and a JSON body
// {"__type": code, "Message": message}.
func writeAdminAuthError(w http.ResponseWriter, err error) {
	code, status, message := conductor.CodeInternal, http.StatusInternalServerError, "An internal error occurred."
	var aerr *sigv4.Error
	var perr *protocolError
	switch {
	case errors.As(err, &aerr):
		code, status, message = aerr.Code, aerr.Status, aerr.Message
	case errors.As(err, &perr):
		code, status, message = perr.code, perr.status, perr.message
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, authErrorBody{Type: code, Message: message})
}

// authErrorBody is the JSON body of an authentication error, "__type" first.
type authErrorBody struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
}
