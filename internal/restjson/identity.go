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
// is verified against Keys, and the key's owner is the caller; the payload
// is always covered by the signature (UNSIGNED-PAYLOAD is refused, see
// sigv4.Verifier).
type Identity struct {
	Strict       bool
	DefaultPayer string
	// Keys are the credentials strict mode accepts: those of the
	// organization the server started with (NewKeys), never the store's
	// copy, so a key removed from the organization file, or left in the
	// store by an earlier run with another file, opens nothing.
	Keys Keys
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
	return id.Account(r, body, SigningName)
}

// Account returns the account calling with r (whose body is body), by the
// rules above, a strict-mode signature scoped to the signing name service
// ("billingconductor", "sts", …): another protocol on the same port decides
// its callers as the API does. Its errors are *sigv4.Error.
func (id Identity) Account(r *http.Request, body []byte, service string) (string, error) {
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
	key, err := id.verifier(service).Verify(r, body)
	if err != nil {
		return "", err
	}
	return id.Keys.owners[key], nil
}

// verifier returns the strict-mode verifier over Keys for a signing name.
func (id Identity) verifier(service string) sigv4.Verifier {
	return sigv4.Verifier{Credentials: id.Keys, Service: service, Now: id.Now}
}

// Keys are an organization's credentials by access key ID, with the payer
// owning each. The zero value knows no key.
type Keys struct {
	creds  map[string]conductor.Credential
	owners map[string]string // access key ID → payer
}

// NewKeys returns the credentials of org's payers.
func NewKeys(org conductor.Organization) Keys {
	k := Keys{creds: map[string]conductor.Credential{}, owners: map[string]string{}}
	for _, p := range org.Payers {
		for _, c := range p.Payer.Credentials {
			k.creds[c.AccessKeyID], k.owners[c.AccessKeyID] = c, p.Payer.ID
		}
	}
	return k
}

// SecretKey implements sigv4.Credentials.
func (k Keys) SecretKey(accessKeyID string) (string, bool) {
	cred, ok := k.creds[accessKeyID]
	return cred.SecretAccessKey, ok
}
