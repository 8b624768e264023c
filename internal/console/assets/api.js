// The Billing Conductor API and the admin endpoints, called as any client
// calls them: rest-json over fetch, signed with the credentials the user
// gave (kept in this tab's sessionStorage, never sent to the server but in
// signatures). Without credentials the console signs as the demo payer,
// which a permissive server accepts and a strict one refuses.

import { sign } from "./sigv4.js";

const OPERATIONS = {
  ListBillingGroups: ["POST", "/list-billing-groups"],
  ListBillingGroupCostReports: ["POST", "/list-billing-group-cost-reports"],
  GetBillingGroupCostReport: ["POST", "/get-billing-group-cost-report"],
  ListAccountAssociations: ["POST", "/list-account-associations"],
  ListPricingPlans: ["POST", "/list-pricing-plans"],
  ListPricingRules: ["POST", "/list-pricing-rules"],
  ListPricingRulesAssociatedToPricingPlan: ["POST", "/list-pricing-rules-associated-to-pricing-plan"],
  ListCustomLineItems: ["POST", "/list-custom-line-items"],
  CreatePricingRule: ["POST", "/create-pricing-rule"],
  CreatePricingPlan: ["POST", "/create-pricing-plan"],
  CreateBillingGroup: ["POST", "/create-billing-group"],
  CreateCustomLineItem: ["POST", "/create-custom-line-item"],
  UpdatePricingRule: ["PUT", "/update-pricing-rule"],
  UpdatePricingPlan: ["PUT", "/update-pricing-plan"],
  UpdateCustomLineItem: ["POST", "/update-custom-line-item"],
  AssociateAccounts: ["POST", "/associate-accounts"],
  DisassociateAccounts: ["POST", "/disassociate-accounts"],
  DeleteBillingGroup: ["POST", "/delete-billing-group"],
  UpdateBillingGroup: ["POST", "/update-billing-group"],
  DeletePricingPlan: ["POST", "/delete-pricing-plan"],
  DeletePricingRule: ["POST", "/delete-pricing-rule"],
  DeleteCustomLineItem: ["POST", "/delete-custom-line-item"],
  AssociatePricingRules: ["PUT", "/associate-pricing-rules"],
  DisassociatePricingRules: ["PUT", "/disassociate-pricing-rules"],
  ListCustomLineItemVersions: ["POST", "/list-custom-line-item-versions"],
  ListResourcesAssociatedToCustomLineItem: ["POST", "/list-resources-associated-to-custom-line-item"],
  BatchAssociateResourcesToCustomLineItem: ["PUT", "/batch-associate-resources-to-custom-line-item"],
};

export const DEMO_PAYER = "123456789012";

export function credentials() {
  return {
    accessKey: sessionStorage.getItem("proforma.accessKey") || DEMO_PAYER,
    secretKey: sessionStorage.getItem("proforma.secretKey") || "console",
  };
}

export function setCredentials(accessKey, secretKey) {
  sessionStorage.setItem("proforma.accessKey", accessKey);
  sessionStorage.setItem("proforma.secretKey", secretKey);
}

// ApiError is an AWS error answer: its code (ValidationException, …), its
// message and, for validation errors, the fields it names.
export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields || [];
  }
}

async function request(method, path, body) {
  const text = body === undefined ? "" : JSON.stringify(body);
  const { accessKey, secretKey } = credentials();
  const headers = await sign({ method, url: path, body: text, accessKey, secretKey });
  if (text) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: text || undefined });
  const answer = await res.text();
  let data = {};
  try { data = answer ? JSON.parse(answer) : {}; } catch { data = { Message: answer }; }
  if (!res.ok) {
    const code = (res.headers.get("x-amzn-ErrorType") || data.__type || "").split(":")[0].split("#").pop();
    throw new ApiError(res.status, code, data.Message || data.message, data.Fields);
  }
  return data;
}

// whoami is the caller's account, from STS GetCallerIdentity on the same
// port (signed for "sts"): a strict server's key names no account itself.
export async function whoami() {
  const body = "Action=GetCallerIdentity&Version=2011-06-15";
  const { accessKey, secretKey } = credentials();
  const headers = await sign({ method: "POST", url: "/", body, accessKey, secretKey, service: "sts" });
  headers["Content-Type"] = "application/x-www-form-urlencoded";
  const res = await fetch("/", { method: "POST", headers, body });
  const doc = new DOMParser().parseFromString(await res.text(), "application/xml");
  const text = (tag) => doc.getElementsByTagName(tag)[0]?.textContent || "";
  if (!res.ok) throw new ApiError(res.status, text("Code"), text("Message"));
  return text("Account");
}

// apiBase is where the Billing Conductor operations are called: "" for
// live, a scenario's endpoint path (/_proforma/scenarios/<Id>) inside it.
let apiBase = "";

export function setScenario(id) {
  apiBase = id ? `/_proforma/scenarios/${encodeURIComponent(id)}` : "";
}

// call calls a Billing Conductor operation with its input, live or in the
// scenario setScenario chose.
export function call(operation, input = {}) {
  const [method, path] = OPERATIONS[operation];
  return request(method, apiBase + path, input);
}

// admin calls an admin endpoint (/_proforma/…), signed like the API.
export function admin(method, path, body) {
  return request(method, path, body);
}

// upload posts a file to an admin endpoint, signed over its bytes, and
// reports the bytes sent to progress(sent, total); it resolves with the
// answer's JSON, or rejects with an ApiError carrying the server's message.
export async function upload(path, file, progress) {
  const body = await file.arrayBuffer();
  const { accessKey, secretKey } = credentials();
  const headers = await sign({ method: "POST", url: path, body, accessKey, secretKey });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => progress(e.loaded, e.total);
    xhr.onerror = () => reject(new ApiError(0, "NetworkError", "the upload did not reach the server"));
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText || "{}"); } catch { data = { error: xhr.responseText }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, xhr.getResponseHeader("x-amzn-ErrorType") || "ImportFailed", data.error || data.Message || `HTTP ${xhr.status}`));
    };
    xhr.send(body);
  });
}

// pages calls a List operation from token (null: the first page) and
// returns its items (under key) and the next token.
export async function page(operation, key, input, token) {
  const out = await call(operation, token ? { ...input, NextToken: token } : input);
  return { items: out[key] || [], next: out.NextToken || null };
}
