package conductor

import (
	"fmt"
	"strings"
)

// MaxTags is the number of tags a resource may carry.
const MaxTags = 200

// validateTags applies the tag rules the model shapes do not express: keys
// with the reserved "aws:" prefix are refused (BEHAVIOR.md TG-2; Proforma's
// choice, as in other AWS services).
func validateTags(field string, tags map[string]string) error {
	for _, k := range sortedKeys(tags) {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return InvalidField(fmt.Sprintf("%s[%s]", field, k), "Tag keys beginning with aws: are reserved for AWS use.")
		}
	}
	if len(tags) > MaxTags {
		return InvalidField(field, fmt.Sprintf("A resource can have at most %d tags.", MaxTags))
	}
	return nil
}

// putTags stores the tags of a newly created resource.
func putTags(tx Tx, payer, arn string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	return putJSON(tx, payer, kindTags, arn, Timeless, tags)
}
