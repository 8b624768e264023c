package restjson_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
)

const (
	activeTransfer  = "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-abcd1234"
	pendingTransfer = "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-later5678"
	billSource      = "111122223333"
)

func transferOrg() conductor.Organization {
	org := conductor.DemoOrganization()
	future := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	org.Payers[0].Transfers = []conductor.Transfer{
		{ARN: activeTransfer, SourceAccount: billSource, SourceMembers: []string{"111122223334", "111122223335"}},
		{ARN: pendingTransfer, SourceAccount: "444455556666", Start: &future},
	}
	return org
}

func createTransferGroup(c *bc.Client, name, transfer, plan string) (*bc.CreateBillingGroupOutput, error) {
	return c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name:                  aws.String(name),
		AccountGrouping:       &types.AccountGrouping{ResponsibilityTransferArn: aws.String(transfer)},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
	})
}

func TestTransferBillingGroup(t *testing.T) {
	e := newEnvWith(t, transferOrg(), restjson.Identity{})
	c := e.client(payerA)
	out, err := createTransferGroup(c, "reseller-customer", activeTransfer, passthrough)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Arn)
	e.clock.Pin(startTime.Add(time.Second))
	if _, err := createTransferGroup(c, "not-yet", pendingTransfer, basicPlan); err != nil {
		t.Fatal(err)
	}
	groups := listGroups(t, c, &bc.ListBillingGroupsInput{Filters: &types.ListBillingGroupsFilter{
		BillingGroupTypes: []types.BillingGroupType{types.BillingGroupTypeTransferBilling}}})
	slices.SortFunc(groups, func(a, b types.BillingGroupListElement) int { // the active one first
		return strings.Compare(string(a.Status), string(b.Status))
	})
	want := []types.BillingGroupListElement{{
		Arn: &arn, Name: aws.String("reseller-customer"), PrimaryAccountId: aws.String(billSource),
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(passthrough)},
		Size:                  3, CreationTime: startTime.Unix(), LastModifiedTime: startTime.Unix(),
		Status: types.BillingGroupStatusActive,
		AccountGrouping: &types.ListBillingGroupAccountGrouping{
			AutoAssociate: aws.Bool(false), ResponsibilityTransferArn: aws.String(activeTransfer)},
		BillingGroupType: types.BillingGroupTypeTransferBilling,
	}}
	if diff := cmp.Diff(want, groups[:1], sdkCmp); diff != "" {
		t.Errorf("transfer group (-want +got):\n%s", diff)
	}
	if len(groups) != 2 || groups[1].Status != types.BillingGroupStatusPending || aws.ToString(groups[1].StatusReason) == "" {
		t.Errorf("a group whose transfer has not started is PENDING with a reason: %+v", groups[1:])
	}
	byTransfer := listGroups(t, c, &bc.ListBillingGroupsInput{Filters: &types.ListBillingGroupsFilter{
		ResponsibilityTransferArns: []string{pendingTransfer}}})
	if got := groupNames(byTransfer); !cmp.Equal(got, []string{"not-yet"}) {
		t.Errorf("filter by transfer = %v", got)
	}

	before := snapshot(t, c)
	_, err = createTransferGroup(c, "again", activeTransfer, passthrough)
	wantValidation(t, err, "BILLING_GROUP_ALREADY_EXIST_IN_CURRENT_BILLING_PERIOD", "AccountGrouping.ResponsibilityTransferArn")
	_, err = createTransferGroup(c, "unknown", "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-zzzz9999", passthrough)
	wantValidation(t, err, "INVALID_ARN", "AccountGrouping.ResponsibilityTransferArn")
	_, err = c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: []string{linked1}})
	wantValidation(t, err, "ILLEGAL_BILLING_GROUP_TYPE", "Arn")
	_, err = c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{Arn: &arn,
		AccountGrouping: &types.UpdateBillingGroupAccountGrouping{ResponsibilityTransferArn: aws.String(pendingTransfer)}})
	wantValidation(t, err, "ILLEGAL_BILLING_GROUP_TYPE", "AccountGrouping.ResponsibilityTransferArn")
	_, err = c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("mixed"),
		AccountGrouping: &types.AccountGrouping{ResponsibilityTransferArn: aws.String(activeTransfer),
			LinkedAccountIds: []string{linked1}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(passthrough)},
	})
	wantValidation(t, err, "MULTIPLE_LINKED_ACCOUNT_IDS", "AccountGrouping.LinkedAccountIds")
	unchanged(t, c, before)
}

func TestAccountsPerGroupQuota(t *testing.T) {
	org := conductor.DemoOrganization()
	org.Payers[0].Accounts = nil
	for i := range 1001 {
		org.Payers[0].Accounts = append(org.Payers[0].Accounts, conductor.Account{ID: fmt.Sprintf("3000000%05d", i)})
	}
	e := newEnvWith(t, org, restjson.Identity{})
	c := e.client(payerA)
	arn := createGroup(t, c, "big", "300000000000")
	for start := 1; start < 1000; start += 30 {
		var batch []string
		for i := start; i < min(start+30, 1000); i++ {
			batch = append(batch, fmt.Sprintf("3000000%05d", i))
		}
		if _, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: batch}); err != nil {
			t.Fatalf("associate %s…: %v", batch[0], err)
		}
	}
	before := snapshot(t, c)
	_, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: []string{"300000001000"}})
	var limit *types.ServiceLimitExceededException
	if !errorsAs(err, &limit) {
		t.Fatalf("error = %v, want ServiceLimitExceededException", err)
	}
	if aws.ToString(limit.LimitCode) != "L-ACCOUNTS-PER-BILLING-GROUP" || aws.ToString(limit.ServiceCode) != "billingconductor" ||
		aws.ToString(limit.ResourceId) != arn || aws.ToString(limit.ResourceType) != "billinggroup" {
		t.Errorf("ServiceLimitExceededException = %+v", limit)
	}
	unchanged(t, c, before)
	if g := listGroups(t, c, &bc.ListBillingGroupsInput{})[0]; g.Size != 1000 {
		t.Errorf("Size = %d, want 1000", g.Size)
	}
}
