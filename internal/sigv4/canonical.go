package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// UnsignedPayload is the X-Amz-Content-Sha256 value by which a client declares
// that the body is not covered by the signature. Verifier refuses it.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// uriEncode percent-encodes every byte of s except the RFC 3986 unreserved
// characters A-Z a-z 0-9 - . _ ~, using upper-case hex; '/' is kept when
// keepSlash is true.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// CanonicalURI returns the canonical URI of path: every byte except '/' and
// the unreserved characters is percent-encoded (upper-case hex); an empty path
// becomes "/". Dot segments and repeated slashes are kept (no normalization).
//
// Pass the path as it was sent on the wire (r.URL.EscapedPath()). Its
// existing escapes are then encoded again ("%3A" becomes "%253A"), which is
// the double encoding the AWS SDKs apply for every service except S3, so that
// requests signed by aws-sdk-go-v2 verify. Given a decoded path (as in the
// AWS test suite's "/ሴ" or "/example space/"), it yields the single-encoded
// form.
func CanonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	return uriEncode(path, true)
}

// CanonicalQuery returns the canonical query string for rawQuery (the query as
// sent, without '?'). The query is decoded as net/url.ParseQuery does ('+' is
// a space; pairs it rejects are dropped, exactly as the handler will not see
// them either), then every name and value is URI-encoded, the pairs are sorted
// by encoded name and then encoded value, and joined as "name=value" with '&'.
// A parameter without '=' gets an empty value.
func CanonicalQuery(rawQuery string) string {
	values, _ := url.ParseQuery(rawQuery) // bad pairs are skipped, as by r.URL.Query()
	type pair struct{ name, value string }
	var pairs []pair
	for name, vs := range values {
		n := uriEncode(name, false)
		for _, v := range vs {
			pairs = append(pairs, pair{n, uriEncode(v, false)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].name != pairs[j].name {
			return pairs[i].name < pairs[j].name
		}
		return pairs[i].value < pairs[j].value
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name + "=" + p.value)
	}
	return b.String()
}

// CanonicalHeaders returns the canonical headers block for the signed header
// names (lower-case, in the order given): one "name:value\n" line per name.
// The value of "host" is host; every other value comes from h (looked up
// case-insensitively via http.Header.Values), each occurrence trimmed with
// runs of spaces collapsed to one, and multiple occurrences joined by ','. A
// signed header absent from h contributes an empty value.
func CanonicalHeaders(h http.Header, host string, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			b.WriteString(trimHeaderValue(host))
		} else {
			for i, v := range h.Values(name) {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(trimHeaderValue(v))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// trimHeaderValue removes leading and trailing whitespace and collapses each
// run of spaces to a single space.
func trimHeaderValue(v string) string {
	v = strings.TrimSpace(v)
	for strings.Contains(v, "  ") {
		v = strings.ReplaceAll(v, "  ", " ")
	}
	return v
}

// SignedHeaders returns the signed-headers line: the names joined with ';'.
func SignedHeaders(signed []string) string { return strings.Join(signed, ";") }

// HashPayload returns the payload hash line of the canonical request. It is
// the literal UNSIGNED-PAYLOAD when declared (the X-Amz-Content-Sha256 header
// value) is exactly that, and otherwise the lower-case hex SHA-256 of body.
// This is the signing step as specified; Verifier refuses UNSIGNED-PAYLOAD.
func HashPayload(declared string, body []byte) string {
	if declared == UnsignedPayload {
		return UnsignedPayload
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// CanonicalRequest joins the six parts of the canonical request with '\n'.
// canonicalHeaders is CanonicalHeaders' output, which ends in '\n', so a blank
// line precedes the signed-headers line.
func CanonicalRequest(method, canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash string) string {
	return strings.Join([]string{method, canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash}, "\n")
}
