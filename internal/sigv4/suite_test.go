package sigv4

import (
	"bufio"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	suiteKey    = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// suiteVectors lists the testdata cases. wire=false marks cases whose request
// cannot reach a server as written: get-space has a raw space in its request
// line (invalid HTTP), and get-utf8's raw UTF-8 path would be sent
// percent-encoded by an SDK and then double-encoded in the canonical URI, as
// for every non-S3 service (see CanonicalURI).
var suiteVectors = []struct {
	name string
	wire bool
}{
	{"get-vanilla", true},
	{"get-vanilla-query", true},
	{"get-vanilla-empty-query-key", true},
	{"get-vanilla-query-order-key", true},
	{"get-vanilla-query-order-key-case", true},
	{"get-vanilla-query-order-value", true},
	{"get-vanilla-query-unreserved", true},
	{"get-vanilla-utf8-query", true},
	{"get-vanilla-with-session-token", true},
	{"get-header-key-duplicate", true},
	{"get-header-value-order", true},
	{"get-header-value-trim", true},
	{"get-unreserved", true},
	{"get-utf8", false},
	{"get-space", false},
	{"get-relative-unnormalized", true},
	{"get-relative-relative-unnormalized", true},
	{"get-slash-unnormalized", true},
	{"get-slashes-unnormalized", true},
	{"get-slash-dot-slash-unnormalized", true},
	{"get-slash-pointless-dot-unnormalized", true},
	{"post-vanilla", true},
	{"post-vanilla-query", true},
	{"post-header-key-sort", true},
	{"post-header-value-case", true},
	{"post-x-www-form-urlencoded", true},
	{"post-x-www-form-urlencoded-parameters", true},
	{"post-sts-header-before", true},
	{"post-sts-header-after", true},
	{"iam-list-users", true},
}

type suiteCase struct {
	request, canonicalRequest, stringToSign, authorization string
}

func loadVector(t *testing.T, name string) suiteCase {
	t.Helper()
	read := func(file string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name, file))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return suiteCase{
		request:          read("request.txt"),
		canonicalRequest: read("canonical-request.txt"),
		stringToSign:     read("string-to-sign.txt"),
		authorization:    read("authorization.txt"),
	}
}

// rawRequest is a suite request split by hand, so that paths that are not
// valid on the wire (spaces, raw UTF-8) survive untouched.
type rawRequest struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func parseRaw(t *testing.T, text string) rawRequest {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	method, rest, _ := strings.Cut(lines[0], " ")
	target := rest[:strings.LastIndex(rest, " ")]
	path, query, _ := strings.Cut(target, "?")
	r := rawRequest{method: method, path: path, query: query, header: http.Header{}, body: []byte(body)}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		r.header.Add(name, value)
	}
	return r
}

func TestSuiteSteps(t *testing.T) {
	for _, v := range suiteVectors {
		t.Run(v.name, func(t *testing.T) {
			c := loadVector(t, v.name)
			raw := parseRaw(t, c.request)
			auth, err := ParseAuthorization(c.authorization)
			if err != nil {
				t.Fatal(err)
			}

			creq := CanonicalRequest(raw.method,
				CanonicalURI(raw.path),
				CanonicalQuery(raw.query),
				CanonicalHeaders(raw.header, raw.header.Get("Host"), auth.SignedHeaders),
				SignedHeaders(auth.SignedHeaders),
				HashPayload(raw.header.Get("X-Amz-Content-Sha256"), raw.body))
			if creq != c.canonicalRequest {
				t.Fatalf("canonical request:\n%s\nwant:\n%s", creq, c.canonicalRequest)
			}
			sts := StringToSign(raw.header.Get("X-Amz-Date"), auth.Scope(), creq)
			if sts != c.stringToSign {
				t.Fatalf("string to sign:\n%s\nwant:\n%s", sts, c.stringToSign)
			}
			sig := Signature(SigningKey(suiteSecret, auth.Date, auth.Region, auth.Service), sts)
			if sig != auth.Signature {
				t.Fatalf("signature %s, want %s", sig, auth.Signature)
			}
		})
	}
}

func TestSuiteVerify(t *testing.T) {
	verifier := Verifier{
		Credentials: StaticCredentials{suiteKey: suiteSecret},
		Now:         func() time.Time { return suiteTime.Add(3 * time.Minute) },
	}
	for _, v := range suiteVectors {
		t.Run(v.name, func(t *testing.T) {
			if !v.wire {
				t.Skip("request cannot be sent as written; covered by TestSuiteSteps")
			}
			c := loadVector(t, v.name)
			head, body, _ := strings.Cut(c.request, "\n\n")
			line, headers, _ := strings.Cut(head, "\n")
			wire := line + "\r\nAuthorization: " + c.authorization + "\r\n" +
				strings.ReplaceAll(headers, "\n", "\r\n") + "\r\n\r\n"
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
			if err != nil {
				t.Fatal(err)
			}
			id, err := verifier.Verify(r, []byte(body))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id != suiteKey {
				t.Fatalf("access key %q, want %q", id, suiteKey)
			}
		})
	}
}

func TestSigningKeyDocumentedExample(t *testing.T) {
	// AWS documentation's key-derivation example (IAM, 20120215, us-east-1).
	const want = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if got := hex.EncodeToString(SigningKey(suiteSecret, "20120215", "us-east-1", "iam")); got != want {
		t.Fatalf("signing key %s, want %s", got, want)
	}
}
