package conductor_test

import (
	"context"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// A store written before the name index existed has plans without index
// records: the first name check builds the index, so duplicates are still
// refused, and renames and deletes keep it right afterwards.
func TestNameIndexOfAnOlderStore(t *testing.T) {
	ctx := context.Background()
	store := memoryStore(t)
	svc, _ := seededService(t, store, conductor.DemoOrganization(), time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	c := conductor.Caller{Account: "123456789012"}
	create := func(name string) (string, error) {
		return svc.CreatePricingPlan(ctx, c, conductor.CreatePricingPlanInput{Name: name})
	}
	arn, err := create("old")
	if err != nil {
		t.Fatal(err)
	}
	err = store.Update(ctx, func(tx conductor.Tx) error { // forget the index, as an older version never wrote it
		if err := tx.Truncate(c.Account, "pricingplan.name", "old", conductor.Timeless); err != nil {
			return err
		}
		return tx.Truncate(c.Account, "indexbuilt", "pricingplan.name", conductor.Timeless)
	})
	if err != nil {
		t.Fatal(err)
	}
	conflict := func(name string) {
		t.Helper()
		_, err := create(name)
		if e, ok := conductor.AsError(err); !ok || e.Reason != "RESOURCE_NAME_CONFLICT" || e.ResourceID != arn {
			t.Errorf("creating a second plan %q: %v, want RESOURCE_NAME_CONFLICT on %s", name, err, arn)
		}
	}
	conflict("old")
	newName := "renamed"
	if _, err := svc.UpdatePricingPlan(ctx, c, conductor.UpdatePricingPlanInput{ARN: arn, Name: &newName}); err != nil {
		t.Fatal(err)
	}
	conflict("renamed")
	if _, err := create("old"); err != nil {
		t.Errorf("the old name is free after the rename: %v", err)
	}
	if _, err := svc.DeletePricingPlan(ctx, c, arn); err != nil {
		t.Fatal(err)
	}
	if _, err := create("renamed"); err != nil {
		t.Errorf("the name is free after the delete: %v", err)
	}
}
