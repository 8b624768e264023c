#!/usr/bin/env python3
"""Runs compat/scenario.json through boto3 against a Proforma server (a client
per service a step names: billingconductor, cloudcontrol, sts).

Usage: boto3_runner.py ENDPOINT [SCENARIO]

Prints the report as JSON on stdout:
  {"client": "boto3", "version": ..., "results": {"Op": {"success", "error", "detail"}}}
and one line per step on stderr. The scenario rules are those of
compat/scenario_test.go (stated in scenario.json's "about"); keep them in step.

Errors are read the way a boto3 program reads them: a ClientError (raised as
the modeled class client.exceptions.<Code>), e.response["Error"]["Code"] and
["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"], and the modeled
members botocore puts at the top level of e.response: "Reason", "Fields".
"""

import json
import os
import re
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

PASS, FAIL, NOT_IN_CLIENT = "pass", "fail", "not in client"
VAR_REF = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
SEGMENT = re.compile(r"^([^\[\]]+)((?:\[[0-9]+\])*)$")
DEFAULT_SERVICE = "billingconductor"  # of a step that names no service
SERVICES = ("billingconductor", "cloudcontrol", "sts")


class StepError(Exception):
    pass


def substitute(v, variables):
    if isinstance(v, str):
        def repl(m):
            if m.group(1) not in variables:
                raise StepError("undefined variable ${%s} (the step that saves it failed)" % m.group(1))
            return variables[m.group(1)]
        return VAR_REF.sub(repl, v)
    if isinstance(v, dict):
        return {k: substitute(e, variables) for k, e in v.items()}
    if isinstance(v, list):
        return [substitute(e, variables) for e in v]
    return v


_ABSENT = object()


def lookup(v, path):
    if path.startswith("len(") and path.endswith(")"):
        x = lookup(v, path[4:-1])
        if x is _ABSENT or x is None:
            return 0
        if isinstance(x, (list, dict)):
            return len(x)
        return _ABSENT
    cur = v
    for seg in path.split("."):
        m = SEGMENT.match(seg)
        if m is None or not isinstance(cur, dict) or m.group(1) not in cur:
            return _ABSENT
        cur = cur[m.group(1)]
        for idx in re.findall(r"[0-9]+", m.group(2)):
            i = int(idx)
            if not isinstance(cur, list) or i >= len(cur):
                return _ABSENT
            cur = cur[i]
    return cur


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def equal(want, got):
    if want is None:
        return got is _ABSENT or got is None
    if got is _ABSENT:
        return False
    if is_number(want) or is_number(got):
        return is_number(want) and is_number(got) and float(want) == float(got)
    return want == got


def show(v):
    if v is _ABSENT:
        return "absent"
    return json.dumps(v, default=str, sort_keys=True)


def run_step(clients, step, variables):
    """Returns (problem, not_in_client); problem is "" when the step behaved."""
    op = step["op"]
    client = clients[step.get("service", DEFAULT_SERVICE)]
    if op not in client.meta.service_model.operation_names:
        return "", True
    try:
        params = substitute(step["params"], variables)
    except StepError as e:
        return str(e), False
    method = getattr(client, botocore.xform_name(op))
    want_err = step.get("error")
    try:
        out = method(**params)
    except ClientError as e:
        r = e.response
        code = r.get("Error", {}).get("Code")
        message = r.get("Error", {}).get("Message") or ""
        status = r.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if want_err is None:
            return "failed: %s (HTTP %s, Reason %r): %s" % (code, status, r.get("Reason"), message), False
        problems = []
        if code != want_err["code"]:
            problems.append("error code %s, want %s (message %r)" % (code, want_err["code"], message))
        if status != want_err["status"]:
            problems.append("HTTP status %s, want %s" % (status, want_err["status"]))
        if want_err.get("reason") and r.get("Reason") != want_err["reason"]:
            problems.append("Reason %r, want %r" % (r.get("Reason"), want_err["reason"]))
        if want_err.get("field"):
            fields = [f.get("Name") for f in r.get("Fields") or []]
            if want_err["field"] not in fields:
                problems.append("Fields %r, want %r among them" % (fields, want_err["field"]))
        if not message.strip():
            problems.append("empty error message")
        modeled = getattr(client.exceptions, code or "", None)
        if code == want_err["code"] and (modeled is None or not isinstance(e, modeled)):
            problems.append("not raised as client.exceptions.%s (got %s)" % (code, type(e).__name__))
        return "; ".join(problems), False
    except Exception as e:  # anything else is a failure of the step, not of the runner
        return "%s: %s" % (type(e).__name__, e), False
    if want_err is not None:
        return "succeeded, want %s" % want_err["code"], False
    out.pop("ResponseMetadata", None)
    problems = []
    for path in sorted(step.get("expect") or {}):
        try:
            want = substitute(step["expect"][path], variables)
        except StepError as e:
            problems.append(str(e))
            continue
        got = lookup(out, path)
        if not equal(want, got):
            problems.append("%s = %s, want %s" % (path, show(got), show(want)))
    for name in sorted(step.get("save") or {}):
        v = lookup(out, step["save"][name])
        if not isinstance(v, str) or not v:
            problems.append("save %s: %s is %s, not a string" % (name, step["save"][name], show(v)))
            continue
        variables[name] = v
    return "; ".join(problems), False


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    endpoint = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenario.json")
    with open(path) as f:
        scenario = json.load(f)
    clients = {
        service: boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="123456789012",
            aws_secret_access_key="compat-secret",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        for service in SERVICES
    }
    results, details, variables = {}, {}, {}
    for n, step in enumerate(scenario["steps"], 1):
        op = step["op"]
        kind = "error" if "error" in step else "success"
        res = results.setdefault(op, {"success": "", "error": ""})
        if res["success"] == NOT_IN_CLIENT:
            continue
        problem, not_in = run_step(clients, step, variables)
        if not_in:
            res["success"] = res["error"] = NOT_IN_CLIENT
            print("step %d %s: not in client" % (n, op), file=sys.stderr)
            continue
        if problem:
            details.setdefault(op, []).append("step %d (%s): %s" % (n, kind, problem))
            print("step %d %s (%s): FAIL %s" % (n, op, kind, problem), file=sys.stderr)
        else:
            print("step %d %s (%s): ok" % (n, op, kind), file=sys.stderr)
        res[kind] = FAIL if problem or res[kind] == FAIL else PASS
    for op, d in details.items():
        results[op]["detail"] = "; ".join(d)
    report = {
        "client": "boto3",
        "version": "boto3 %s (botocore %s)" % (boto3.__version__, botocore.__version__),
        "results": results,
    }
    json.dump(report, sys.stdout, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
