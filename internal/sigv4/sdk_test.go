package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sdkKey     = "AKIAPROFORMA0EXAMPLE"
	sdkSecret  = "proforma/secret/EXAMPLEKEY0123456789abcd"
	sdkToken   = "FwoGZXIvYXdzEXAMPLE//session+token=="
	sdkService = "billingconductor"
	sdkRegion  = "us-east-1"
	sdkHost    = "https://billingconductor.us-east-1.amazonaws.com"
	// An ARN path label encoded the way the SDK encodes it.
	arnPath = "/tags/arn%3Aaws%3Abillingconductor%3A%3A123456789012%3Abillinggroup%2F123456789012"
)

var sdkTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// signSpec describes one request signed by aws-sdk-go-v2's signer.
type signSpec struct {
	method, target string // target is path and query, as sent
	body           string
	key, secret    string
	token          string
	service        string
	header         http.Header // extra headers, signed
	// declare is sent as X-Amz-Content-Sha256 and signed as the payload
	// hash in place of the body's SHA-256 (e.g. UNSIGNED-PAYLOAD).
	declare string
}

func baseSpec(method, target, body string) signSpec {
	return signSpec{method: method, target: target, body: body, key: sdkKey, secret: sdkSecret, service: sdkService}
}

// signed signs s with the real SDK signer and returns the request as a server
// would see it after reading it off the wire, plus its body.
func signed(t *testing.T, s signSpec) (*http.Request, []byte) {
	t.Helper()
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequest(s.method, sdkHost+s.target, body)
	if err != nil {
		t.Fatal(err)
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range s.header {
		req.Header[k] = vs
	}
	hash := sha256.Sum256([]byte(s.body))
	payload := hex.EncodeToString(hash[:])
	if s.declare != "" {
		payload = s.declare
		req.Header.Set("X-Amz-Content-Sha256", s.declare)
	}
	creds := aws.Credentials{AccessKeyID: s.key, SecretAccessKey: s.secret, SessionToken: s.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payload, s.service, sdkRegion, sdkTime); err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, b
}

// declaring returns s sending and signing declare as its payload hash.
func declaring(s signSpec, declare string) signSpec {
	s.declare = declare
	return s
}

func hexSHA256(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func sdkVerifier(now time.Time) Verifier {
	return Verifier{
		Credentials: StaticCredentials{sdkKey: sdkSecret},
		Service:     sdkService,
		Now:         func() time.Time { return now },
	}
}

func TestVerifySDKRoundTrip(t *testing.T) {
	withToken := func(s signSpec) signSpec { s.token = sdkToken; return s }
	tests := []struct {
		name string
		spec signSpec
	}{
		{"post json", baseSpec("POST", "/create-billing-group", `{"Name":"bg","AccountGrouping":{"LinkedAccountIds":["123456789012"]}}`)},
		{"post empty json", baseSpec("POST", "/list-billing-groups", `{}`)},
		{"post json with token", withToken(baseSpec("POST", "/list-pricing-rules", `{"MaxResults":10}`))},
		{"get tags encoded arn", baseSpec("GET", arnPath, "")},
		{"get tags encoded arn with token", withToken(baseSpec("GET", arnPath, ""))},
		{"get tags raw colon arn", baseSpec("GET", "/tags/arn:aws:billingconductor::123456789012:billinggroup%2F123456789012", "")},
		{"post tags", baseSpec("POST", arnPath, `{"Tags":{"team":"a b"}}`)},
		{"delete tags with keys", baseSpec("DELETE", arnPath+"?tagKeys=a&tagKeys=b", "")},
		{"delete tags with keys and token", withToken(baseSpec("DELETE", arnPath+"?tagKeys=a&tagKeys=b", ""))},
		{"query needing encoding", baseSpec("GET", "/list?x=a%2Fb&x=a-b&y=c%20d&z", "")},
		{"declared payload hash", declaring(baseSpec("POST", "/list-billing-groups", `{}`), hexSHA256(`{}`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := signed(t, tt.spec)
			for _, now := range []time.Time{sdkTime, sdkTime.Add(-15 * time.Minute), sdkTime.Add(15 * time.Minute)} {
				id, err := sdkVerifier(now).Verify(r, body)
				if err != nil {
					t.Fatalf("Verify at %s: %v", now.Format(TimeFormat), err)
				}
				if id != sdkKey {
					t.Fatalf("access key %q, want %q", id, sdkKey)
				}
			}
		})
	}
}

func TestVerifyAnyServiceWhenUnset(t *testing.T) {
	s := baseSpec("GET", "/", "")
	s.service = "execute-api"
	r, body := signed(t, s)
	v := sdkVerifier(sdkTime)
	v.Service = ""
	if _, err := v.Verify(r, body); err != nil {
		t.Fatal(err)
	}
}

func TestVerifySDKTampered(t *testing.T) {
	post := baseSpec("POST", arnPath, `{"Tags":{"team":"a"}}`)
	del := baseSpec("DELETE", arnPath+"?tagKeys=a&tagKeys=b", "")
	tests := []struct {
		name     string
		spec     signSpec
		tamper   func(r *http.Request, body []byte) []byte
		verifier func(v *Verifier)
		code     string
		message  string // exact when set
	}{
		{name: "wrong secret", spec: func() signSpec { s := post; s.secret = "not-the-secret"; return s }(),
			code: CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered body", spec: post,
			tamper: func(_ *http.Request, _ []byte) []byte { return []byte(`{"Tags":{"team":"b"}}`) },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered body with declared hash", spec: declaring(post, hexSHA256(post.body)),
			tamper: func(_ *http.Request, _ []byte) []byte { return []byte(`{}`) },
			code:   CodeInvalidSignature, message: msgPayloadMismatch},
		{name: "unsigned payload", spec: declaring(post, UnsignedPayload),
			code: CodeInvalidSignature, message: msgUnsignedPayload},
		{name: "unsigned payload, same-length body swapped", spec: declaring(post, UnsignedPayload),
			tamper: func(_ *http.Request, _ []byte) []byte { return []byte(`{"Tags":{"team":"b"}}`) },
			code:   CodeInvalidSignature, message: msgUnsignedPayload},
		{name: "streaming payload", spec: declaring(post, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
			code: CodeInvalidSignature, message: "Streaming payload signing ('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') is not supported: " +
				"sign the whole body and send its hex SHA-256 in x-amz-content-sha256."},
		{name: "streaming unsigned payload", spec: declaring(post, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
			code: CodeInvalidSignature},
		{name: "altered signed header", spec: post,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Set("Content-Type", "text/plain"); return b },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "added value to signed header", spec: post,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Add("Content-Type", "text/plain"); return b },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered path", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				r.URL.RawPath = strings.Replace(r.URL.RawPath, "billinggroup%2F", "billinggroup%2F9", 1)
				r.URL.Path = strings.Replace(r.URL.Path, "billinggroup/", "billinggroup/9", 1)
				if r.URL.EscapedPath() == arnPath {
					t.Fatal("path not altered")
				}
				return b
			},
			code: CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered query", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "tagKeys=a&tagKeys=c"; return b },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered method", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Method = "GET"; return b },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered security token", spec: func() signSpec { s := del; s.token = sdkToken; return s }(),
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Security-Token", sdkToken+"x"); return b },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "altered date", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "20260101T000001Z"); return b },
			code:   CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "expired timestamp", spec: del,
			verifier: func(v *Verifier) { v.Now = func() time.Time { return sdkTime.Add(20 * time.Minute) } },
			code:     CodeInvalidSignature,
			message:  "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T002000Z - 15 min.)"},
		{name: "future timestamp", spec: del,
			verifier: func(v *Verifier) { v.Now = func() time.Time { return sdkTime.Add(-20 * time.Minute) } },
			code:     CodeInvalidSignature,
			message:  "Signature not yet current: 20260101T000000Z is still later than 20251231T235500Z (20251231T234000Z + 15 min.)"},
		{name: "expired with 5 minute window", spec: del,
			verifier: func(v *Verifier) {
				v.MaxSkew = 5 * time.Minute
				v.Now = func() time.Time { return sdkTime.Add(10 * time.Minute) }
			},
			code:    CodeInvalidSignature,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)"},
		{name: "unknown key", spec: func() signSpec { s := del; s.key = "AKIAUNKNOWN"; return s }(),
			code: CodeUnrecognizedClient, message: msgUnrecognized},
		{name: "nil credentials", spec: del,
			verifier: func(v *Verifier) { v.Credentials = nil },
			code:     CodeUnrecognizedClient, message: msgUnrecognized},
		{name: "wrong service scope", spec: func() signSpec { s := del; s.service = "billing"; return s }(),
			code: CodeInvalidSignature, message: "Credential should be scoped to correct service: 'billingconductor'."},
		{name: "scope date differs from X-Amz-Date", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20260101/", "/20251231/", 1))
				return b
			},
			code: CodeInvalidSignature,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20251231' != '20260101', from '20260101T000000Z'."},
		{name: "bad terminator", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws5_request", 1))
				return b
			},
			code: CodeInvalidSignature, message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "host not signed", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
				return b
			},
			code: CodeInvalidSignature, message: msgHostNotSigned},
		// The operation of an awsJson request (Cloud Control) is its
		// X-Amz-Target: unsigned, a captured signature could run another.
		{name: "target added after signing", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				r.Header.Set("X-Amz-Target", "CloudApiService.DeleteResource")
				return b
			},
			code: CodeInvalidSignature, message: msgTargetNotSigned},
		{name: "missing authorization", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Del("Authorization"); return b },
			code:   CodeMissingAuthenticationToken, message: msgMissingToken},
		{name: "missing date", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Del("X-Amz-Date"); return b },
			code:   CodeIncompleteSignature,
			message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "malformed date", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "2026-01-01T00:00:00Z"); return b },
			code:   CodeIncompleteSignature,
			message: "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. " +
				"See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "missing Signature", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				a := r.Header.Get("Authorization")
				r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
				return b
			},
			code: CodeIncompleteSignature, message: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256"},
		{name: "garbage header", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Set("Authorization", "garbage"); return b },
			code:   CodeIncompleteSignature,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=garbage"},
		{name: "bearer token", spec: del,
			tamper: func(r *http.Request, b []byte) []byte { r.Header.Set("Authorization", "Bearer abc.def"); return b },
			code:   CodeIncompleteSignature, message: "Unsupported AWS 'algorithm': 'Bearer'."},
		{name: "non-hex signature", spec: del,
			tamper: func(r *http.Request, b []byte) []byte {
				a := r.Header.Get("Authorization")
				r.Header.Set("Authorization", a[:strings.Index(a, "Signature=")]+"Signature=zz")
				return b
			},
			code: CodeInvalidSignature, message: msgSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := signed(t, tt.spec)
			if tt.tamper != nil {
				body = tt.tamper(r, body)
			}
			v := sdkVerifier(sdkTime)
			if tt.verifier != nil {
				tt.verifier(&v)
			}
			id, err := v.Verify(r, body)
			if err == nil {
				t.Fatalf("Verify accepted the request (key %q)", id)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if e.Code != tt.code || e.Status != http.StatusForbidden {
				t.Fatalf("got %s (status %d), want %s (403)", e, e.Status, tt.code)
			}
			if tt.message != "" && e.Message != tt.message {
				t.Fatalf("message\n%q\nwant\n%q", e.Message, tt.message)
			}
			if id != "" {
				t.Fatalf("access key %q returned with an error", id)
			}
		})
	}
}
