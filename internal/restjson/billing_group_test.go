package restjson_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

func TestCreateBillingGroupEveryMember(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	plan := createPlan(t, c, "resale")
	out, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		ClientToken:           aws.String("token-1"),
		Name:                  aws.String("team-alpha"),
		Description:           aws.String("Alpha's accounts"),
		PrimaryAccountId:      aws.String(linked1),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked1, linked2, payerA}, AutoAssociate: aws.Bool(true)},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
		Tags:                  map[string]string{"team": "alpha", "cost-center": ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Arn)
	if !billingGroupARN.MatchString(arn) {
		t.Fatalf("Arn = %q, want a billing group ARN of the payer", arn)
	}
	groups := listGroups(t, c, &bc.ListBillingGroupsInput{})
	want := []types.BillingGroupListElement{{
		Arn: &arn, Name: aws.String("team-alpha"), Description: aws.String("Alpha's accounts"),
		PrimaryAccountId:      aws.String(linked1),
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
		Size:                  3,
		CreationTime:          startTime.Unix(), LastModifiedTime: startTime.Unix(),
		Status:           types.BillingGroupStatusActive,
		AccountGrouping:  &types.ListBillingGroupAccountGrouping{AutoAssociate: aws.Bool(true)},
		BillingGroupType: types.BillingGroupTypeStandard,
	}}
	if diff := cmp.Diff(want, groups, sdkCmp); diff != "" {
		t.Errorf("ListBillingGroups (-want +got):\n%s", diff)
	}
	if got, want := groupAccounts(t, c, arn, ""), []string{linked1, linked2, payerA}; !cmp.Equal(got, want) {
		t.Errorf("accounts = %v, want %v", got, want)
	}
}

func TestAssociateAndDisassociateAccounts(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	arn := createGroup(t, c, "g1", linked1)
	e.clock.Pin(startTime.Add(1000 * time.Second))
	out, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: []string{linked2, linked3}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != arn {
		t.Errorf("AssociateAccounts Arn = %q, want %q", aws.ToString(out.Arn), arn)
	}
	g := listGroups(t, c, &bc.ListBillingGroupsInput{})[0]
	if g.Size != 3 || g.LastModifiedTime != startTime.Unix()+1000 || g.CreationTime != startTime.Unix() {
		t.Errorf("after associate: Size %d, LastModifiedTime %d, CreationTime %d", g.Size, g.LastModifiedTime, g.CreationTime)
	}
	// A bare billing group ID is accepted as well as the ARN.
	id := arn[len(arn)-12:]
	if _, err := c.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: &id, AccountIds: []string{linked2}}); err != nil {
		t.Fatal(err)
	}
	if got, want := groupAccounts(t, c, arn, ""), []string{linked1, linked3}; !cmp.Equal(got, want) {
		t.Errorf("accounts = %v, want %v", got, want)
	}
	// A disassociated account can join another group.
	other := createGroup(t, c, "g2", linked2)
	if got := groupAccounts(t, c, other, ""); !cmp.Equal(got, []string{linked2}) {
		t.Errorf("g2 accounts = %v", got)
	}
}

func TestBillingGroupAccountErrors(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	g1 := createGroup(t, c, "g1", linked1, linked2)
	tooMany := make([]string, 31)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("1000000000%02d", i+3)
	}
	missing := "arn:aws:billingconductor::123456789012:billinggroup/555555555555"
	create := func(primary string, accounts ...string) error {
		_, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
			Name: aws.String("new-group"), PrimaryAccountId: aws.String(primary),
			AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: accounts},
			ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
		})
		return err
	}
	associate := func(arn string, accounts ...string) error {
		_, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: accounts})
		return err
	}
	disassociate := func(arn string, accounts ...string) error {
		_, err := c.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: &arn, AccountIds: accounts})
		return err
	}
	tests := []struct {
		name   string
		call   func() error
		reason string
		fields []string
	}{
		{"create with 31 accounts", func() error { return create(tooMany[0], tooMany...) },
			"FIELD_VALIDATION_FAILED", []string{"AccountGrouping.LinkedAccountIds"}},
		{"associate 31 accounts", func() error { return associate(g1, tooMany...) },
			"FIELD_VALIDATION_FAILED", []string{"AccountIds"}},
		{"disassociate 31 accounts", func() error { return disassociate(g1, tooMany...) },
			"FIELD_VALIDATION_FAILED", []string{"AccountIds"}},
		{"create with a duplicate account", func() error { return create(linked3, linked3, linked4, linked3) },
			"DUPLICATE_ACCOUNT", []string{"AccountGrouping.LinkedAccountIds[2]"}},
		{"associate a duplicate account", func() error { return associate(g1, linked3, linked3) },
			"DUPLICATE_ACCOUNT", []string{"AccountIds[1]"}},
		{"create with an account outside the family", func() error { return create(linked3, linked3, outsideOrg) },
			"ILLEGAL_ACCOUNTS", []string{"AccountGrouping.LinkedAccountIds[1]"}},
		{"associate another payer's account", func() error { return associate(g1, linked3, linkedOfB) },
			"ILLEGAL_ACCOUNTS", []string{"AccountIds[1]"}},
		{"associate a 13-digit account", func() error { return associate(g1, "1000000000031") },
			"ILLEGAL_ACCOUNTS", []string{"AccountIds[0]"}},
		{"create with an account of another group", func() error { return create(linked3, linked3, linked2) },
			"ACCOUNTS_ALREADY_ASSOCIATED", []string{"AccountGrouping.LinkedAccountIds[1]"}},
		{"associate an account already in the group", func() error { return associate(g1, linked2) },
			"ACCOUNTS_ALREADY_ASSOCIATED", []string{"AccountIds[0]"}},
		{"primary not among the accounts", func() error { return create(linked3, linked4) },
			"PRIMARY_NOT_ASSOCIATED", []string{"PrimaryAccountId"}},
		{"payer as primary", func() error { return create(payerA, payerA, linked3) },
			"ILLEGAL_PRIMARY_ACCOUNT", []string{"PrimaryAccountId"}},
		{"no linked accounts", func() error { return create(linked3) },
			"MISSING_LINKED_ACCOUNT_IDS", []string{"AccountGrouping.LinkedAccountIds"}},
		{"disassociate the primary", func() error { return disassociate(g1, linked1) },
			"PRIMARY_CANNOT_DISASSOCIATE", []string{"AccountIds[0]"}},
		{"disassociate an account not in the group", func() error { return disassociate(g1, linked2, linked3) },
			"ACCOUNTS_NOT_ASSOCIATED", []string{"AccountIds[1]"}},
		{"associate to another payer's group ARN", func() error {
			return associate("arn:aws:billingconductor::210987654321:billinggroup/555555555555", linked3)
		}, "MISMATCHED_BILLINGGROUP_ARN", []string{"Arn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, c)
			wantValidation(t, tt.call(), tt.reason, tt.fields...)
			unchanged(t, c, before)
		})
	}
	t.Run("associate to an unknown group", func(t *testing.T) {
		before := snapshot(t, c)
		wantNotFound(t, associate(missing, linked3), "billinggroup", missing)
		wantNotFound(t, disassociate(missing, linked3), "billinggroup", missing)
		unchanged(t, c, before)
	})
}

func TestBillingGroupNameAndAutoAssociateRules(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	g1 := createGroup(t, c, "taken", linked1)
	_, err := c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{
		Arn: &g1, AccountGrouping: &types.UpdateBillingGroupAccountGrouping{AutoAssociate: aws.Bool(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, c)
	_, err = c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("taken"), PrimaryAccountId: aws.String(linked2),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked2}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
	})
	wantConflict(t, err, "RESOURCE_NAME_CONFLICT", "billinggroup", g1)
	_, err = c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("second-auto"), PrimaryAccountId: aws.String(linked2),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked2}, AutoAssociate: aws.Bool(true)},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
	})
	wantValidation(t, err, "TOO_MANY_AUTO_ASSOCIATE_BILLING_GROUPS", "AccountGrouping.AutoAssociate")
	_, err = c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: &g1})
	wantValidation(t, err, "CANNOT_DELETE_AUTO_ASSOCIATE_BILLING_GROUP", "Arn")
	unchanged(t, c, before)
	g2 := createGroup(t, c, "other", linked2)
	before = snapshot(t, c)
	_, err = c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{Arn: &g2, Name: aws.String("taken")})
	wantConflict(t, err, "RESOURCE_NAME_CONFLICT", "billinggroup", g1)
	_, err = c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{
		Arn: &g2, AccountGrouping: &types.UpdateBillingGroupAccountGrouping{AutoAssociate: aws.Bool(true)},
	})
	wantValidation(t, err, "TOO_MANY_AUTO_ASSOCIATE_BILLING_GROUPS", "AccountGrouping.AutoAssociate")
	_, err = c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name: aws.String("has space"), PrimaryAccountId: aws.String(linked3),
		AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked3}},
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
	})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "Name")
	unchanged(t, c, before)
}

func TestBillingGroupPlanErrors(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	unknown := "arn:aws:billingconductor::123456789012:pricingplan/ABCDEFGHIJ"
	tests := []struct {
		name, plan, reason string
	}{
		{"unknown plan", unknown, "MISSING_PRICINGPLAN"},
		{"passthrough on a standard group", passthrough, "ILLEGAL_BILLING_GROUP_PRICING_PLAN"},
		{"another payer's plan", "arn:aws:billingconductor::210987654321:pricingplan/ABCDEFGHIJ", "MISMATCHED_PRICINGPLAN_ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, c)
			_, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
				Name: aws.String("g"), PrimaryAccountId: aws.String(linked1),
				AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked1}},
				ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(tt.plan)},
			})
			wantValidation(t, err, tt.reason, "ComputationPreference.PricingPlanArn")
			unchanged(t, c, before)
		})
	}
}

func TestUpdateBillingGroup(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	arn := createGroup(t, c, "before", linked1, linked2)
	plan := createPlan(t, c, "p1")
	later := startTime.Add(time.Hour)
	e.clock.Pin(later)
	out, err := c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{
		Arn: &arn, Name: aws.String("after"), Description: aws.String("new description"),
		Status:                types.BillingGroupStatusActive,
		ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(plan)},
		AccountGrouping:       &types.UpdateBillingGroupAccountGrouping{AutoAssociate: aws.Bool(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &bc.UpdateBillingGroupOutput{
		Arn: &arn, Name: aws.String("after"), Description: aws.String("new description"),
		PrimaryAccountId: aws.String(linked1), PricingPlanArn: aws.String(plan), Size: 2,
		LastModifiedTime: later.Unix(), Status: types.BillingGroupStatusActive,
		AccountGrouping: &types.UpdateBillingGroupAccountGrouping{AutoAssociate: aws.Bool(true)},
	}
	if diff := cmp.Diff(want, out, sdkCmp); diff != "" {
		t.Errorf("UpdateBillingGroup (-want +got):\n%s", diff)
	}
	before := snapshot(t, c)
	_, err = c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{Arn: &arn, Status: types.BillingGroupStatusPending})
	wantValidation(t, err, "INVALID_BILLING_GROUP_STATUS", "Status")
	missing := "arn:aws:billingconductor::123456789012:billinggroup/555555555555"
	_, err = c.UpdateBillingGroup(ctx, &bc.UpdateBillingGroupInput{Arn: &missing, Name: aws.String("x")})
	wantNotFound(t, err, "billinggroup", missing)
	unchanged(t, c, before)
}

func TestDeleteBillingGroupReleasesAccounts(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	arn := createGroup(t, c, "doomed", linked1, linked2)
	out, err := c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != arn {
		t.Errorf("DeleteBillingGroup Arn = %q, want %q", aws.ToString(out.Arn), arn)
	}
	if groups := listGroups(t, c, &bc.ListBillingGroupsInput{}); len(groups) != 0 {
		t.Errorf("groups after delete = %d", len(groups))
	}
	createGroup(t, c, "doomed", linked1, linked2) // the name and the accounts are free again
	before := snapshot(t, c)
	_, err = c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: &arn})
	wantValidation(t, err, "MISSING_BILLINGGROUP", "Arn")
	unchanged(t, c, before)
}

func TestClientTokenIdempotency(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	in := func(name string) *bc.CreateBillingGroupInput {
		return &bc.CreateBillingGroupInput{
			ClientToken: aws.String("retry-me"), Name: aws.String(name), PrimaryAccountId: aws.String(linked1),
			AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked1}},
			ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
		}
	}
	first, err := c.CreateBillingGroup(ctx, in("idem"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CreateBillingGroup(ctx, in("idem"))
	if err != nil {
		t.Fatalf("retry with the same token: %v", err)
	}
	if aws.ToString(first.Arn) != aws.ToString(second.Arn) {
		t.Errorf("retry returned %s, first %s", aws.ToString(second.Arn), aws.ToString(first.Arn))
	}
	if n := len(listGroups(t, c, &bc.ListBillingGroupsInput{})); n != 1 {
		t.Errorf("%d groups after a retried create, want 1", n)
	}
	before := snapshot(t, c)
	_, err = c.CreateBillingGroup(ctx, in("different"))
	wantConflict(t, err, "", "billinggroup", aws.ToString(first.Arn))
	unchanged(t, c, before)
}

func TestCallerIdentity(t *testing.T) {
	e := newEnv(t)
	a, b := e.client(payerA), e.client(payerB)
	arn := createGroup(t, a, "mine", linked1)
	t.Run("linked account is denied", func(t *testing.T) {
		_, err := e.client(linked1).ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
		var denied *types.AccessDeniedException
		if !errorsAs(err, &denied) {
			t.Fatalf("error = %v, want AccessDeniedException", err)
		}
		_, err = e.client(linked1).CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
			Name: aws.String("x"), PrimaryAccountId: aws.String(linked2),
			AccountGrouping:       &types.AccountGrouping{LinkedAccountIds: []string{linked2}},
			ComputationPreference: &types.ComputationPreference{PricingPlanArn: aws.String(basicPlan)},
		})
		if !errorsAs(err, &denied) {
			t.Fatalf("error = %v, want AccessDeniedException", err)
		}
	})
	t.Run("payers are isolated", func(t *testing.T) {
		if groups := listGroups(t, b, &bc.ListBillingGroupsInput{}); len(groups) != 0 {
			t.Errorf("payer B sees %d groups of payer A", len(groups))
		}
		_, err := b.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: []string{linkedOfB}})
		wantValidation(t, err, "MISMATCHED_BILLINGGROUP_ARN", "Arn")
		createGroup(t, b, "mine", linkedOfB) // names are unique per payer only
	})
	t.Run("a non-account access key is the default payer", func(t *testing.T) {
		groups := listGroups(t, e.client("AKIAIOSFODNN7EXAMPLE"), &bc.ListBillingGroupsInput{})
		if len(groups) != 1 || aws.ToString(groups[0].Arn) != arn {
			t.Errorf("default payer sees %v", groups)
		}
	})
}
