package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestBoto3SeedScenario runs testdata/boto3_seed_scenario.py — the seed
// operations and their errors as a Python SDK user sees them — against the
// real binary. It needs python3 with boto3 and skips without them.
func TestBoto3SeedScenario(t *testing.T) {
	python := boto3Python(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_seed_scenario.py"))
	if err != nil {
		t.Fatal(err)
	}
	runBoto3(t, python, script)
}

// boto3EmptyCollections indexes, as a boto3 user does, the collection members
// of responses that have nothing to list, on a fresh server: each must be
// present and empty (issue 14). A missing member is a KeyError, reported as
// a failed check. Usage: python3 -c <this> ENDPOINT.
const boto3EmptyCollections = `
import sys
import boto3
from botocore.config import Config

failures = []

def check(what, call, member, want):
    try:
        got = call()[member]
    except KeyError:
        failures.append(what)
        print("FAIL %s: no %s member (KeyError)" % (what, member))
        return
    if got != want:
        failures.append(what)
        print("FAIL %s: %s = %r, want %r" % (what, member, got, want))
    else:
        print("ok   %s: %s = %r" % (what, member, got))

bc = boto3.client("billingconductor", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="123456789012", aws_secret_access_key="x",
                  config=Config(retries={"max_attempts": 1, "mode": "standard"}))

check("ListBillingGroups", lambda: bc.list_billing_groups(), "BillingGroups", [])
check("ListPricingRules", lambda: bc.list_pricing_rules(), "PricingRules", [])
check("ListCustomLineItems", lambda: bc.list_custom_line_items(), "CustomLineItems", [])
check("ListPricingPlans", lambda: bc.list_pricing_plans(), "PricingPlans", [])
check("ListAccountAssociations MONITORED", lambda: bc.list_account_associations(Filters={"Association": "MONITORED"}),
      "LinkedAccounts", [])
check("ListBillingGroupCostReports", lambda: bc.list_billing_group_cost_reports(), "BillingGroupCostReports", [])
plan = bc.create_pricing_plan(Name="empty-plan")["Arn"]
check("ListPricingRulesAssociatedToPricingPlan", lambda: bc.list_pricing_rules_associated_to_pricing_plan(PricingPlanArn=plan),
      "PricingRuleArns", [])
check("ListTagsForResource", lambda: bc.list_tags_for_resource(ResourceArn=plan), "Tags", {})
check("ListPricingPlans unknown ARN filter", lambda: bc.list_pricing_plans(Filters={"Arns": ["arn:aws:billingconductor::123456789012:pricingplan/ZZZZZZZZZZ"]}),
      "PricingPlans", [])
if failures:
    print("%d check(s) failed: %s" % (len(failures), ", ".join(failures)))
    sys.exit(1)
`

// TestBoto3EmptyCollections: boto3's resp["BillingGroups"] and the like work
// on empty results (issue 14). It needs python3 with boto3 and skips without.
func TestBoto3EmptyCollections(t *testing.T) {
	python := boto3Python(t)
	runBoto3(t, python, "-c", boto3EmptyCollections)
}

// boto3Python returns python3, skipping the test when it or boto3 is missing.
func boto3Python(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH; the boto3 scenario needs python3 with boto3 installed")
	}
	probeCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(probeCtx, python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("python3 cannot import boto3 (%v: %s); install it (pip install boto3) to run the boto3 scenario", err, out)
	}
	return python
}

// runBoto3 runs python with args and the endpoint of a fresh in-memory
// Proforma (demo organization, clock pinned) as last argument, and fails the
// test unless it exits 0 within 60s.
func runBoto3(t *testing.T, python string, args ...string) {
	t.Helper()
	p := startProforma(t, ":memory:", "--now", pinnedNow)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append(args, p.URL)...)
	cmd.Env = append(os.Environ(),
		"PROFORMA_NOW_EPOCH="+fmt.Sprint(pinnedEpoch),
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"AWS_EC2_METADATA_DISABLED=true",
		"PYTHONUNBUFFERED=1",
	)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("boto3 scenario did not finish within 60s; output:\n%s", out)
	}
	if err != nil {
		t.Fatalf("boto3 scenario failed (%v); output:\n%s", err, out)
	}
	t.Logf("boto3 scenario output:\n%s", out)
}
