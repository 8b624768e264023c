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

	"github.com/proforma-dev/proforma/internal/conductor"
)

// Deleting a billing group through the SDK deletes its custom line items
// from the current period on, recurring ones and those started last month
// included, with the associations of its percentage items; last month
// keeps them, and the places they held count for other groups.
func TestDeleteBillingGroupDeletesItsCustomLineItems(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	e.clock.Pin(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC))
	group := createGroup(t, c, "doomed", linked1)
	other := createGroup(t, c, "other", linked2)
	e.clock.Pin(startTime) // 2026-11

	flat := createItem(t, c, flatItem("flat", group, 10)) // November only
	openIn := percentItem("open", group, 5)
	openIn.ChargeDetails.Percentage.AssociatedValues = []string{group}
	open := createItem(t, c, recurring(openIn, "2026-11")) // recurring, on the group
	earlier := createItem(t, c, recurring(flatItem("earlier", group, 20), "2026-10"))
	pctGroupIn := percentItem("pct-group", group, 10)
	pctGroupIn.ChargeDetails.Percentage.AssociatedValues = []string{group}
	pctGroup := createItem(t, c, recurring(pctGroupIn, "2026-10"))
	pctFlatIn := percentItem("pct-flat", group, 10)
	pctFlatIn.ChargeDetails.Percentage.AssociatedValues = []string{earlier}
	pctFlat := createItem(t, c, recurring(pctFlatIn, "2026-10"))
	kept := createItem(t, c, recurring(flatItem("kept", other, 1), "2026-10"))
	mine := []string{flat, open, earlier, pctGroup, pctFlat}

	names := func(in *bc.ListCustomLineItemsInput) []string {
		t.Helper()
		var out []string
		for _, it := range listItems(t, c, in) {
			out = append(out, aws.ToString(it.Name)+" "+aws.ToString(it.BillingGroupArn))
		}
		slices.Sort(out)
		return out
	}
	october := aws.String("2026-10")
	octoberBefore := names(&bc.ListCustomLineItemsInput{BillingPeriod: october})
	if len(octoberBefore) != 4 {
		t.Fatalf("October before = %v", octoberBefore)
	}
	conductor.QuotaCustomLineItems.Limit = 6 // November's 6 items fill the payer's quota
	t.Cleanup(func() { conductor.QuotaCustomLineItems.Limit = 50000 })

	out, err := c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: &group})
	if err != nil || aws.ToString(out.Arn) != group {
		t.Fatalf("DeleteBillingGroup = %v, %v", out, err)
	}

	want := []string{"kept " + other}
	if got := names(&bc.ListCustomLineItemsInput{}); !slices.Equal(got, want) {
		t.Errorf("November = %v, want %v", got, want)
	}
	for name, f := range map[string]*types.ListCustomLineItemsFilter{
		"BillingGroupArns": {BillingGroups: []string{group}},
		"Arns":             {Arns: mine},
		"Names":            {Names: []string{"flat", "open", "earlier", "pct-group", "pct-flat"}},
		"AccountIds":       {AccountIds: []string{linked1}},
	} {
		if got := names(&bc.ListCustomLineItemsInput{Filters: f}); len(got) != 0 {
			t.Errorf("November, filter %s = %v", name, got)
		}
	}
	if got := names(&bc.ListCustomLineItemsInput{BillingPeriod: october}); !slices.Equal(got, octoberBefore) {
		t.Errorf("October = %v, want %v", got, octoberBefore)
	}
	if got := names(&bc.ListCustomLineItemsInput{BillingPeriod: october,
		Filters: &types.ListCustomLineItemsFilter{BillingGroups: []string{group}}}); len(got) != 3 {
		t.Errorf("October, the group's items = %v", got)
	}

	// Versions: last month's stay, ending where the group ends.
	for arn, want := range map[string]string{earlier: "2026-10-2026-11", pctGroup: "2026-10-2026-11", pctFlat: "2026-10-2026-11", kept: "2026-10-"} {
		v, err := c.ListCustomLineItemVersions(ctx, &bc.ListCustomLineItemVersionsInput{Arn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range v.CustomLineItemVersions {
			got = append(got, aws.ToString(x.StartBillingPeriod)+"-"+aws.ToString(x.EndBillingPeriod))
			if aws.ToString(x.Arn) != arn {
				t.Errorf("version of %s has Arn %s", arn, aws.ToString(x.Arn))
			}
		}
		if !slices.Equal(got, []string{want}) {
			t.Errorf("versions of %s = %v, want [%s]", arn, got, want)
		}
	}
	for _, arn := range []string{flat, open} { // November items never were
		_, err := c.ListCustomLineItemVersions(ctx, &bc.ListCustomLineItemVersionsInput{Arn: aws.String(arn)})
		wantValidation(t, err, "MISSING_CUSTOMLINEITEM", "Arn")
	}

	// Associations: last month's end in November; none is left after.
	resources := func(arn string) []string {
		t.Helper()
		out, err := c.ListResourcesAssociatedToCustomLineItem(ctx, &bc.ListResourcesAssociatedToCustomLineItemInput{Arn: &arn, BillingPeriod: october})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range out.AssociatedResources {
			got = append(got, fmt.Sprintf("%s %s %s", r.Relationship, aws.ToString(r.Arn), aws.ToString(r.EndBillingPeriod)))
		}
		return got
	}
	for arn, want := range map[string][]string{
		pctGroup: {"CHILD " + group + " 2026-11"},
		pctFlat:  {"CHILD " + earlier + " 2026-11"},
		earlier:  {"PARENT " + pctFlat + " 2026-11"},
	} {
		if got := resources(arn); !slices.Equal(got, want) {
			t.Errorf("October resources of %s = %v, want %v", arn, got, want)
		}
	}
	for _, arn := range []string{pctGroup, pctFlat, earlier, open} {
		_, err := c.ListResourcesAssociatedToCustomLineItem(ctx, &bc.ListResourcesAssociatedToCustomLineItemInput{Arn: aws.String(arn)})
		wantNotFound(t, err, "customlineitem", arn)
	}
	keptPctIn := percentItem("kept-pct", other, 10)
	keptPctIn.ChargeDetails.Percentage.AssociatedValues = []string{other, kept}
	keptPct := createItem(t, c, keptPctIn)
	if got := itemResources(t, c, keptPct); len(got) != 2 || strings.Contains(strings.Join(got, " "), group) {
		t.Errorf("resources of kept-pct = %v", got)
	}
	if _, err := c.DeleteCustomLineItem(ctx, &bc.DeleteCustomLineItemInput{Arn: &keptPct}); err != nil {
		t.Fatal(err)
	}

	// Cost reports: the group in October only.
	reports := func(period *string) []string {
		t.Helper()
		out, err := c.ListBillingGroupCostReports(ctx, &bc.ListBillingGroupCostReportsInput{BillingPeriod: period})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range out.BillingGroupCostReports {
			got = append(got, aws.ToString(r.Arn))
		}
		return got
	}
	if got := reports(nil); !slices.Equal(got, []string{other}) {
		t.Errorf("November cost reports = %v, want the other group's", got)
	}
	if got := reports(october); !slices.Contains(got, group) {
		t.Errorf("October cost reports = %v, want the deleted group's too", got)
	}

	// The group's five November places are free again.
	for i := range 5 {
		createItem(t, c, flatItem(fmt.Sprintf("new-%d", i), other, 1))
	}
	_, err = c.CreateCustomLineItem(ctx, flatItem("one-too-many", other, 1))
	var limit *types.ServiceLimitExceededException
	if !errorsAs(err, &limit) {
		t.Errorf("one item over the quota: %v, want ServiceLimitExceededException", err)
	}
	conductor.QuotaCustomLineItems.Limit = 50000

	// December lists nothing of the group, nor does November seen from there.
	e.clock.Pin(time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))
	if got := names(&bc.ListCustomLineItemsInput{}); !slices.Equal(got, want) {
		t.Errorf("December = %v, want %v", got, want)
	}
	if got := names(&bc.ListCustomLineItemsInput{BillingPeriod: aws.String("2026-11"),
		Filters: &types.ListCustomLineItemsFilter{BillingGroups: []string{group}}}); len(got) != 0 {
		t.Errorf("November from December, the group's items = %v", got)
	}
}
