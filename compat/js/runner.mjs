#!/usr/bin/env node
// Runs compat/scenario.json through the AWS SDK for JavaScript v3
// (@aws-sdk/client-billingconductor, client-cloudcontrol and client-sts,
// installed by `npm ci` in this folder)
// against a Proforma server.
//
// Usage: node runner.mjs ENDPOINT [SCENARIO]
//
// Prints the report as JSON on stdout:
//   {"client": "AWS SDK for JavaScript v3", "version": ..., "results": {"Op": {"success", "error", "detail"}}}
// and one line per step on stderr. The scenario rules are those of
// compat/scenario_test.go (stated in scenario.json's "about"); keep them in step.
//
// Errors are read the way a JavaScript program reads them: the thrown error is
// an instance of the modeled exception class exported by the package,
// err.name is the code, err.$metadata.httpStatusCode the status, and the
// modeled members are properties: err.Reason, err.Fields.

import { readFileSync } from "node:fs";
import * as bc from "@aws-sdk/client-billingconductor";
import * as cloudcontrol from "@aws-sdk/client-cloudcontrol";
import * as sts from "@aws-sdk/client-sts";

// The package and client class of each service a step may name (default
// billingconductor).
const SERVICES = {
  billingconductor: { module: bc, Client: bc.BillingconductorClient },
  cloudcontrol: { module: cloudcontrol, Client: cloudcontrol.CloudControlClient },
  sts: { module: sts, Client: sts.STSClient },
};
const DEFAULT_SERVICE = "billingconductor";

const PASS = "pass", FAIL = "fail", NOT_IN_CLIENT = "not in client";
const VAR_REF = /\$\{([A-Za-z0-9_]+)\}/g;
const SEGMENT = /^([^[\]]+)((?:\[[0-9]+\])*)$/;
const ABSENT = Symbol("absent");

class StepError extends Error {}

function substitute(v, vars) {
  if (typeof v === "string") {
    return v.replace(VAR_REF, (_, name) => {
      if (!(name in vars)) throw new StepError(`undefined variable \${${name}} (the step that saves it failed)`);
      return vars[name];
    });
  }
  if (Array.isArray(v)) return v.map((e) => substitute(e, vars));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, substitute(e, vars)]));
  }
  return v;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

function lookup(v, path) {
  if (path.startsWith("len(") && path.endsWith(")")) {
    const x = lookup(v, path.slice(4, -1));
    if (x === ABSENT || x === null || x === undefined) return 0;
    if (Array.isArray(x)) return x.length;
    if (isObject(x)) return Object.keys(x).length;
    return ABSENT;
  }
  let cur = v;
  for (const seg of path.split(".")) {
    const m = SEGMENT.exec(seg);
    if (!m || !isObject(cur) || !(m[1] in cur) || cur[m[1]] === undefined) return ABSENT;
    cur = cur[m[1]];
    for (const idx of m[2].match(/[0-9]+/g) || []) {
      const i = Number(idx);
      if (!Array.isArray(cur) || i >= cur.length) return ABSENT;
      cur = cur[i];
    }
  }
  return cur;
}

function equal(want, got) {
  if (want === null) return got === ABSENT || got === null || got === undefined;
  if (got === ABSENT) return false;
  if (typeof want === "number" || typeof got === "number") {
    return typeof want === "number" && typeof got === "number" && want === got;
  }
  return JSON.stringify(want) === JSON.stringify(got);
}

function show(v) {
  return v === ABSENT ? "absent" : JSON.stringify(v);
}

function clean(out) {
  const copy = { ...out };
  delete copy.$metadata;
  return copy;
}

async function runStep(clients, step, vars) {
  const service = step.service ?? DEFAULT_SERVICE;
  const mod = SERVICES[service].module;
  const client = clients[service];
  const Command = mod[`${step.op}Command`];
  if (typeof Command !== "function") return { notIn: true };
  let params;
  try {
    params = substitute(step.params, vars);
  } catch (e) {
    return { problem: e.message };
  }
  const wantErr = step.error;
  let out;
  try {
    out = await client.send(new Command(params));
  } catch (err) {
    if (!err || !err.$metadata) return { problem: `${err && err.name}: ${err && err.message}` };
    const code = err.name;
    const status = err.$metadata.httpStatusCode;
    const message = err.message || "";
    if (!wantErr) return { problem: `failed: ${code} (HTTP ${status}, Reason ${JSON.stringify(err.Reason)}): ${message}` };
    const problems = [];
    if (code !== wantErr.code) problems.push(`error code ${code}, want ${wantErr.code} (message ${JSON.stringify(message)})`);
    if (status !== wantErr.status) problems.push(`HTTP status ${status}, want ${wantErr.status}`);
    if (wantErr.reason && err.Reason !== wantErr.reason) {
      problems.push(`Reason ${JSON.stringify(err.Reason)}, want ${JSON.stringify(wantErr.reason)}`);
    }
    if (wantErr.field) {
      const fields = (err.Fields || []).map((f) => f.Name);
      if (!fields.includes(wantErr.field)) {
        problems.push(`Fields ${JSON.stringify(fields)}, want ${JSON.stringify(wantErr.field)} among them`);
      }
    }
    if (!message.trim()) problems.push("empty error message");
    const Modeled = mod[code];
    if (code === wantErr.code && (typeof Modeled !== "function" || !(err instanceof Modeled))) {
      problems.push(`not thrown as the modeled class ${code} (got ${err.constructor && err.constructor.name})`);
    }
    return { problem: problems.join("; ") };
  }
  if (wantErr) return { problem: `succeeded, want ${wantErr.code}` };
  const output = clean(out);
  const problems = [];
  for (const path of Object.keys(step.expect || {}).sort()) {
    let want;
    try {
      want = substitute(step.expect[path], vars);
    } catch (e) {
      problems.push(e.message);
      continue;
    }
    const got = lookup(output, path);
    if (!equal(want, got)) problems.push(`${path} = ${show(got)}, want ${show(want)}`);
  }
  for (const name of Object.keys(step.save || {}).sort()) {
    const v = lookup(output, step.save[name]);
    if (typeof v !== "string" || v === "") {
      problems.push(`save ${name}: ${step.save[name]} is ${show(v)}, not a string`);
      continue;
    }
    vars[name] = v;
  }
  return { problem: problems.join("; ") };
}

async function main() {
  const [endpoint, scenarioPath = new URL("../scenario.json", import.meta.url)] = process.argv.slice(2);
  if (!endpoint) {
    console.error("usage: node runner.mjs ENDPOINT [SCENARIO]");
    return 2;
  }
  const scenario = JSON.parse(readFileSync(scenarioPath, "utf8"));
  const pkg = JSON.parse(
    readFileSync(new URL("./node_modules/@aws-sdk/client-billingconductor/package.json", import.meta.url), "utf8"),
  );
  const clients = Object.fromEntries(
    Object.entries(SERVICES).map(([name, { Client }]) => [
      name,
      new Client({
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "123456789012", secretAccessKey: "compat-secret" },
        maxAttempts: 1,
      }),
    ]),
  );
  const results = {};
  const details = {};
  const vars = {};
  for (const [i, step] of scenario.steps.entries()) {
    const n = i + 1;
    const kind = step.error ? "error" : "success";
    const res = (results[step.op] ??= { success: "", error: "" });
    if (res.success === NOT_IN_CLIENT) continue;
    const { problem, notIn } = await runStep(clients, step, vars);
    if (notIn) {
      res.success = res.error = NOT_IN_CLIENT;
      console.error(`step ${n} ${step.op}: not in client`);
      continue;
    }
    if (problem) {
      (details[step.op] ??= []).push(`step ${n} (${kind}): ${problem}`);
      console.error(`step ${n} ${step.op} (${kind}): FAIL ${problem}`);
    } else {
      console.error(`step ${n} ${step.op} (${kind}): ok`);
    }
    res[kind] = problem || res[kind] === FAIL ? FAIL : PASS;
  }
  for (const [op, d] of Object.entries(details)) results[op].detail = d.join("; ");
  const report = { client: "AWS SDK for JavaScript v3", version: `${pkg.name} ${pkg.version}`, results };
  process.stdout.write(JSON.stringify(report) + "\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
