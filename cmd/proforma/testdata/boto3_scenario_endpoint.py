#!/usr/bin/env python3
"""boto3 inside a what-if scenario (issue 17).

Usage: boto3_scenario_endpoint.py SCENARIO_ENDPOINT RULE_ARN GROUP_ARN PROFORMA_COST

SCENARIO_ENDPOINT is a scenario's Endpoint (http://host:port/_proforma/scenarios/ID),
given to boto3 as endpoint_url; the server runs in permissive auth and the
caller is the demo payer. The script makes one mutation (UpdatePricingRule:
RULE_ARN's description becomes "from boto3") and reads back: the rule's
description, and GROUP_ARN's cost report, whose ProformaCost must be
PROFORMA_COST. Every check is printed; exit 1 if any failed.
"""

import sys

import boto3
from botocore.config import Config

failures = []


def check(ok, what, detail=None):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or detail is None else ": %r" % (detail,)))
    if not ok:
        failures.append(what)


def main():
    endpoint, rule, group, proforma = sys.argv[1:5]
    bc = boto3.client("billingconductor", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="123456789012", aws_secret_access_key="x",
                      config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    updated = bc.update_pricing_rule(Arn=rule, Description="from boto3")
    check(updated["Description"] == "from boto3", "UpdatePricingRule answers the new description", updated)
    rules = bc.list_pricing_rules(Filters={"Arns": [rule]})["PricingRules"]
    check(len(rules) == 1 and rules[0].get("Description") == "from boto3",
          "ListPricingRules in the scenario shows the update", rules)
    report = bc.get_billing_group_cost_report(Arn=group)["BillingGroupCostReportResults"]
    check(len(report) == 1 and report[0]["ProformaCost"] == proforma,
          "GetBillingGroupCostReport in the scenario: ProformaCost %s" % proforma, report)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
