package sigv4

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock-skew window used when Verifier.MaxSkew is zero.
const DefaultMaxSkew = 15 * time.Minute

// Credentials resolves an access key ID to its secret; ok=false when unknown.
type Credentials interface {
	SecretKey(accessKeyID string) (secret string, ok bool)
}

// StaticCredentials maps access key IDs to secret access keys.
type StaticCredentials map[string]string

// SecretKey implements Credentials.
func (c StaticCredentials) SecretKey(accessKeyID string) (string, bool) {
	s, ok := c[accessKeyID]
	return s, ok
}

// Verifier checks SigV4 Authorization-header signatures. The zero value of
// each field selects its default; a nil Credentials knows no keys.
type Verifier struct {
	Credentials Credentials
	Service     string           // expected signing name, "billingconductor"; "" = any
	Now         func() time.Time // injectable clock; nil = time.Now
	MaxSkew     time.Duration    // 0 = 15 minutes
}

// Verify checks the request's SigV4 signature over the given body bytes (the
// caller has already read the body) and returns the access key ID on success,
// else *Error (Status 403). Checks, in order:
//
//   - no Authorization header: MissingAuthenticationTokenException;
//   - malformed header, missing parameters, or neither X-Amz-Date nor Date:
//     IncompleteSignatureException (see ParseAuthorization);
//   - "host" not among SignedHeaders, or an X-Amz-Target header (which
//     names the operation of awsJson protocols) that is not among them:
//     InvalidSignatureException — a captured signature cannot run another
//     operation over the same body;
//   - X-Amz-Date (else Date, an HTTP date) not in ISO 8601 basic format:
//     IncompleteSignatureException;
//   - request time earlier than now-MaxSkew ("Signature expired: ...") or
//     later than now+MaxSkew ("Signature not yet current: ..."), bounds
//     inclusive: InvalidSignatureException;
//   - credential scope with an empty region, a service other than
//     v.Service, or a date other than the request time's UTC day:
//     InvalidSignatureException (any non-empty region is accepted);
//   - unknown access key: UnrecognizedClientException;
//   - X-Amz-Content-Sha256 is UNSIGNED-PAYLOAD or a STREAMING-* value:
//     InvalidSignatureException: every payload is hashed, so a captured
//     signature cannot carry another body;
//   - X-Amz-Content-Sha256 present and not the hex SHA-256 of body:
//     InvalidSignatureException ("... does not match what was computed.");
//   - signature mismatch (compared in constant time): InvalidSignatureException.
//
// The payload hash of the canonical request is always the SHA-256 of body;
// the header is optional (the AWS SDKs send it to S3, not to JSON services).
//
// The canonical request is built from r.Method, r.URL.EscapedPath(),
// r.URL.RawQuery, r.Host (else r.URL.Host) and r.Header; a signed
// content-length missing from r.Header is taken from r.ContentLength, because
// net/http may hold it only there. X-Amz-Security-Token is treated as an
// ordinary header: it is covered by the signature when listed, never checked.
func (v Verifier) Verify(r *http.Request, body []byte) (accessKeyID string, err error) {
	return result(v.verify(r, func(declared string) (string, *Error) { return bodyHash(declared, body) }))
}

// result turns verify's answer into Verify's: no typed nil in the error.
func result(id string, e *Error) (string, error) {
	if e != nil {
		return "", e
	}
	return id, nil
}

// payloadHasher returns the payload hash line of the canonical request
// given the X-Amz-Content-Sha256 header value ("" when absent), or the
// error that refuses the request.
type payloadHasher func(declared string) (string, *Error)

// verify runs the checks of Verify; payloadHash decides the payload step.
func (v Verifier) verify(r *http.Request, payloadHash payloadHasher) (string, *Error) {
	value := r.Header.Get("Authorization")
	if value == "" {
		return "", newError(CodeMissingAuthenticationToken, msgMissingToken)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	httpDate := r.Header.Get("Date")
	auth, perr := parseAuthorization(value, amzDate != "" || httpDate != "")
	if perr != nil {
		return "", perr
	}
	if !slices.Contains(auth.SignedHeaders, "host") {
		return "", invalid(msgHostNotSigned)
	}
	if _, ok := r.Header["X-Amz-Target"]; ok && !slices.Contains(auth.SignedHeaders, "x-amz-target") {
		return "", invalid(msgTargetNotSigned)
	}

	t, terr := requestTime(amzDate, httpDate)
	if terr != nil {
		return "", terr
	}
	if e := v.checkSkew(t); e != nil {
		return "", e
	}
	if e := v.checkScope(auth, t); e != nil {
		return "", e
	}

	var secret string
	ok := false
	if v.Credentials != nil {
		secret, ok = v.Credentials.SecretKey(auth.AccessKeyID)
	}
	if !ok {
		return "", newError(CodeUnrecognizedClient, msgUnrecognized)
	}

	payload, perr := payloadHash(r.Header.Get("X-Amz-Content-Sha256"))
	if perr != nil {
		return "", perr
	}

	creq := CanonicalRequest(r.Method,
		CanonicalURI(r.URL.EscapedPath()),
		CanonicalQuery(r.URL.RawQuery),
		CanonicalHeaders(signedHeaderSource(r, auth.SignedHeaders), requestHost(r), auth.SignedHeaders),
		SignedHeaders(auth.SignedHeaders),
		payload)
	sts := StringToSign(t.Format(TimeFormat), auth.Scope(), creq)
	want := hmacSHA256(SigningKey(secret, auth.Date, auth.Region, auth.Service), sts)
	got, herr := hex.DecodeString(auth.Signature)
	if herr != nil || !hmac.Equal(want, got) {
		return "", invalid(msgSignatureMismatch)
	}
	return auth.AccessKeyID, nil
}

// requestTime parses X-Amz-Date (ISO 8601 basic format) or, when it is
// absent, the HTTP Date header.
func requestTime(amzDate, httpDate string) (time.Time, *Error) {
	raw := amzDate
	t, err := time.Parse(TimeFormat, amzDate)
	if amzDate == "" {
		raw = httpDate
		t, err = http.ParseTime(httpDate)
	}
	if err != nil {
		return time.Time{}, incomplete(fmt.Sprintf(
			"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", raw))
	}
	return t.UTC(), nil
}

// checkSkew rejects a request time outside [now-MaxSkew, now+MaxSkew] with
// AWS's wording, e.g. "Signature expired: 20260101T000000Z is now earlier
// than 20260101T000500Z (20260101T002000Z - 15 min.)".
func (v Verifier) checkSkew(t time.Time) *Error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	now = now.UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	mins := strconv.FormatFloat(skew.Minutes(), 'f', -1, 64)
	if early := now.Add(-skew); t.Before(early) {
		return invalid(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s min.)",
			t.Format(TimeFormat), early.Format(TimeFormat), now.Format(TimeFormat), mins))
	}
	if late := now.Add(skew); t.After(late) {
		return invalid(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s min.)",
			t.Format(TimeFormat), late.Format(TimeFormat), now.Format(TimeFormat), mins))
	}
	return nil
}

// checkScope reports every credential-scope problem in one message, in AWS's
// order: region, service, date.
func (v Verifier) checkScope(a Authorization, t time.Time) *Error {
	var msgs []string
	if a.Region == "" {
		msgs = append(msgs, "Credential should be scoped to a valid region, not ''.")
	}
	if v.Service != "" && a.Service != v.Service {
		msgs = append(msgs, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.Service))
	}
	if day := t.Format("20060102"); a.Date != day {
		msgs = append(msgs, fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.Date, day, t.Format(TimeFormat)))
	}
	if len(msgs) > 0 {
		return invalid(strings.Join(msgs, " "))
	}
	return nil
}

func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// signedHeaderSource returns r.Header, or a copy completed with
// Content-Length from r.ContentLength when that header is signed but was
// consumed by net/http.
func signedHeaderSource(r *http.Request, signed []string) http.Header {
	if !slices.Contains(signed, "content-length") || r.Header.Get("Content-Length") != "" || r.ContentLength < 0 {
		return r.Header
	}
	h := r.Header.Clone()
	h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	return h
}
