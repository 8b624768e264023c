// Package sigv4 verifies AWS Signature Version 4 (AWS4-HMAC-SHA256) request
// signatures on the server side, the way an AWS rest-json service does.
//
// Each step of the signing specification is a small pure function:
// CanonicalURI, CanonicalQuery, CanonicalHeaders, SignedHeaders, HashPayload,
// CanonicalRequest, CredentialScope, StringToSign, SigningKey and Signature.
// Verifier.Verify composes them, compares the result with the request's
// signature in constant time and enforces a clock-skew window.
//
// Failures are reported as *Error values carrying the error code, message and
// HTTP status an AWS service returns, so a server can render them directly.
//
// Every payload is covered by the signature: UNSIGNED-PAYLOAD is refused.
// A body too large to read before verifying is handled in two steps:
// Verifier.VerifyDeclaredHash checks the signature over the hash declared in
// X-Amz-Content-Sha256, and CheckedBody proves the body matches it as the
// body is read.
//
// Only the Authorization header form is supported; presigned (query string)
// requests, streaming (chunked) payload signing and SigV4a are not.
package sigv4
