// The create pages: /console/pricing-rules/new, pricing-plans/new,
// billing-groups/new, custom-line-items/new. The choices (accounts, rules,
// plans, groups) come from the API; what is sent is the API's input.

import { admin, call } from "./api.js";
import { createForm } from "./forms.js";
import { el, idOf } from "./ui.js";

function number(v) {
  return v === undefined ? undefined : Number(v);
}

export async function newPricingRule(ctx) {
  const form = createForm("New pricing rule", [
    { name: "Name", label: "Name", required: true },
    { name: "Description", label: "Description" },
    { name: "Scope", label: "Scope", type: "select", options: [["GLOBAL", "Global"], ["SERVICE", "Service"], ["BILLING_ENTITY", "Billing entity"], ["SKU", "SKU"]] },
    { name: "Type", label: "Type", type: "select", options: [["MARKUP", "Markup"], ["DISCOUNT", "Discount"], ["TIERING", "Tiering"]] },
    { name: "ModifierPercentage", label: "Modifier percentage", type: "number", step: "any", help: "For a markup or a discount." },
    { name: "Service", label: "Service code", help: "For the SERVICE and SKU scopes, e.g. AmazonEC2." },
    { name: "BillingEntity", label: "Billing entity", help: "For the BILLING_ENTITY scope, e.g. AWS Marketplace." },
    { name: "UsageType", label: "Usage type", help: "For the SKU scope." },
    { name: "Operation", label: "Operation", help: "For the SKU scope." },
    { name: "Activated", label: "Free tier activated (tiering)", type: "checkbox" },
    { name: "CustomTiers", label: "Custom tiers (tiering on a SKU)", type: "textarea",
      help: "One tier a line: the usage range and its rate, e.g. “0-1000 0.05” then “1000- 0.02”." },
  ], (v) => {
    const input = { ...v, ModifierPercentage: number(v.ModifierPercentage) };
    delete input.Activated;
    delete input.CustomTiers;
    if (v.Type === "TIERING") {
      input.Tiering = v.CustomTiers ? { CustomTiers: parseTiers(v.CustomTiers) } : { FreeTier: { Activated: v.Activated } };
    }
    return call("CreatePricingRule", input);
  }, (out) => ctx.navigate(`pricing-rules/${idOf(out.Arn)}${ctx.query}`));
  ctx.main.replaceChildren(el("h1", {}, "New pricing rule"), form);
}

export async function newPricingPlan(ctx) {
  const rules = await call("ListPricingRules", { MaxResults: 100 });
  const form = createForm("New pricing plan", [
    { name: "Name", label: "Name", required: true },
    { name: "Description", label: "Description" },
    { name: "PricingRuleArns", label: "Pricing rules", type: "checkboxes",
      options: (rules.PricingRules || []).map((r) => [r.Arn, `${r.Name} (${r.Scope} ${r.Type}${r.ModifierPercentage !== undefined ? " " + r.ModifierPercentage + " %" : ""})`]) },
  ], (v) => call("CreatePricingPlan", v), (out) => ctx.navigate(`pricing-plans/${idOf(out.Arn)}${ctx.query}`));
  ctx.main.replaceChildren(el("h1", {}, "New pricing plan"), form);
}

export async function newBillingGroup(ctx) {
  const [org, plans] = await Promise.all([admin("GET", "/_proforma/accounts"), call("ListPricingPlans", { MaxResults: 100 })]);
  const accounts = (org.accounts || []).map((a) => [a.id, a.name ? `${a.id} — ${a.name}` : a.id]);
  const form = createForm("New billing group", [
    { name: "Name", label: "Name", required: true },
    { name: "Description", label: "Description" },
    { name: "PrimaryAccountId", label: "Primary account", type: "select", options: [["", "—"], ...accounts] },
    { name: "LinkedAccountIds", label: "Accounts", type: "checkboxes", options: accounts },
    { name: "AutoAssociate", label: "Add the organization's new accounts automatically (AutoAssociate)", type: "checkbox" },
    { name: "PricingPlanArn", label: "Pricing plan", type: "select",
      options: [["", "—"], ...(plans.PricingPlans || []).map((p) => [p.Arn, p.Name])] },
  ], (v) => call("CreateBillingGroup", {
    Name: v.Name, Description: v.Description, PrimaryAccountId: v.PrimaryAccountId,
    AccountGrouping: v.AutoAssociate ? { LinkedAccountIds: v.LinkedAccountIds, AutoAssociate: true } : { LinkedAccountIds: v.LinkedAccountIds },
    ComputationPreference: { PricingPlanArn: v.PricingPlanArn },
  }), (out) => ctx.navigate(`billing-groups/${idOf(out.Arn)}${ctx.query}`));
  ctx.main.replaceChildren(el("h1", {}, "New billing group"), form);
}

export async function newCustomLineItem(ctx) {
  const groups = await call("ListBillingGroups", { MaxResults: 100 });
  const form = createForm("New custom line item", [
    { name: "Name", label: "Name", required: true },
    { name: "Description", label: "Description", required: true },
    { name: "BillingGroupArn", label: "Billing group", type: "select",
      options: [["", "—"], ...(groups.BillingGroups || []).map((g) => [g.Arn, g.Name])] },
    { name: "Type", label: "Type", type: "select", options: [["FEE", "Fee"], ["CREDIT", "Credit"]] },
    { name: "Kind", label: "Charge", type: "select", options: [["Flat", "Flat amount (USD)"], ["Percentage", "Percentage of the group's cost"]] },
    { name: "ChargeValue", label: "Value", type: "number", step: "any" },
    { name: "NoNegations", label: "Leave Savings Plan negation lines out of the charge (a line item filter)", type: "checkbox" },
  ], (v) => call("CreateCustomLineItem", {
    Name: v.Name, Description: v.Description, BillingGroupArn: v.BillingGroupArn,
    ChargeDetails: {
      Type: v.Type,
      ...(v.Kind === "Percentage" ? { Percentage: { PercentageValue: number(v.ChargeValue) } } : { Flat: { ChargeValue: number(v.ChargeValue) } }),
      ...(v.NoNegations ? { LineItemFilters: [{ Attribute: "LINE_ITEM_TYPE", MatchOption: "NOT_EQUAL", Values: ["SAVINGS_PLAN_NEGATION"] }] } : {}),
    },
  }), () => ctx.navigate(`custom-line-items${ctx.query}`));
  ctx.main.replaceChildren(el("h1", {}, "New custom line item"), form);
}

// parseTiers reads "begin-end rate" lines (end empty: open-ended) into the
// API's CustomTiers; a line it cannot read is sent as the API would
// refuse it, so the error comes from the API.
export function parseTiers(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
    const m = /^([\d.]+)\s*-\s*([\d.]*)\s+([\d.]+)$/.exec(line);
    if (!m) return { BeginRangeInclusive: -1, RateValue: -1 };
    const tier = { BeginRangeInclusive: Number(m[1]), RateValue: Number(m[3]) };
    if (m[2] !== "") tier.EndRangeExclusive = Number(m[2]);
    return tier;
  });
}
