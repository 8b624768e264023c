package restjson

import (
	"net/http"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// SigningName is the SigV4 signing name (service) a strict-mode signature
// must be scoped to, for the API and the admin endpoints alike: the
// credential scope is date/REGION/billingconductor/aws4_request, any region.
const SigningName = "billingconductor"

// Identity decides who calls. In permissive mode (Strict false) a 12-digit
// access key ID is the caller's account and any other key, or an unsigned
// request, is DefaultPayer; a malformed Authorization header is still
// refused. In strict mode the SigV4 signature (signing name SigningName)
// is verified against the credentials of the organization, and the key's
// owner is the caller; the payload is always covered by the signature
// (UNSIGNED-PAYLOAD is refused, see sigv4.Verifier).
type Identity struct {
	Strict       bool
	DefaultPayer string
	// Now is the clock of the signature window; nil is the real time. It is
	// not the billing clock: clients sign with the real time even when the
	// billing clock is pinned to another month.
	Now func() time.Time
}

func (id Identity) caller(r *http.Request, body []byte, svc *conductor.Service) (conductor.Caller, error) {
	account, err := id.account(r, body, svc)
	if err != nil {
		return conductor.Caller{}, err
	}
	return svc.Authorize(r.Context(), account)
}

func (id Identity) account(r *http.Request, body []byte, svc *conductor.Service) (string, error) {
	if !id.Strict {
		key, err := sigv4.AccessKeyID(r)
		if err != nil {
			return "", err
		}
		if conductor.IsAccountID(key) {
			return key, nil
		}
		return id.DefaultPayer, nil
	}
	creds, owners, err := svc.Credentials(r.Context())
	if err != nil {
		return "", err
	}
	key, err := id.verifier(creds).Verify(r, body)
	if err != nil {
		return "", err
	}
	return owners[key], nil
}

// verifier returns the strict-mode verifier over the given credentials.
func (id Identity) verifier(creds map[string]conductor.Credential) sigv4.Verifier {
	return sigv4.Verifier{Credentials: credentialStore(creds), Service: SigningName, Now: id.Now}
}

// credentialStore adapts the organization's credentials to sigv4.Credentials.
type credentialStore map[string]conductor.Credential

func (c credentialStore) SecretKey(accessKeyID string) (string, bool) {
	cred, ok := c[accessKeyID]
	return cred.SecretAccessKey, ok
}
