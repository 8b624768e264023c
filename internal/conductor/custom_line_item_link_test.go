package conductor_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// The link limits of CLI-7 hold through the indexes: at most 100 percentage
// items use a flat item, and a percentage item has at most 100 resources;
// a disassociation frees a place, and linking again what is linked
// succeeds without counting twice.
func TestItemLinkQuotas(t *testing.T) {
	ctx := context.Background()
	e := itemScaleOf(t, 0)
	a := e.groups[0]
	var pcts []string
	for i := range 99 { // e.pct uses e.flat already
		pcts = append(pcts, e.create(a, fmt.Sprint("pct-", i), true, e.flat))
	}
	associate := func(target, resource, reason string) {
		t.Helper()
		res, err := e.svc.BatchAssociateResourcesToCustomLineItem(ctx, e.c, target, []string{resource}, nil)
		if err != nil || len(res) != 1 || res[0].Reason != reason {
			t.Errorf("associating %s with %s: %+v, %v; want reason %q", resource, target, res, err, reason)
		}
	}
	last := e.create(a, "pct-last", true)
	associate(last, e.flat, "SERVICE_LIMIT_EXCEEDED")
	associate(pcts[0], e.flat, "") // already linked
	if _, err := e.svc.BatchDisassociateResourcesFromCustomLineItem(ctx, e.c, pcts[0], []string{e.flat}, nil); err != nil {
		t.Fatal(err)
	}
	associate(last, e.flat, "")
	associate(pcts[0], e.flat, "SERVICE_LIMIT_EXCEEDED")
	// Given at creation, the full flat item fails the create as the
	// create's own limits do: ServiceLimitExceededException (§12).
	_, err := e.svc.CreateCustomLineItem(ctx, e.c, itemInput(a, "pct-over", true, e.flat))
	if ce, ok := conductor.AsError(err); !ok || ce.LimitCode != conductor.QuotaPercentagePerFlat.Code || ce.Code != conductor.CodeServiceLimit {
		t.Errorf("creating a percentage item over a full flat item: %v, want %s", err, conductor.QuotaPercentagePerFlat.Code)
	}
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, e.flat, nil); err == nil {
		t.Error("deleting a flat item percentage items use: no error")
	}

	sources := e.create(a, "sources", true, e.groups[0])
	for i := range 99 {
		associate(sources, e.create(a, fmt.Sprint("flat-", i), false), "")
	}
	extra := e.create(a, "flat-extra", false)
	associate(sources, extra, "SERVICE_LIMIT_EXCEEDED")
	associate(sources, e.groups[0], "") // already linked
	var walked []string
	for token, pages := "", 0; pages == 0 || token != ""; pages++ {
		rs, arn, next, err := e.svc.ListResourcesAssociatedToCustomLineItem(ctx, e.c, sources, "", conductor.RelationshipChild,
			conductor.Page{MaxResults: 7, NextToken: token})
		if err != nil || arn != sources || pages > 20 {
			t.Fatalf("page %d of the resources: %v, %s", pages, err, arn)
		}
		for _, r := range rs {
			walked = append(walked, r.ARN)
		}
		token = next
	}
	if len(walked) != 100 || !slices.IsSorted(walked) || len(slices.Compact(slices.Clone(walked))) != 100 {
		t.Errorf("resources of a full percentage item, in pages of 7: %d, %v", len(walked), walked)
	}
	if _, err := e.svc.DeleteCustomLineItem(ctx, e.c, extra, nil); err != nil {
		t.Errorf("deleting a flat item nothing uses: %v", err)
	}
}
