package conductor

import (
	"context"
	"fmt"
	"strings"
)

// FindBillingGroup returns the state in period p of the caller's billing
// group given by ARN, ID or name. An unknown one is a
// ResourceNotFoundException.
func (s *Service) FindBillingGroup(ctx context.Context, c Caller, ref string, p Period) (GroupAsOf, error) {
	arn, err := s.billingGroupARN(ctx, c, ref, p)
	if err != nil {
		return GroupAsOf{}, err
	}
	return s.BillingGroupAsOf(ctx, c, arn, p)
}

// billingGroupARN resolves a billing group given by name or ID to its ARN;
// ARNs pass through.
func (s *Service) billingGroupARN(ctx context.Context, c Caller, ref string, p Period) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	var err error
	for page := (Page{}); err == nil; {
		var groups []BillingGroupView
		groups, page.NextToken, err = s.ListBillingGroups(ctx, c, ListBillingGroupsInput{BillingPeriod: string(p), Page: page})
		for _, g := range groups {
			if g.Name == ref || g.ID == ref {
				return g.ARN, nil
			}
		}
		if page.NextToken == "" {
			break
		}
	}
	if err == nil {
		err = &Error{Code: CodeNotFound, Message: fmt.Sprintf("no billing group %q in %s", ref, p),
			ResourceID: ref, ResourceType: TypeBillingGroup}
	}
	return "", err
}
