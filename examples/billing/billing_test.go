package billing

import (
	"errors"
	"testing"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"

	"github.com/proforma-dev/proforma/proformatest"
)

func TestOnboard(t *testing.T) {
	srv := proformatest.NewServer(t)
	client := bc.NewFromConfig(srv.Config)
	ctx := t.Context()

	arn, err := Onboard(ctx, client, "data-team", 12, []string{"100000000001", "100000000002"})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := client.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups.BillingGroups) != 1 || *groups.BillingGroups[0].Arn != arn || groups.BillingGroups[0].Size != 2 {
		t.Fatalf("billing groups: %+v", groups.BillingGroups)
	}

	// An account belongs to one billing group at a time: onboarding it
	// again fails the way Billing Conductor does.
	_, err = Onboard(ctx, client, "ml-team", 8, []string{"100000000002"})
	var invalid *types.ValidationException
	if !errors.As(err, &invalid) || invalid.Reason != types.ValidationExceptionReasonAccountsAlreadyAssociated {
		t.Fatalf("onboarding an account twice: %v, want ACCOUNTS_ALREADY_ASSOCIATED", err)
	}
}
