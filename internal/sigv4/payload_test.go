package sigv4

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

const upload = "payer,usage\n123456789012,1.5\n"

// TestVerifyDeclaredHash signs uploads with the SDK signer over a declared
// hash, verifies them before their body is read, then reads the body
// through CheckedBody.
func TestVerifyDeclaredHash(t *testing.T) {
	spec := func(declare string) signSpec { return declaring(baseSpec("POST", "/_proforma/usage", upload), declare) }
	swapped := strings.Replace(upload, "1.5", "9.5", 1) // same length
	tests := []struct {
		name    string
		spec    signSpec
		tamper  func(r *http.Request)
		body    string // sent; default: spec.body
		code    string // of VerifyDeclaredHash; "" = verified
		message string
		readErr string // message of the *Error at the body's end; "" = none
	}{
		{name: "declared hash", spec: spec(hexSHA256(upload))},
		{name: "upper-case declared hash", spec: spec(strings.ToUpper(hexSHA256(upload)))},
		{name: "same-length body swapped", spec: spec(hexSHA256(upload)), body: swapped, readErr: msgPayloadMismatch},
		{name: "shorter body", spec: spec(hexSHA256(upload)), body: upload[:10], readErr: msgPayloadMismatch},
		{name: "no header", spec: baseSpec("POST", "/_proforma/usage", upload),
			code: CodeInvalidSignature, message: msgPayloadHashRequired},
		{name: "malformed header", spec: spec("abc"),
			code: CodeInvalidSignature, message: "x-amz-content-sha256 must be the hex SHA-256 of the body (64 hex digits), not 'abc'."},
		{name: "unsigned payload", spec: spec(UnsignedPayload), code: CodeInvalidSignature, message: msgUnsignedPayload},
		{name: "streaming payload", spec: spec("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), code: CodeInvalidSignature},
		{name: "header altered after signing", spec: spec(hexSHA256(upload)),
			tamper: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hexSHA256(swapped)) },
			body:   swapped, code: CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "wrong secret", spec: func() signSpec { s := spec(hexSHA256(upload)); s.secret = "wrong"; return s }(),
			code: CodeInvalidSignature, message: msgSignatureMismatch},
		{name: "unsigned request", spec: spec(hexSHA256(upload)),
			tamper: func(r *http.Request) { r.Header.Del("Authorization") },
			code:   CodeMissingAuthenticationToken, message: msgMissingToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := signed(t, tt.spec)
			if tt.body != "" {
				body = []byte(tt.body)
			}
			if tt.tamper != nil {
				tt.tamper(r)
			}
			id, err := sdkVerifier(sdkTime).VerifyDeclaredHash(r)
			if tt.code != "" {
				wantSigError(t, err, tt.code, tt.message)
				return
			}
			if err != nil || id != sdkKey {
				t.Fatalf("VerifyDeclaredHash = %q, %v; want %q", id, err, sdkKey)
			}
			got, err := io.ReadAll(CheckedBody(io.NopCloser(bytes.NewReader(body)), r.Header.Get("X-Amz-Content-Sha256")))
			if tt.readErr != "" {
				wantSigError(t, err, CodeInvalidSignature, tt.readErr)
				return
			}
			if err != nil || string(got) != upload {
				t.Fatalf("body %q, %v; want %q", got, err, upload)
			}
		})
	}
}

func TestCheckedBody(t *testing.T) {
	sum := hexSHA256(upload)
	tests := []struct {
		name string
		r    io.Reader
		hash string
		ok   bool
	}{
		{"match", strings.NewReader(upload), sum, true},
		{"match, one byte at a time", iotest.OneByteReader(strings.NewReader(upload)), sum, true},
		{"match, data with EOF", iotest.DataErrReader(strings.NewReader(upload)), sum, true},
		{"match, upper-case hash", strings.NewReader(upload), strings.ToUpper(sum), true},
		{"empty body", strings.NewReader(""), hexSHA256(""), true},
		{"mismatch", strings.NewReader(upload + "x"), sum, false},
		{"mismatch, data with EOF", iotest.DataErrReader(strings.NewReader("x" + upload)), sum, false},
		{"not a hash", strings.NewReader(upload), "zz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := CheckedBody(io.NopCloser(tt.r), tt.hash)
			_, err := io.ReadAll(body)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if n, err := body.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Fatalf("read after the end: %d, %v; want 0, EOF", n, err)
				}
				return
			}
			wantSigError(t, err, CodeInvalidSignature, msgPayloadMismatch)
			if _, again := body.Read(make([]byte, 1)); again != err {
				t.Fatalf("read after the end: %v, want the same error", again)
			}
		})
	}
}

func TestCheckedBodyPassesErrors(t *testing.T) {
	boom := errors.New("connection reset")
	body := CheckedBody(io.NopCloser(iotest.ErrReader(boom)), hexSHA256(""))
	if _, err := io.ReadAll(body); err != boom {
		t.Fatalf("error %v, want %v", err, boom)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestCheckedBodyClose(t *testing.T) {
	inner := &closeRecorder{Reader: strings.NewReader(upload)}
	if err := CheckedBody(inner, "").Close(); err != nil || !inner.closed {
		t.Fatalf("Close: %v, closed %v", err, inner.closed)
	}
}

func wantSigError(t *testing.T, err error, code, message string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v, want *Error %s", err, err, code)
	}
	if e.Code != code || e.Status != http.StatusForbidden || (message != "" && e.Message != message) {
		t.Fatalf("got %s (status %d)\nwant %s: %s (403)", e, e.Status, code, message)
	}
}
