package conductor

import (
	"crypto/rand"
	"math/big"
	"regexp"
	"strings"
)

// Partition is the only partition Proforma serves. ARNs of aws-cn are parsed
// and rejected as mismatched.
const Partition = "aws"

// AWSAccount is the account word of AWS-managed pricing plan ARNs.
const AWSAccount = "aws"

// ARN formats the ARN of a Billing Conductor resource owned by account.
func ARN(account, resourceType, id string) string {
	return "arn:" + Partition + ":billingconductor::" + account + ":" + resourceType + "/" + id
}

var resourceARN = regexp.MustCompile(`^arn:(aws|aws-cn):billingconductor::(aws|[0-9]{12}):([a-z]+)/([A-Za-z0-9]+)$`)

// ResourceRef is a reference to a resource as a caller gave it: a full ARN or a bare ID.
type ResourceRef struct {
	Partition string // "" for a bare ID
	Account   string // "" for a bare ID
	Type      string
	ID        string
}

// resourceIDs are the identifiers each resource type's ARN ends with, as
// the model's ARN patterns give them, anchored (MI-6): those patterns are
// searched, not matched, so they let a malformed ID through.
var resourceIDs = map[string]*regexp.Regexp{
	TypeBillingGroup:   regexp.MustCompile(`^[a-zA-Z0-9]{10,12}$`),
	TypePricingPlan:    regexp.MustCompile(`^[a-zA-Z0-9]{10}$`),
	TypePricingRule:    regexp.MustCompile(`^[a-zA-Z0-9]{10}$`),
	TypeCustomLineItem: regexp.MustCompile(`^[a-zA-Z0-9]{10}$`),
}

// ParseRef parses a full ARN or a bare ID of the given resource type. ok is
// false when s is neither: an ARN of another resource type, or an ID that
// is not one of the type (except AWS-managed pricing plans, named by word).
func ParseRef(s, resourceType string) (ResourceRef, bool) {
	ref := ResourceRef{Type: resourceType, ID: s}
	if strings.HasPrefix(s, "arn:") {
		m := resourceARN.FindStringSubmatch(s)
		if m == nil || m[3] != resourceType {
			return ResourceRef{}, false
		}
		ref = ResourceRef{Partition: m[1], Account: m[2], Type: m[3], ID: m[4]}
	}
	id := resourceIDs[resourceType]
	if _, managed := managedPlans[ref.ID]; id == nil || !id.MatchString(ref.ID) && !(resourceType == TypePricingPlan && managed) {
		return ResourceRef{}, false
	}
	return ref, true
}

// OwnedBy reports whether a full ARN names the partition and account, or the ref is a bare ID.
func (r ResourceRef) OwnedBy(account string) bool {
	return r.Partition == "" || (r.Partition == Partition && r.Account == account)
}

// IDs generates resource identifiers. Tests may replace it.
type IDs interface {
	// Numeric returns n random decimal digits (billing group IDs: 12).
	Numeric(n int) string
	// Alphanumeric returns n random letters and digits (plan, rule and custom line item IDs: 10).
	Alphanumeric(n int) string
}

// RandomIDs draws identifiers from crypto/rand.
type RandomIDs struct{}

const (
	digits       = "0123456789"
	alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

func (RandomIDs) Numeric(n int) string      { return randomString(digits, n) }
func (RandomIDs) Alphanumeric(n int) string { return randomString(alphanumeric, n) }

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[i] = alphabet[k.Int64()]
	}
	// A billing group ID never starts with 0 so it reads as a 12-digit number.
	if alphabet == digits && b[0] == '0' {
		b[0] = '1' + byte(len(b)%9)
	}
	return string(b)
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// IsAccountID reports whether s is exactly a 12-digit AWS account ID.
func IsAccountID(s string) bool { return accountIDPattern.MatchString(s) }
