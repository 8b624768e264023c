package conductor_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// TestAccountAssociationPages walks ListAccountAssociations over a family
// larger than a page, with a billing transfer group whose bill source
// accounts (outside the family) sort between the family's: every filter
// lists each matching account once, in ID order, and a first page reads
// about a page of records however large the family is.
func TestAccountAssociationPages(t *testing.T) {
	const payer, transfer = "123456789012", "arn:aws:organizations::123456789012:transfer/o-abcdefghij/billing/inbound/rt-abcd1234"
	var family, sources []string
	for i := range 350 {
		family = append(family, fmt.Sprintf("3000000%05d", 2*i))     // even
		sources = append(sources, fmt.Sprintf("3000000%05d", 2*i+1)) // odd
	}
	sources = sources[100:107]
	org := conductor.Organization{Payers: []conductor.PayerSeed{{
		Payer:     conductor.Payer{ID: payer},
		Accounts:  []conductor.Account{{ID: payer}},
		Transfers: []conductor.Transfer{{ARN: transfer, SourceAccount: sources[0], SourceMembers: sources[1:]}},
	}}}
	for _, id := range family {
		org.Payers[0].Accounts = append(org.Payers[0].Accounts, conductor.Account{ID: id, Name: "n" + id})
	}
	ctx := context.Background()
	store := memoryStore(t)
	counted := &readCounter{Store: store}
	svc, _ := seededService(t, counted, org, time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	c := conductor.Caller{Account: payer}
	grouped := family[10:40]
	group, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "g", PrimaryAccountID: grouped[0],
		LinkedAccountIDs: grouped, PricingPlanARN: "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"})
	if err != nil {
		t.Fatal(err)
	}
	tgroup, err := svc.CreateBillingGroup(ctx, c, conductor.CreateBillingGroupInput{Name: "t", ResponsibilityTransferARN: transfer,
		PricingPlanARN: "arn:aws:billingconductor::aws:pricingplan/Passthrough"})
	if err != nil {
		t.Fatal(err)
	}

	walk := func(in conductor.ListAccountAssociationsInput) (ids []string, arns map[string]string) {
		arns = map[string]string{}
		for {
			page, next, err := svc.ListAccountAssociations(ctx, c, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > conductor.AccountAssociationsPageSize {
				t.Fatalf("page of %d", len(page))
			}
			for _, a := range page {
				ids = append(ids, a.ID)
				arns[a.ID] = a.BillingGroupARN
			}
			if next == "" {
				return ids, arns
			}
			in.NextToken = next
		}
	}
	sorted := func(parts ...[]string) []string { return slices.Sorted(slices.Values(slices.Concat(parts...))) }
	monitored := sorted(grouped, sources)
	unmonitored := sorted([]string{payer}, family[:10], family[40:])
	for _, tt := range []struct {
		name string
		in   conductor.ListAccountAssociationsInput
		want []string
	}{
		{"all", conductor.ListAccountAssociationsInput{}, sorted(monitored, unmonitored)},
		{"monitored", conductor.ListAccountAssociationsInput{Association: "MONITORED"}, monitored},
		{"unmonitored", conductor.ListAccountAssociationsInput{Association: "UNMONITORED"}, unmonitored},
		{"group", conductor.ListAccountAssociationsInput{Association: group}, sorted(grouped)},
		{"transfer group", conductor.ListAccountAssociationsInput{Association: tgroup}, sorted(sources)},
		{"accounts", conductor.ListAccountAssociationsInput{AccountIDs: []string{family[300], sources[2], "999999999999"}},
			sorted([]string{family[300], sources[2]})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, arns := walk(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("listed %d accounts, want %d:\n got %v\nwant %v", len(got), len(tt.want), got, tt.want)
			}
			for _, id := range got {
				wantARN := ""
				switch {
				case slices.Contains(grouped, id):
					wantARN = group
				case slices.Contains(sources, id):
					wantARN = tgroup
				}
				if arns[id] != wantARN {
					t.Errorf("%s: group %q, want %q", id, arns[id], wantARN)
				}
			}
		})
	}
	reads := counted.reads(func() {
		if _, _, err := svc.ListAccountAssociations(ctx, c, conductor.ListAccountAssociationsInput{}); err != nil {
			t.Fatal(err)
		}
	})
	if limit := int64(3 * conductor.AccountAssociationsPageSize); reads > limit {
		t.Errorf("a first page read %d records of a %d-account family, want at most %d", reads, len(family), limit)
	}
}
