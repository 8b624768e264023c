package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
)

// streamingPrefix starts the X-Amz-Content-Sha256 values of chunked
// (aws-chunked) payload signing, e.g. STREAMING-AWS4-HMAC-SHA256-PAYLOAD.
const streamingPrefix = "STREAMING-"

// checkPayloadHash refuses the X-Amz-Content-Sha256 values that leave the
// body out of the signature: UNSIGNED-PAYLOAD, and the STREAMING-* values of
// chunked signing (not supported). A verifier that took UNSIGNED-PAYLOAD
// would let whoever captures one signed request send another body (of the
// same length, when content-length is signed) under the same signature.
func checkPayloadHash(declared string) *Error {
	switch {
	case declared == UnsignedPayload:
		return invalid(msgUnsignedPayload)
	case strings.HasPrefix(declared, streamingPrefix):
		return invalid(fmt.Sprintf(msgStreamingPayload, declared))
	}
	return nil
}

// bodyHash is Verify's payload step: the hex SHA-256 of body, which a
// declared hash, when present, must equal (case-insensitively).
func bodyHash(declared string, body []byte) (string, *Error) {
	if e := checkPayloadHash(declared); e != nil {
		return "", e
	}
	sum := HashPayload("", body)
	if declared != "" && !strings.EqualFold(declared, sum) {
		return "", invalid(msgPayloadMismatch)
	}
	return sum, nil
}

// declaredHash is VerifyDeclaredHash's payload step: the declared hash
// itself, as sent (and so as signed), which must be present and 64 hex
// digits.
func declaredHash(declared string) (string, *Error) {
	if e := checkPayloadHash(declared); e != nil {
		return "", e
	}
	if declared == "" {
		return "", invalid(msgPayloadHashRequired)
	}
	if b, err := hex.DecodeString(declared); err != nil || len(b) != sha256.Size {
		return "", invalid(fmt.Sprintf(msgPayloadHashMalformed, declared))
	}
	return declared, nil
}

// VerifyDeclaredHash verifies the request's signature before its body is
// read, for bodies too large to hold in memory. The signature is checked
// over the hash the client declared in X-Amz-Content-Sha256, which is then
// required: 64 hex digits (as S3 requires it; the AWS SDKs send it only to
// S3, so other clients add it themselves). Failures are those of Verify,
// plus InvalidSignatureException when the header is missing or malformed.
//
// Success proves only that the signer vouched for that hash; wrap r.Body
// with CheckedBody(r.Body, r.Header.Get("X-Amz-Content-Sha256")) and read it
// to its end to prove that the body is the one signed.
func (v Verifier) VerifyDeclaredHash(r *http.Request) (accessKeyID string, err error) {
	return result(v.verify(r, declaredHash))
}

// CheckedBody returns body hashing what is read through it. At the end of
// the body it compares the SHA-256 with payloadHash (hex, any case): when
// they differ, the read that would return io.EOF returns an *Error instead
// (InvalidSignatureException, 403, "The provided 'x-amz-content-sha256'
// header does not match what was computed."), and so does every later
// read. Bytes before the end are passed on unchecked, so a consumer must
// treat what it has read as provisional until it sees io.EOF. Close closes
// body.
func CheckedBody(body io.ReadCloser, payloadHash string) io.ReadCloser {
	return &checkedBody{body: body, want: strings.ToLower(payloadHash), hash: sha256.New()}
}

type checkedBody struct {
	body io.ReadCloser
	want string
	hash hash.Hash
	err  error // sticky once the end is reached
}

func (c *checkedBody) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.body.Read(p)
	c.hash.Write(p[:n])
	if err == io.EOF {
		c.err = io.EOF
		if hex.EncodeToString(c.hash.Sum(nil)) != c.want {
			c.err = invalid(msgPayloadMismatch)
		}
		err = c.err
	}
	return n, err
}

func (c *checkedBody) Close() error { return c.body.Close() }
