#!/usr/bin/env python3
"""The seed-operation scenario of Proforma, driven through boto3.

Usage: boto3_seed_scenario.py [ENDPOINT]
ENDPOINT defaults to $PROFORMA_ENDPOINT (e.g. http://127.0.0.1:4599). The
server must be a fresh `proforma serve` on the demo organization (no --org),
in permissive auth. When $PROFORMA_NOW_EPOCH is set (the server runs with
--now), CreationTime and LastModifiedTime must equal it.

Every check is printed; the script exits 1 if any failed (2 on a usage or
unexpected error). Checks do not use `assert`, so `python3 -O` still checks.
"""

import datetime
import os
import re
import sys
import traceback

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

PAYER = "123456789012"
LINKED = ["1000000000%02d" % i for i in range(1, 41)]  # the demo payer's linked accounts
OUTSIDE = "999999999999"
BASIC_PLAN = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"
GROUP_ARN = re.compile(r"^arn:aws:billingconductor::123456789012:billinggroup/[0-9]{12}$")

failures = []


def check(ok, what, detail=None):
    """Record one check; never raises."""
    if ok:
        print("ok   " + what)
    else:
        failures.append(what)
        print("FAIL " + what + ("" if detail is None else ": %r" % (detail,)))
    return ok


def client(endpoint, access_key):
    return boto3.client(
        "billingconductor",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def check_metadata(resp, status, what):
    md = resp["ResponseMetadata"]
    check(md["HTTPStatusCode"] == status, "%s: HTTP status %d" % (what, status), md["HTTPStatusCode"])
    rid = md["HTTPHeaders"].get("x-amzn-requestid")
    check(bool(rid), "%s: x-amzn-requestid header present" % what, md["HTTPHeaders"])
    check(md.get("RequestId") == rid, "%s: ResponseMetadata.RequestId is x-amzn-requestid" % what, md.get("RequestId"))


def expect_error(what, call, code, status, reason=None, field=None, **kwargs):
    """Call call(**kwargs), which must fail with a ClientError of code.

    botocore puts the modeled members of a rest-json error (Reason, Fields)
    at the top level of e.response, next to Error and ResponseMetadata.
    """
    try:
        call(**kwargs)
    except ClientError as e:
        r = e.response
        check(r["Error"]["Code"] == code, "%s: error code %s" % (what, code), r["Error"])
        check(bool(r["Error"].get("Message")), "%s: error message present" % what, r["Error"])
        check_metadata(r, status, what)
        check(r["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype", "").split(":")[0] == code,
              "%s: x-amzn-errortype %s" % (what, code), r["ResponseMetadata"]["HTTPHeaders"])
        if reason is not None:
            check(r.get("Reason") == reason, "%s: Reason %s" % (what, reason), r.get("Reason"))
        if field is not None:
            fields = r.get("Fields") or []
            check(len(fields) >= 1 and fields[0].get("Name") == field,
                  "%s: Fields[0].Name %s" % (what, field), fields)
            check(len(fields) >= 1 and bool(fields[0].get("Message")),
                  "%s: Fields[0].Message present" % what, fields)
        return r
    check(False, "%s: expected %s, the call succeeded" % (what, code))
    return None


def is_epoch(v):
    # The model's CreationTime/LastModifiedTime are "Instant": a long of
    # epoch seconds, which boto3 returns as an int (not a timestamp).
    return (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, datetime.datetime)


def associations(c, arn):
    resp = c.list_account_associations(Filters={"Association": arn})
    check_metadata(resp, 200, "ListAccountAssociations(Association=group)")
    check("NextToken" not in resp, "ListAccountAssociations: one page", resp.get("NextToken"))
    return resp["LinkedAccounts"]


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PROFORMA_ENDPOINT")
    if not endpoint:
        print(__doc__)
        return 2
    print("boto3 %s, botocore %s, endpoint %s" % (boto3.__version__, botocore.__version__, endpoint))
    c = client(endpoint, PAYER)

    # CreateBillingGroup with Tags, Description, AutoAssociate False.
    resp = c.create_billing_group(
        Name="seed-group",
        Description="created by the boto3 seed scenario",
        PrimaryAccountId=LINKED[0],
        AccountGrouping={"LinkedAccountIds": LINKED[0:2], "AutoAssociate": False},
        ComputationPreference={"PricingPlanArn": BASIC_PLAN},
        Tags={"env": "test", "owner": "boto3"},
    )
    check_metadata(resp, 200, "CreateBillingGroup")
    arn = resp.get("Arn", "")
    check(GROUP_ARN.match(arn) is not None, "CreateBillingGroup: Arn matches %s" % GROUP_ARN.pattern, arn)

    # AssociateAccounts / DisassociateAccounts.
    resp = c.associate_accounts(Arn=arn, AccountIds=LINKED[2:4])
    check_metadata(resp, 200, "AssociateAccounts")
    check(resp.get("Arn") == arn, "AssociateAccounts: returns the group Arn", resp.get("Arn"))
    resp = c.disassociate_accounts(Arn=arn, AccountIds=[LINKED[3]])
    check_metadata(resp, 200, "DisassociateAccounts")
    check(resp.get("Arn") == arn, "DisassociateAccounts: returns the group Arn", resp.get("Arn"))

    # ListBillingGroups.
    resp = c.list_billing_groups()
    check_metadata(resp, 200, "ListBillingGroups")
    groups = resp["BillingGroups"]
    check(len(groups) == 1, "ListBillingGroups: one group", groups)
    mine = [g for g in groups if g.get("Arn") == arn]
    if check(len(mine) == 1, "ListBillingGroups: lists the created group", groups):
        g = mine[0]
        check(GROUP_ARN.match(g["Arn"]) is not None, "ListBillingGroups: Arn matches the ARN pattern", g["Arn"])
        check(g.get("Name") == "seed-group", "ListBillingGroups: Name", g.get("Name"))
        check(g.get("Description") == "created by the boto3 seed scenario", "ListBillingGroups: Description",
              g.get("Description"))
        check(g.get("PrimaryAccountId") == LINKED[0], "ListBillingGroups: PrimaryAccountId", g.get("PrimaryAccountId"))
        check(g.get("Size") == 3, "ListBillingGroups: Size 3 (2 created + 2 associated - 1 disassociated)",
              g.get("Size"))
        check(g.get("Status") == "ACTIVE", "ListBillingGroups: Status ACTIVE", g.get("Status"))
        check(g.get("BillingGroupType") == "STANDARD", "ListBillingGroups: BillingGroupType STANDARD",
              g.get("BillingGroupType"))
        check(g.get("AccountGrouping", {}).get("AutoAssociate") is False, "ListBillingGroups: AutoAssociate False",
              g.get("AccountGrouping"))
        check(g.get("ComputationPreference", {}).get("PricingPlanArn") == BASIC_PLAN,
              "ListBillingGroups: ComputationPreference.PricingPlanArn", g.get("ComputationPreference"))
        for member in ("CreationTime", "LastModifiedTime"):
            v = g.get(member)
            check(is_epoch(v), "ListBillingGroups: %s is an int (epoch seconds) or datetime" % member, v)
            want = os.environ.get("PROFORMA_NOW_EPOCH")
            if want:
                got = int(v.timestamp()) if isinstance(v, datetime.datetime) else v
                check(got == int(want), "ListBillingGroups: %s is the pinned clock %s" % (member, want), v)
    resp = c.list_billing_groups(Filters={"Arns": [arn]})
    check([g["Arn"] for g in resp["BillingGroups"]] == [arn], "ListBillingGroups(Filters.Arns): the group",
          resp["BillingGroups"])

    # ListAccountAssociations filtered by the group.
    members = associations(c, arn)
    check(sorted(a["AccountId"] for a in members) == LINKED[0:3],
          "ListAccountAssociations(Association=group): the 3 member accounts", members)
    check(all(a.get("BillingGroupArn") == arn for a in members),
          "ListAccountAssociations(Association=group): BillingGroupArn is the group", members)
    check(all(a.get("AccountName") and a.get("AccountEmail") for a in members),
          "ListAccountAssociations: AccountName and AccountEmail present", members)

    # Error cases.
    expect_error("AssociateAccounts(already associated)", c.associate_accounts, "ValidationException", 400,
                 reason="ACCOUNTS_ALREADY_ASSOCIATED", field="AccountIds[0]", Arn=arn, AccountIds=[LINKED[1]])
    expect_error("AssociateAccounts(duplicate account)", c.associate_accounts, "ValidationException", 400,
                 reason="DUPLICATE_ACCOUNT", field="AccountIds[1]", Arn=arn, AccountIds=[LINKED[4], LINKED[4]])
    expect_error("DisassociateAccounts(primary)", c.disassociate_accounts, "ValidationException", 400,
                 reason="PRIMARY_CANNOT_DISASSOCIATE", field="AccountIds[0]", Arn=arn, AccountIds=[LINKED[0]])
    expect_error("AssociateAccounts(account outside the family)", c.associate_accounts, "ValidationException", 400,
                 reason="ILLEGAL_ACCOUNTS", field="AccountIds[0]", Arn=arn, AccountIds=[OUTSIDE])
    # More than 30 accounts: botocore checks only required members, types and
    # min lengths client-side (no max), so the request reaches the server,
    # whose model validation refuses it. Should a botocore release check the
    # max, the case cannot be sent: skip it rather than fail.
    try:
        expect_error("AssociateAccounts(31 accounts)", c.associate_accounts, "ValidationException", 400,
                     reason="FIELD_VALIDATION_FAILED", field="AccountIds", Arn=arn, AccountIds=LINKED[4:35])
    except ParamValidationError as e:
        print("SKIP AssociateAccounts(31 accounts): botocore refused it client-side: %s" % e)
    linked = client(endpoint, LINKED[0])
    expect_error("ListBillingGroups(linked account as caller)", linked.list_billing_groups,
                 "AccessDeniedException", 403)
    expect_error("AssociateAccounts(linked account as caller)", linked.associate_accounts,
                 "AccessDeniedException", 403, Arn=arn, AccountIds=[LINKED[5]])

    # The refused calls changed nothing.
    members = associations(c, arn)
    check(sorted(a["AccountId"] for a in members) == LINKED[0:3],
          "after the errors: still the same 3 member accounts", members)
    resp = c.list_billing_groups()
    check([(g["Arn"], g["Size"]) for g in resp["BillingGroups"]] == [(arn, 3)],
          "after the errors: one group of Size 3", resp["BillingGroups"])

    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(2)
