package conductor

import (
	"context"
	"fmt"
	"maps"
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

// taggedResource resolves the ResourceArn of a tag operation: a full ARN of
// a billing group, pricing plan, pricing rule or custom line item of the
// caller, or a bare custom line item ID (TG-4), existing in the current
// period. Anything else is ResourceNotFoundException.
func taggedResource(tx Tx, payer, arn string, period Period) (string, error) {
	kinds := map[string]string{TypeBillingGroup: kindBillingGroup, TypePricingPlan: kindPricingPlan,
		TypePricingRule: kindPricingRule, TypeCustomLineItem: kindCustomLineItem}
	for resourceType, kind := range kinds {
		ref, ok := ParseRef(arn, resourceType)
		if !ok || (ref.Partition == "" && resourceType != TypeCustomLineItem) {
			continue
		}
		if !ref.OwnedBy(payer) {
			break
		}
		if _, found, err := tx.Get(payer, kind, ref.ID, period); err != nil || found {
			return ARN(payer, resourceType, ref.ID), err
		}
		break
	}
	return "", NotFound(resourceTypeOf(arn), arn)
}

func resourceTypeOf(arn string) string {
	for _, t := range []string{TypeBillingGroup, TypePricingPlan, TypePricingRule, TypeCustomLineItem} {
		if strings.Contains(arn, ":"+t+"/") {
			return t
		}
	}
	return TypeCustomLineItem
}

func loadTags(tx Tx, payer, arn string) (map[string]string, error) {
	tags := map[string]string{}
	_, err := getJSON(tx, payer, kindTags, arn, Timeless, &tags)
	return tags, err
}

// TagResource adds or overwrites tags; keys not named keep their values (TG-3).
func (s *Service) TagResource(ctx context.Context, c Caller, arn string, tags map[string]string) error {
	if err := validateTags("Tags", tags); err != nil {
		return err
	}
	period := s.CurrentPeriod()
	return s.update(ctx, func(tx Tx) error {
		full, err := taggedResource(tx, c.Account, arn, period)
		if err != nil {
			return err
		}
		merged, err := loadTags(tx, c.Account, full)
		if err != nil {
			return err
		}
		maps.Copy(merged, tags)
		if len(merged) > MaxTags {
			return InvalidField("Tags", fmt.Sprintf("A resource can have at most %d tags; this request would leave %d.", MaxTags, len(merged)))
		}
		return putJSON(tx, c.Account, kindTags, full, Timeless, merged)
	})
}

// UntagResource removes tags by key; absent keys are ignored.
func (s *Service) UntagResource(ctx context.Context, c Caller, arn string, keys []string) error {
	period := s.CurrentPeriod()
	return s.update(ctx, func(tx Tx) error {
		full, err := taggedResource(tx, c.Account, arn, period)
		if err != nil {
			return err
		}
		tags, err := loadTags(tx, c.Account, full)
		if err != nil {
			return err
		}
		for _, k := range keys {
			delete(tags, k)
		}
		return putJSON(tx, c.Account, kindTags, full, Timeless, tags)
	})
}

// ListTagsForResource returns a resource's tags.
func (s *Service) ListTagsForResource(ctx context.Context, c Caller, arn string) (map[string]string, error) {
	period := s.CurrentPeriod()
	var tags map[string]string
	err := s.view(ctx, func(tx Tx) error {
		full, err := taggedResource(tx, c.Account, arn, period)
		if err != nil {
			return err
		}
		tags, err = loadTags(tx, c.Account, full)
		return err
	})
	return tags, err
}
