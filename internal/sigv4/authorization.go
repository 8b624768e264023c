package sigv4

import (
	"fmt"
	"net/http"
	"strings"
)

const (
	// Algorithm is the only signing algorithm this package accepts.
	Algorithm = "AWS4-HMAC-SHA256"
	// scopeTerminator ends every SigV4 credential scope.
	scopeTerminator = "aws4_request"
)

// Authorization is the parsed "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
type Authorization struct {
	AccessKeyID   string
	Date          string // yyyymmdd of the credential scope
	Region        string
	Service       string
	SignedHeaders []string // lower-case, as listed
	Signature     string   // hex
}

// Scope returns the credential scope "date/region/service/aws4_request".
func (a Authorization) Scope() string { return CredentialScope(a.Date, a.Region, a.Service) }

// ParseAuthorization parses an Authorization header value.
//
// The value is the algorithm, whitespace, then Credential, SignedHeaders and
// Signature as name=value pairs separated by commas and/or whitespace, in any
// order; names are matched case-insensitively, unknown names are ignored and a
// repeated name keeps its last value. SignedHeaders entries are lower-cased
// and keep their listed order; empty entries are dropped.
//
// Every failure is an *Error with Status 403. As AWS does, a header that is
// malformed or incomplete yields IncompleteSignatureException: an algorithm
// other than AWS4-HMAC-SHA256 followed by parameters ("Unsupported AWS
// 'algorithm'"), a parameter without '=', a missing Credential, Signature or
// SignedHeaders ("Authorization header requires 'X' parameter. ...
// Authorization=<algorithm>", which is also the answer for a bare token such
// as a JWT), or a Credential that is not five slash-separated elements. A
// well-formed Credential whose scope does not end in "aws4_request" yields
// InvalidSignatureException, AWS's code for credential-scope errors.
//
// ParseAuthorization checks syntax only: it does not look up the key, check
// dates, the service or the signature; Verifier.Verify does.
func ParseAuthorization(value string) (Authorization, error) {
	a, err := parseAuthorization(value, true)
	if err != nil {
		return Authorization{}, err
	}
	return a, nil
}

// AccessKeyID returns the access key of a request's Authorization header (for
// permissive mode): empty string and nil error when there is no Authorization
// header; an *Error (see ParseAuthorization) when the header is present but
// malformed. The signature is not verified.
func AccessKeyID(r *http.Request) (string, error) {
	value := r.Header.Get("Authorization")
	if value == "" {
		return "", nil
	}
	a, err := ParseAuthorization(value)
	if err != nil {
		return "", err
	}
	return a.AccessKeyID, nil
}

// parseAuthorization implements ParseAuthorization. When haveDate is false the
// "requires existence of either a 'X-Amz-Date' or a 'Date' header" sentence is
// reported alongside any missing parameter, as AWS reports them together.
func parseAuthorization(value string, haveDate bool) (Authorization, *Error) {
	value = strings.TrimSpace(value)
	alg, rest := value, ""
	if i := strings.IndexAny(value, " \t"); i >= 0 {
		alg, rest = value[:i], value[i+1:]
	}
	params := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if alg != Algorithm && len(params) > 0 {
		return Authorization{}, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
	}

	var credential, signedHeaders, signature string
	var haveCred, haveSigned, haveSig bool
	for _, p := range params {
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			return Authorization{}, incomplete(fmt.Sprintf(
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", p, value))
		}
		switch strings.ToLower(name) {
		case "credential":
			credential, haveCred = val, true
		case "signedheaders":
			signedHeaders, haveSigned = val, true
		case "signature":
			signature, haveSig = val, true
		}
	}

	var missing []string
	for _, m := range []struct {
		ok   bool
		name string
	}{{haveCred, "Credential"}, {haveSig, "Signature"}, {haveSigned, "SignedHeaders"}} {
		if !m.ok {
			missing = append(missing, "Authorization header requires '"+m.name+"' parameter.")
		}
	}
	if !haveDate {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return Authorization{}, incomplete(strings.Join(missing, " ") + " Authorization=" + alg)
	}

	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return Authorization{}, incomplete(fmt.Sprintf(
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", credential))
	}
	if parts[4] != scopeTerminator {
		return Authorization{}, invalid(fmt.Sprintf(
			"Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, parts[4]))
	}

	a := Authorization{
		AccessKeyID: parts[0],
		Date:        parts[1],
		Region:      parts[2],
		Service:     parts[3],
		Signature:   signature,
	}
	for _, h := range strings.Split(signedHeaders, ";") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			a.SignedHeaders = append(a.SignedHeaders, h)
		}
	}
	return a, nil
}
