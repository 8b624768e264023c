package restjson_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/google/go-cmp/cmp"
)

var customLineItemARN = regexp.MustCompile(`^arn:aws:billingconductor::123456789012:customlineitem/[a-zA-Z0-9]{10}$`)

func createItem(t *testing.T, c *bc.Client, in *bc.CreateCustomLineItemInput) string {
	t.Helper()
	out, err := c.CreateCustomLineItem(ctx, in)
	if err != nil {
		t.Fatalf("CreateCustomLineItem %s: %v", aws.ToString(in.Name), err)
	}
	if !customLineItemARN.MatchString(aws.ToString(out.Arn)) {
		t.Fatalf("Arn = %q", aws.ToString(out.Arn))
	}
	return aws.ToString(out.Arn)
}

func flatItem(name, group string, value float64) *bc.CreateCustomLineItemInput {
	return &bc.CreateCustomLineItemInput{Name: aws.String(name), Description: aws.String(name + " fee"), BillingGroupArn: &group,
		ChargeDetails: &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeFee,
			Flat: &types.CustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(value)}}}
}

func percentItem(name, group string, value float64) *bc.CreateCustomLineItemInput {
	return &bc.CreateCustomLineItemInput{Name: aws.String(name), Description: aws.String(name + " credit"), BillingGroupArn: &group,
		ChargeDetails: &types.CustomLineItemChargeDetails{Type: types.CustomLineItemTypeCredit,
			Percentage: &types.CustomLineItemPercentageChargeDetails{PercentageValue: aws.Float64(value)}}}
}

func recurring(in *bc.CreateCustomLineItemInput, start string) *bc.CreateCustomLineItemInput {
	in.BillingPeriodRange = &types.CustomLineItemBillingPeriodRange{InclusiveStartBillingPeriod: &start}
	return in
}

func listItems(t *testing.T, c *bc.Client, in *bc.ListCustomLineItemsInput) []types.CustomLineItemListElement {
	t.Helper()
	var all []types.CustomLineItemListElement
	p := bc.NewListCustomLineItemsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListCustomLineItems: %v", err)
		}
		all = append(all, page.CustomLineItems...)
	}
	return all
}

func itemResources(t *testing.T, c *bc.Client, arn string) []string {
	t.Helper()
	out, err := c.ListResourcesAssociatedToCustomLineItem(ctx, &bc.ListResourcesAssociatedToCustomLineItemInput{Arn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.AssociatedResources {
		got = append(got, string(r.Relationship)+" "+aws.ToString(r.Arn)+" "+aws.ToString(r.EndBillingPeriod))
	}
	return got
}

func TestCustomLineItemEveryMember(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	group := createGroup(t, c, "g", linked1, linked2)
	flat := flatItem("support", group, 150.5)
	flat.AccountId = aws.String(linked2)
	flat.PresentationDetails = &types.PresentationObject{Service: aws.String("AWSSupport")}
	flat.Tags = map[string]string{"kind": "support"}
	flat.ClientToken = aws.String("cli-token")
	flatARN := createItem(t, c, recurring(flat, "2026-11"))
	e.clock.Pin(startTime.Add(time.Second))
	pct := percentItem("sp-credit", group, 2.5)
	pct.ChargeDetails.Percentage.AssociatedValues = []string{group, flatARN}
	pct.ChargeDetails.LineItemFilters = []types.LineItemFilter{{Attribute: "LINE_ITEM_TYPE", MatchOption: "NOT_EQUAL",
		Values: []types.LineItemFilterValue{"SAVINGS_PLAN_NEGATION"}}}
	pct.ComputationRule = types.ComputationRuleEnumItemized
	pctARN := createItem(t, c, pct)
	if again := createItem(t, c, recurring(flat, "2026-11")); again != flatARN {
		t.Errorf("a retried create with the same client token made %s", again)
	}
	t1 := startTime.Unix() + 1
	want := []types.CustomLineItemListElement{
		{Arn: &flatARN, Name: aws.String("support"), Description: aws.String("support fee"), AccountId: aws.String(linked2),
			BillingGroupArn: &group, ChargeDetails: &types.ListCustomLineItemChargeDetails{Type: "FEE",
				Flat: &types.ListCustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(150.5)}},
			CurrencyCode: "USD", ComputationRule: "CONSOLIDATED", PresentationDetails: &types.PresentationObject{Service: aws.String("AWSSupport")},
			ProductCode: aws.String("AWSBillingConductor"), AssociationSize: 1, CreationTime: startTime.Unix(), LastModifiedTime: startTime.Unix()},
		{Arn: &pctARN, Name: aws.String("sp-credit"), Description: aws.String("sp-credit credit"), AccountId: aws.String(linked1),
			BillingGroupArn: &group, ChargeDetails: &types.ListCustomLineItemChargeDetails{Type: "CREDIT",
				Percentage:      &types.ListCustomLineItemPercentageChargeDetails{PercentageValue: aws.Float64(2.5)},
				LineItemFilters: pct.ChargeDetails.LineItemFilters},
			CurrencyCode: "USD", ComputationRule: "ITEMIZED", PresentationDetails: &types.PresentationObject{Service: aws.String("AWSBillingConductor")},
			ProductCode: aws.String("AWSBillingConductor"), AssociationSize: 2, CreationTime: t1, LastModifiedTime: t1},
	}
	slices.SortFunc(want, func(a, b types.CustomLineItemListElement) int { return strings.Compare(*a.Arn, *b.Arn) }) // listed in ID order
	if diff := cmp.Diff(want, listItems(t, c, &bc.ListCustomLineItemsInput{}), sdkCmp); diff != "" {
		t.Errorf("ListCustomLineItems (-want +got):\n%s", diff)
	}
	if got, want := itemResources(t, c, pctARN), []string{"CHILD " + group + " 2026-12", "CHILD " + flatARN + " 2026-12"}; !cmp.Equal(got, want) {
		t.Errorf("resources of the percentage item = %v, want %v (a one-month item's links end with it)", got, want)
	}
	if got, want := itemResources(t, c, flatARN), []string{"PARENT " + pctARN + " 2026-12"}; !cmp.Equal(got, want) {
		t.Errorf("parents of the flat item = %v, want %v", got, want)
	}
	filters := []struct {
		name string
		f    *types.ListCustomLineItemsFilter
		want int
	}{
		{"account", &types.ListCustomLineItemsFilter{AccountIds: []string{linked2}}, 1},
		{"arns", &types.ListCustomLineItemsFilter{Arns: []string{pctARN}}, 1},
		{"billing groups", &types.ListCustomLineItemsFilter{BillingGroups: []string{group}}, 2},
		{"names", &types.ListCustomLineItemsFilter{Names: []string{"support", "nope"}}, 1},
		{"and", &types.ListCustomLineItemsFilter{Names: []string{"support"}, AccountIds: []string{linked1}}, 0},
	}
	for _, f := range filters {
		if got := listItems(t, c, &bc.ListCustomLineItemsInput{Filters: f.f}); len(got) != f.want {
			t.Errorf("filter %s: %d items, want %d", f.name, len(got), f.want)
		}
	}
	// The one-month percentage item is gone next month; the recurring flat one stays.
	e.clock.Pin(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	if got := listItems(t, c, &bc.ListCustomLineItemsInput{}); len(got) != 1 || aws.ToString(got[0].Arn) != flatARN || got[0].AssociationSize != 0 {
		t.Errorf("December items = %+v", got)
	}
}

// TestCustomLineItemVersions: a recurring item created two months ago,
// updated last month and this month, has three versions.
func TestCustomLineItemVersions(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	sep := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	oct, nov := sep.AddDate(0, 1, 0), startTime
	e.clock.Pin(sep)
	group := createGroup(t, c, "g", linked1)
	arn := createItem(t, c, recurring(flatItem("fee", group, 100), "2026-09"))
	e.clock.Pin(oct)
	if _, err := c.UpdateCustomLineItem(ctx, &bc.UpdateCustomLineItemInput{Arn: &arn,
		ChargeDetails: &types.UpdateCustomLineItemChargeDetails{Flat: &types.UpdateCustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(200)}}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Pin(nov)
	upd, err := c.UpdateCustomLineItem(ctx, &bc.UpdateCustomLineItemInput{Arn: &arn, Name: aws.String("fee-v3"), Description: aws.String("third"),
		ChargeDetails: &types.UpdateCustomLineItemChargeDetails{Flat: &types.UpdateCustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(300)}}})
	if err != nil {
		t.Fatal(err)
	}
	wantUpd := &bc.UpdateCustomLineItemOutput{Arn: &arn, BillingGroupArn: &group, Name: aws.String("fee-v3"), Description: aws.String("third"),
		ChargeDetails:    &types.ListCustomLineItemChargeDetails{Type: "FEE", Flat: &types.ListCustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(300)}},
		LastModifiedTime: nov.Unix(), AssociationSize: 0}
	if diff := cmp.Diff(wantUpd, upd, sdkCmp); diff != "" {
		t.Errorf("UpdateCustomLineItem (-want +got):\n%s", diff)
	}
	out, err := c.ListCustomLineItemVersions(ctx, &bc.ListCustomLineItemVersionsInput{Arn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	type version struct {
		Start, End, Name string
		Value            float64
		StartTime        int64
	}
	var got []version
	for _, v := range out.CustomLineItemVersions {
		got = append(got, version{aws.ToString(v.StartBillingPeriod), aws.ToString(v.EndBillingPeriod), aws.ToString(v.Name),
			aws.ToFloat64(v.ChargeDetails.Flat.ChargeValue), v.StartTime})
		if v.CreationTime != sep.Unix() || aws.ToString(v.Arn) != arn {
			t.Errorf("version %s: CreationTime %d, Arn %s", aws.ToString(v.StartBillingPeriod), v.CreationTime, aws.ToString(v.Arn))
		}
	}
	want := []version{
		{"2026-09", "2026-10", "fee", 100, sep.Unix()},
		{"2026-10", "2026-11", "fee", 200, oct.Unix()},
		{"2026-11", "", "fee-v3", 300, nov.Unix()},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	for period, value := range map[string]float64{"2026-09": 100, "2026-10": 200, "2026-11": 300} {
		items := listItems(t, c, &bc.ListCustomLineItemsInput{BillingPeriod: aws.String(period)})
		if len(items) != 1 || aws.ToFloat64(items[0].ChargeDetails.Flat.ChargeValue) != value {
			t.Errorf("%s: items %+v, want the version charging %v", period, items, value)
		}
	}
	filtered, err := c.ListCustomLineItemVersions(ctx, &bc.ListCustomLineItemVersionsInput{Arn: &arn,
		Filters: &types.ListCustomLineItemVersionsFilter{BillingPeriodRange: &types.ListCustomLineItemVersionsBillingPeriodRangeFilter{
			StartBillingPeriod: aws.String("2026-10"), EndBillingPeriod: aws.String("2026-10")}}})
	if err != nil || len(filtered.CustomLineItemVersions) != 1 || aws.ToString(filtered.CustomLineItemVersions[0].StartBillingPeriod) != "2026-10" {
		t.Errorf("versions in force in October: %+v (%v)", filtered, err)
	}
	// An update of last month's version applies from October on.
	if _, err := c.UpdateCustomLineItem(ctx, &bc.UpdateCustomLineItemInput{Arn: &arn, Description: aws.String("fixed"),
		BillingPeriodRange: &types.CustomLineItemBillingPeriodRange{InclusiveStartBillingPeriod: aws.String("2026-10")}}); err != nil {
		t.Fatal(err)
	}
	for period, desc := range map[string]string{"2026-09": "fee fee", "2026-10": "fixed", "2026-11": "fixed"} {
		items := listItems(t, c, &bc.ListCustomLineItemsInput{BillingPeriod: aws.String(period)})
		if aws.ToString(items[0].Description) != desc {
			t.Errorf("%s: Description %q, want %q", period, aws.ToString(items[0].Description), desc)
		}
	}
}

func TestDeleteCustomLineItem(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	e.clock.Pin(time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC))
	group := createGroup(t, c, "g", linked1)
	arn := createItem(t, c, recurring(flatItem("fee", group, 10), "2026-10"))
	oneMonth := createItem(t, c, recurring(flatItem("october-only", group, 10), "2026-10"))
	e.clock.Pin(startTime)
	// Remove only October from the second item; it goes on in November.
	if _, err := c.DeleteCustomLineItem(ctx, &bc.DeleteCustomLineItemInput{Arn: &oneMonth, BillingPeriodRange: &types.CustomLineItemBillingPeriodRange{
		InclusiveStartBillingPeriod: aws.String("2026-10"), ExclusiveEndBillingPeriod: aws.String("2026-11")}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DeleteCustomLineItem(ctx, &bc.DeleteCustomLineItemInput{Arn: &arn})
	if err != nil || aws.ToString(out.Arn) != arn {
		t.Fatalf("DeleteCustomLineItem = %v, %v", out, err)
	}
	names := func(period string) []string {
		var n []string
		for _, it := range listItems(t, c, &bc.ListCustomLineItemsInput{BillingPeriod: aws.String(period)}) {
			n = append(n, aws.ToString(it.Name))
		}
		return n
	}
	if got := names("2026-10"); !cmp.Equal(got, []string{"fee"}) {
		t.Errorf("October items = %v", got)
	}
	if got := names("2026-11"); !cmp.Equal(got, []string{"october-only"}) {
		t.Errorf("November items = %v", got)
	}
	before := snapshot(t, c)
	_, err = c.DeleteCustomLineItem(ctx, &bc.DeleteCustomLineItemInput{Arn: &arn})
	wantValidation(t, err, "MISSING_CUSTOMLINEITEM", "Arn")
	unchanged(t, c, before)
}

func TestBatchAssociateReportsEachResource(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	group := createGroup(t, c, "g", linked1)
	other := createGroup(t, c, "other", linked2)
	flat := createItem(t, c, flatItem("flat", group, 10))
	flat2 := createItem(t, c, flatItem("flat2", group, 20))
	otherFlat := createItem(t, c, flatItem("other-flat", other, 10))
	pct := createItem(t, c, percentItem("pct", group, 10))
	pct2 := createItem(t, c, percentItem("pct2", group, 10))
	unknown := "arn:aws:billingconductor::123456789012:customlineitem/ZZZZZZZZZZ"
	foreign := "arn:aws:billingconductor::210987654321:customlineitem/ZZZZZZZZZZ"
	out, err := c.BatchAssociateResourcesToCustomLineItem(ctx, &bc.BatchAssociateResourcesToCustomLineItemInput{
		TargetArn: &pct, ResourceArns: []string{flat, unknown, pct2, group, otherFlat, foreign, flat2[len(flat2)-10:], other},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ok []string
	for _, r := range out.SuccessfullyAssociatedResources {
		ok = append(ok, aws.ToString(r.Arn))
		if r.Error != nil {
			t.Errorf("success %s carries an error", aws.ToString(r.Arn))
		}
	}
	failed := map[string]string{}
	for _, r := range out.FailedAssociatedResources {
		failed[aws.ToString(r.Arn)] = string(r.Error.Reason)
		if aws.ToString(r.Error.Message) == "" {
			t.Errorf("failure %s without a message", aws.ToString(r.Arn))
		}
	}
	if diff := cmp.Diff([]string{flat, group, flat2}, ok); diff != "" {
		t.Errorf("associated (-want +got):\n%s", diff)
	}
	wantFailed := map[string]string{unknown: "INVALID_ARN", pct2: "ILLEGAL_CUSTOMLINEITEM", otherFlat: "ILLEGAL_CUSTOMLINEITEM",
		foreign: "INVALID_ARN", other: "ILLEGAL_CUSTOMLINEITEM"}
	if diff := cmp.Diff(wantFailed, failed); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	if got := itemResources(t, c, pct); len(got) != 3 {
		t.Errorf("resources after the batch = %v", got)
	}
	dis, err := c.BatchDisassociateResourcesFromCustomLineItem(ctx, &bc.BatchDisassociateResourcesFromCustomLineItemInput{
		TargetArn: &pct, ResourceArns: []string{flat, unknown}})
	if err != nil || len(dis.SuccessfullyDisassociatedResources) != 1 || len(dis.FailedDisassociatedResources) != 1 ||
		string(dis.FailedDisassociatedResources[0].Error.Reason) != "INVALID_ARN" {
		t.Fatalf("BatchDisassociate = %+v, %v", dis, err)
	}
	if got, want := itemResources(t, c, pct), []string{"CHILD " + group + " 2026-12", "CHILD " + flat2 + " 2026-12"}; !cmp.Equal(got, want) {
		t.Errorf("resources after disassociating = %v, want %v", got, want)
	}
	before := snapshot(t, c)
	_, err = c.BatchAssociateResourcesToCustomLineItem(ctx, &bc.BatchAssociateResourcesToCustomLineItemInput{TargetArn: &flat, ResourceArns: []string{group}})
	wantValidation(t, err, "ILLEGAL_CUSTOMLINEITEM", "TargetArn")
	_, err = c.BatchAssociateResourcesToCustomLineItem(ctx, &bc.BatchAssociateResourcesToCustomLineItemInput{TargetArn: &unknown, ResourceArns: []string{group}})
	wantNotFound(t, err, "customlineitem", unknown)
	_, err = c.ListResourcesAssociatedToCustomLineItem(ctx, &bc.ListResourcesAssociatedToCustomLineItemInput{Arn: &unknown})
	wantNotFound(t, err, "customlineitem", unknown)
	_, err = c.DeleteCustomLineItem(ctx, &bc.DeleteCustomLineItemInput{Arn: &flat2})
	wantValidation(t, err, "CUSTOM_LINE_ITEM_ASSOCIATION_EXISTS", "Arn")
	unchanged(t, c, before)
}

func TestCustomLineItemErrors(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	group := createGroup(t, c, "g", linked1)
	flat := createItem(t, c, flatItem("flat", group, 10))
	pct := createItem(t, c, percentItem("pct", group, 10))
	missingGroup := "arn:aws:billingconductor::123456789012:billinggroup/555555555555"
	period := func(start, end string) *types.CustomLineItemBillingPeriodRange {
		r := &types.CustomLineItemBillingPeriodRange{InclusiveStartBillingPeriod: &start}
		if end != "" {
			r.ExclusiveEndBillingPeriod = &end
		}
		return r
	}
	mod := func(in *bc.CreateCustomLineItemInput, f func(*bc.CreateCustomLineItemInput)) *bc.CreateCustomLineItemInput {
		f(in)
		return in
	}
	svcFilter := []types.LineItemFilter{{Attribute: "SERVICE", MatchOption: "EQUAL", AttributeValues: []string{"AmazonEC2"}}}
	creates := []struct {
		name, reason, field string
		in                  *bc.CreateCustomLineItemInput
	}{
		{"flat and percentage", "ILLEGAL_CHARGE_DETAILS", "ChargeDetails", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.ChargeDetails.Percentage = &types.CustomLineItemPercentageChargeDetails{PercentageValue: aws.Float64(1)}
		})},
		{"neither", "ILLEGAL_CHARGE_DETAILS", "ChargeDetails", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) { in.ChargeDetails.Flat = nil })},
		{"filters on flat", "ILLEGAL_LINE_ITEM_FILTER", "ChargeDetails.LineItemFilters", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.ChargeDetails.LineItemFilters = svcFilter
		})},
		{"unsupported filter", "ILLEGAL_LINE_ITEM_FILTER", "ChargeDetails.LineItemFilters[0]", mod(percentItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.ChargeDetails.LineItemFilters = []types.LineItemFilter{{Attribute: "SERVICE", MatchOption: "NOT_EQUAL", AttributeValues: []string{"AmazonEC2"}}}
		})},
		{"itemized flat", "ILLEGAL_COMPUTATION_RULE", "ComputationRule", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) { in.ComputationRule = "ITEMIZED" })},
		{"account outside the group", "ILLEGAL_ACCOUNT_ID", "AccountId", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) { in.AccountId = aws.String(linked2) })},
		{"13-digit account", "ILLEGAL_ACCOUNTS", "AccountId", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) { in.AccountId = aws.String(linked1 + "1") })},
		{"unknown group", "MISSING_BILLINGGROUP", "BillingGroupArn", flatItem("x", missingGroup, 1)},
		{"another payer's group", "MISMATCHED_BILLINGGROUP_ARN", "BillingGroupArn", flatItem("x", "arn:aws:billingconductor::210987654321:billinggroup/555555555555", 1)},
		{"two months ago", "ILLEGAL_BILLING_PERIOD", "BillingPeriodRange.InclusiveStartBillingPeriod", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.BillingPeriodRange = period("2026-09", "")
		})},
		{"next month", "ILLEGAL_BILLING_PERIOD", "BillingPeriodRange.InclusiveStartBillingPeriod", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.BillingPeriodRange = period("2026-12", "")
		})},
		{"end two months on", "ILLEGAL_BILLING_PERIOD_RANGE", "BillingPeriodRange.ExclusiveEndBillingPeriod", mod(flatItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.BillingPeriodRange = period("2026-10", "2026-12")
		})},
		{"percentage of a percentage", "ILLEGAL_RESOURCE_ARNS", "ChargeDetails.Percentage.AssociatedValues[1]", mod(percentItem("x", group, 1), func(in *bc.CreateCustomLineItemInput) {
			in.ChargeDetails.Percentage.AssociatedValues = []string{flat, pct}
		})},
		{"name with a space", "FIELD_VALIDATION_FAILED", "Name", flatItem("a b", group, 1)},
	}
	for _, tt := range creates {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, c)
			_, err := c.CreateCustomLineItem(ctx, tt.in)
			wantValidation(t, err, tt.reason, tt.field)
			unchanged(t, c, before)
		})
	}
	unknown := "arn:aws:billingconductor::123456789012:customlineitem/ZZZZZZZZZZ"
	updates := []struct {
		name, reason, field string
		in                  *bc.UpdateCustomLineItemInput
	}{
		{"flat to percentage", "ILLEGAL_UPDATE_CHARGE_DETAILS", "ChargeDetails.Percentage", &bc.UpdateCustomLineItemInput{Arn: &flat,
			ChargeDetails: &types.UpdateCustomLineItemChargeDetails{Percentage: &types.UpdateCustomLineItemPercentageChargeDetails{PercentageValue: aws.Float64(1)}}}},
		{"percentage to flat", "ILLEGAL_UPDATE_CHARGE_DETAILS", "ChargeDetails.Flat", &bc.UpdateCustomLineItemInput{Arn: &pct,
			ChargeDetails: &types.UpdateCustomLineItemChargeDetails{Flat: &types.UpdateCustomLineItemFlatChargeDetails{ChargeValue: aws.Float64(1)}}}},
		{"filters on flat", "ILLEGAL_LINE_ITEM_FILTER", "ChargeDetails.LineItemFilters", &bc.UpdateCustomLineItemInput{Arn: &flat,
			ChargeDetails: &types.UpdateCustomLineItemChargeDetails{LineItemFilters: svcFilter}}},
		{"another end", "ILLEGAL_CUSTOMLINEITEM_UPDATE", "BillingPeriodRange.ExclusiveEndBillingPeriod", &bc.UpdateCustomLineItemInput{Arn: &flat,
			Description: aws.String("x"), BillingPeriodRange: period("2026-11", "2026-11")}},
		{"another payer's item", "MISMATCHED_CUSTOMLINEITEM_ARN", "Arn", &bc.UpdateCustomLineItemInput{
			Arn: aws.String("arn:aws:billingconductor::210987654321:customlineitem/ZZZZZZZZZZ"), Description: aws.String("x")}},
	}
	for _, tt := range updates {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, c)
			_, err := c.UpdateCustomLineItem(ctx, tt.in)
			if tt.reason == "ILLEGAL_CUSTOMLINEITEM_UPDATE" {
				// 2026-11 as an end is not the month after the start: rejected as a range first.
				wantValidation(t, err, "ILLEGAL_BILLING_PERIOD_RANGE", tt.field)
			} else {
				wantValidation(t, err, tt.reason, tt.field)
			}
			unchanged(t, c, before)
		})
	}
	t.Run("update unknown", func(t *testing.T) {
		_, err := c.UpdateCustomLineItem(ctx, &bc.UpdateCustomLineItemInput{Arn: &unknown, Name: aws.String("x")})
		wantNotFound(t, err, "customlineitem", unknown)
		_, err = c.ListCustomLineItemVersions(ctx, &bc.ListCustomLineItemVersionsInput{Arn: &unknown})
		wantValidation(t, err, "MISSING_CUSTOMLINEITEM", "Arn")
	})
	t.Run("itemized and filtered quotas", func(t *testing.T) {
		for i := range 4 {
			in := percentItem("itemized-"+string(rune('a'+i)), group, 1)
			in.ComputationRule = "ITEMIZED"
			createItem(t, c, in)
		}
		for i := range 10 {
			in := percentItem("filtered-"+string(rune('a'+i)), group, 1)
			in.ChargeDetails.LineItemFilters = svcFilter
			if i == 0 {
				in.ComputationRule = "ITEMIZED" // the fifth ITEMIZED item
			}
			createItem(t, c, in)
		}
		before := snapshot(t, c)
		in := percentItem("sixth-itemized", group, 1)
		in.ComputationRule = "ITEMIZED"
		_, err := c.CreateCustomLineItem(ctx, in)
		wantValidation(t, err, "ILLEGAL_COMPUTATION_RULE", "ComputationRule")
		in = percentItem("eleventh-filtered", group, 1)
		in.ChargeDetails.LineItemFilters = svcFilter
		_, err = c.CreateCustomLineItem(ctx, in)
		var limit *types.ServiceLimitExceededException
		if !errorsAs(err, &limit) || aws.ToString(limit.LimitCode) != "L-FILTERED-CUSTOM-LINE-ITEMS-PER-BILLING-GROUP" || aws.ToString(limit.ResourceId) != group {
			t.Errorf("error = %v, want ServiceLimitExceededException for filtered items", err)
		}
		unchanged(t, c, before)
	})
}
