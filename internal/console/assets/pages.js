// The console's pages. Each takes the route's context — {params, period,
// main, account} — and renders into main from API calls only.

import { ApiError, admin, call, page } from "./api.js";
import { marginChart, previousPeriods } from "./chart.js";
import { createForm as editForm } from "./forms.js";
import { el, link, money, table, errorBox, idOf, periodInput } from "./ui.js";

const PAGE_SIZE = 25;


function withPeriod(ctx, input) {
  return ctx.period ? { ...input, BillingPeriod: ctx.period } : input;
}

// pager renders a List operation page by page (server-side pagination):
// render(items) draws one page; Previous goes back through the tokens seen.
async function pager(ctx, operation, key, input, render) {
  const tokens = [null];
  const holder = el("div");
  const show = async (i) => {
    const { items, next } = await page(operation, key, { ...input, MaxResults: PAGE_SIZE }, tokens[i]);
    tokens[i + 1] = next;
    const body = await render(items);
    holder.replaceChildren(body, el("div", { class: "pager" },
      el("button", { type: "button", disabled: i === 0, onclick: () => show(i - 1).catch(fail) }, "Previous"),
      el("span", { class: "muted" }, `Page ${i + 1}`),
      el("button", { type: "button", disabled: !next, onclick: () => show(i + 1).catch(fail) }, "Next")));
  };
  const fail = (err) => holder.replaceChildren(errorBox(err));
  await show(0);
  return holder;
}

// costsOf are the cost reports of groups, by ARN; {} when the period has
// none (no usage engine, or a period out of range: the error is shown).
async function costsOf(ctx, arns, onError) {
  if (arns.length === 0) return {};
  try {
    const out = await call("ListBillingGroupCostReports", withPeriod(ctx, { Filters: { BillingGroupArns: arns } }));
    return Object.fromEntries((out.BillingGroupCostReports || []).map((r) => [r.Arn, r]));
  } catch (err) {
    onError(err);
    return {};
  }
}

// planNames are the names of pricing plans, by ARN (one call for a page).
async function planNames(ctx, arns) {
  const unique = [...new Set(arns.filter(Boolean))];
  if (unique.length === 0) return {};
  const out = await call("ListPricingPlans", withPeriod(ctx, { Filters: { Arns: unique } }));
  return Object.fromEntries((out.PricingPlans || []).map((p) => [p.Arn, p.Name]));
}

export async function billingGroups(ctx) {
  const note = el("div");
  const name = new URLSearchParams(location.search).get("name") || "";
  const filter = name ? { Filters: { Names: [{ SearchOption: "STARTS_WITH", SearchValue: name }] } } : {};
  const search = el("form", { role: "search", class: "search", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams(location.search);
    const v = e.target.elements.name.value.trim();
    if (v) q.set("name", v); else q.delete("name");
    ctx.navigate(`billing-groups${q.size ? "?" + q : ""}`);
  } }, el("label", {}, "Name starts with ", el("input", { type: "search", name: "name", value: name })), " ", el("button", { type: "submit" }, "Find"));
  const list = await pager(ctx, "ListBillingGroups", "BillingGroups", withPeriod(ctx, filter), async (groups) => {
    const costs = await costsOf(ctx, groups.map((g) => g.Arn), (err) => note.replaceChildren(errorBox(err)));
    const plans = await planNames(ctx, groups.map((g) => g.ComputationPreference?.PricingPlanArn));
    const plan = (g) => g.ComputationPreference?.PricingPlanArn;
    return table("Billing groups", [
      { title: "Name", cell: (g) => link(`${ctx.prefix}billing-groups/${idOf(g.Arn)}${ctx.query}`, g.Name) },
      { title: "Status", cell: (g) => g.Status },
      { title: "Primary account", cell: (g) => g.PrimaryAccountId },
      { title: "Accounts", num: true, cell: (g) => g.Size },
      { title: "Pricing plan", cell: (g) => link(`${ctx.prefix}pricing-plans/${idOf(plan(g))}${ctx.query}`, plans[plan(g)] || idOf(plan(g))) },
      { title: "AWS cost", num: true, cell: (g) => money(costs[g.Arn]?.AWSCost) },
      { title: "Pro forma cost", num: true, cell: (g) => money(costs[g.Arn]?.ProformaCost) },
      { title: "Margin", num: true, cell: (g) => money(costs[g.Arn]?.Margin) },
    ], groups);
  });
  ctx.main.replaceChildren(el("h1", {}, "Billing groups"), el("div", { class: "toolbar" }, periodInput(ctx), search, link(`${ctx.prefix}billing-groups/new${ctx.query}`, "New billing group")), note, list);
}

export async function billingGroup(ctx) {
  const arn = `arn:aws:billingconductor::${ctx.account}:billinggroup/${ctx.params.id}`;
  const out = await call("ListBillingGroups", withPeriod(ctx, { Filters: { Arns: [arn] } }));
  const g = (out.BillingGroups || [])[0];
  if (!g) {
    ctx.main.replaceChildren(el("h1", {}, "Billing group"), el("p", { class: "error", role: "alert" }, `No billing group ${ctx.params.id} in this period.`));
    return;
  }
  const note = el("div");
  const cost = (await costsOf(ctx, [arn], (err) => note.replaceChildren(errorBox(err))))[arn];
  const actions = el("div");
  const act = (operation, input, then) => async () => {
    try {
      await call(operation, input);
      then();
    } catch (err) {
      actions.replaceChildren(errorBox(err));
    }
  };
  const reload = () => ctx.navigate(`billing-groups/${ctx.params.id}${ctx.query}`);
  const accounts = await pager(ctx, "ListAccountAssociations", "LinkedAccounts", withPeriod(ctx, { Filters: { Association: arn } }),
    async (items) => table("Accounts", [
      { title: "Account", cell: (a) => a.AccountId },
      { title: "Name", cell: (a) => a.AccountName || "" },
      { title: "Email", cell: (a) => a.AccountEmail || "" },
      { title: "", cell: (a) => el("button", { type: "button", onclick: act("DisassociateAccounts", { Arn: arn, AccountIds: [a.AccountId] }, reload) },
        `Remove ${a.AccountId}`) },
    ], items));
  const free = await call("ListAccountAssociations", { Filters: { Association: "UNMONITORED" }, MaxResults: 100 }).catch(() => ({}));
  const add = editForm("Add accounts", [
    { name: "AccountIds", label: "Accounts in no billing group", type: "checkboxes",
      options: (free.LinkedAccounts || []).map((a) => [a.AccountId, a.AccountName ? `${a.AccountId} — ${a.AccountName}` : a.AccountId]) },
  ], (v) => call("AssociateAccounts", { Arn: arn, AccountIds: v.AccountIds || [] }), reload);
  const remove = el("button", { type: "button", class: "danger",
    onclick: act("DeleteBillingGroup", { Arn: arn }, () => ctx.navigate(`billing-groups${ctx.query}`)) }, "Delete this billing group");
  const allPlans = await call("ListPricingPlans", { MaxResults: 100 });
  const edit = editForm("Edit billing group", [
    { name: "Name", label: "Name", value: g.Name },
    { name: "Description", label: "Description", value: g.Description || "" },
    { name: "PricingPlanArn", label: "Pricing plan", type: "select",
      options: (allPlans.PricingPlans || []).map((p) => [p.Arn, p.Name]), selected: g.ComputationPreference?.PricingPlanArn },
  ], (v) => call("UpdateBillingGroup", { Arn: arn, Name: v.Name, Description: v.Description ?? "",
    ComputationPreference: { PricingPlanArn: v.PricingPlanArn } }), reload);
  const plan = g.ComputationPreference?.PricingPlanArn;
  const plans = await planNames(ctx, [plan]);
  const analysis = await marginAnalysis(ctx, g);
  ctx.main.replaceChildren(
    el("h1", {}, g.Name),
    el("div", { class: "toolbar" }, periodInput(ctx)),
    note,
    el("dl", { class: "facts" },
      el("dt", {}, "ARN"), el("dd", {}, g.Arn),
      el("dt", {}, "Status"), el("dd", {}, g.Status + (g.StatusReason ? ` (${g.StatusReason})` : "")),
      el("dt", {}, "Description"), el("dd", {}, g.Description || ""),
      el("dt", {}, "Primary account"), el("dd", {}, g.PrimaryAccountId),
      el("dt", {}, "Pricing plan"), el("dd", {}, plan ? link(`${ctx.prefix}pricing-plans/${idOf(plan)}${ctx.query}`, plans[plan] || idOf(plan)) : ""),
      el("dt", {}, "AutoAssociate"), el("dd", {}, g.AccountGrouping?.AutoAssociate ? "yes" : "no"),
      el("dt", {}, "AWS cost"), el("dd", {}, money(cost?.AWSCost)),
      el("dt", {}, "Pro forma cost"), el("dd", {}, money(cost?.ProformaCost)),
      el("dt", {}, "Margin"), el("dd", {}, money(cost?.Margin))),
    analysis,
    el("h2", {}, "Accounts"), actions, accounts,
    el("h2", {}, "Add accounts"), add,
    el("h2", {}, "Edit"), edit,
    el("h2", {}, "Delete"), remove);
}

// marginAnalysis is a group's 13 months up to the period (AWS cost, pro
// forma cost, margin: one ListBillingGroupCostReports a month, a month
// without a report left out) and its cost by service in the period
// (GetBillingGroupCostReport by PRODUCT_NAME).
async function marginAnalysis(ctx, g) {
  const period = ctx.period || ctx.scenario?.BillingPeriod || (await admin("GET", "/_proforma/clock")).billingPeriod;
  const months = await Promise.all(previousPeriods(period, 13).map(async (p) => {
    try {
      const out = await call("ListBillingGroupCostReports", { BillingPeriod: p, Filters: { BillingGroupArns: [g.Arn] } });
      return { period: p, report: (out.BillingGroupCostReports || [])[0] || null };
    } catch {
      return { period: p, report: null }; // a month the group or the API does not cover
    }
  }));
  let services = [];
  let note = "";
  try {
    const out = await call("GetBillingGroupCostReport", { Arn: g.Arn, GroupBy: ["PRODUCT_NAME"],
      BillingPeriodRange: { InclusiveStartBillingPeriod: period, ExclusiveEndBillingPeriod: nextPeriod(period) } });
    services = out.BillingGroupCostReportResults || [];
  } catch (err) {
    note = errorBox(err);
  }
  return el("section", { "aria-label": "Margin analysis" },
    el("h2", {}, "Margin analysis"),
    marginChart(`${g.Name}: AWS cost, pro forma cost and margin, ${previousPeriods(period, 13)[0]} to ${period}`, months),
    el("h2", {}, `By service, ${period}`), note,
    table("Cost by service", [
      { title: "Service", cell: (r) => (r.Attributes || []).find((a) => a.Key === "PRODUCT_NAME")?.Value || "" },
      { title: "AWS cost", num: true, cell: (r) => money(r.AWSCost) },
      { title: "Pro forma cost", num: true, cell: (r) => money(r.ProformaCost) },
      { title: "Margin", num: true, cell: (r) => money(r.Margin) },
    ], services));
}

function nextPeriod(period) {
  let [y, m] = period.split("-").map(Number);
  if (++m === 13) { m = 1; y++; }
  return `${y}-${String(m).padStart(2, "0")}`;
}

export async function pricingPlans(ctx) {
  const list = await pager(ctx, "ListPricingPlans", "PricingPlans", withPeriod(ctx, {}), async (plans) => table("Pricing plans", [
    { title: "Name", cell: (p) => link(`${ctx.prefix}pricing-plans/${idOf(p.Arn)}${ctx.query}`, p.Name) },
    { title: "Rules", num: true, cell: (p) => p.Size },
    { title: "Description", cell: (p) => p.Description || "" },
  ], plans));
  ctx.main.replaceChildren(el("h1", {}, "Pricing plans"), el("div", { class: "toolbar" }, periodInput(ctx), link(`${ctx.prefix}pricing-plans/new${ctx.query}`, "New pricing plan")), list);
}

export async function pricingPlan(ctx) {
  const arn = `arn:aws:billingconductor::${ctx.account}:pricingplan/${ctx.params.id}`;
  const out = await call("ListPricingPlans", withPeriod(ctx, { Filters: { Arns: [arn] } }));
  const p = (out.PricingPlans || [])[0];
  if (!p) {
    ctx.main.replaceChildren(el("h1", {}, "Pricing plan"), el("p", { class: "error", role: "alert" }, `No pricing plan ${ctx.params.id} in this period.`));
    return;
  }
  const actions = el("div");
  const reload = () => ctx.navigate(`pricing-plans/${ctx.params.id}${ctx.query}`);
  const all = await call("ListPricingRules", { MaxResults: 100 });
  const names = Object.fromEntries((all.PricingRules || []).map((r) => [r.Arn, r.Name]));
  const rules = await pager(ctx, "ListPricingRulesAssociatedToPricingPlan", "PricingRuleArns", withPeriod(ctx, { PricingPlanArn: arn }),
    async (arns) => table("Rules of the plan", [
      { title: "Rule", cell: (a) => link(`${ctx.prefix}pricing-rules/${idOf(a)}${ctx.query}`, names[a] || idOf(a)) },
      { title: "", cell: (a) => el("button", { type: "button", onclick: async () => {
        try {
          await call("DisassociatePricingRules", { Arn: arn, PricingRuleArns: [a] });
          reload();
        } catch (err) {
          actions.replaceChildren(errorBox(err));
        }
      } }, `Remove ${names[a] || idOf(a)}`) },
    ], arns));
  const add = editForm("Add rules", [
    { name: "PricingRuleArns", label: "Pricing rules", type: "checkboxes",
      options: (all.PricingRules || []).map((r) => [r.Arn, `${r.Name} (${r.Scope} ${r.Type})`]) },
  ], (v) => call("AssociatePricingRules", { Arn: arn, PricingRuleArns: v.PricingRuleArns || [] }), reload);
  ctx.main.replaceChildren(el("h1", {}, p.Name), el("div", { class: "toolbar" }, periodInput(ctx)),
    el("dl", { class: "facts" }, el("dt", {}, "ARN"), el("dd", {}, p.Arn), el("dt", {}, "Description"), el("dd", {}, p.Description || ""),
      el("dt", {}, "Rules"), el("dd", {}, String(p.Size))),
    el("h2", {}, "Rules"), actions, rules, el("h2", {}, "Add rules"), add,
    el("h2", {}, "Edit"), editForm("Edit pricing plan", [
      { name: "Name", label: "Name", value: p.Name },
      { name: "Description", label: "Description", value: p.Description || "" },
    ], (v) => call("UpdatePricingPlan", { Arn: arn, Name: v.Name, Description: v.Description ?? "" }), reload),
    el("h2", {}, "Delete"), deleteButton(ctx, "DeletePricingPlan", arn, "Delete this pricing plan", "pricing-plans"));
}

function ruleColumns(ctx) {
  return [
    { title: "Name", cell: (r) => link(`${ctx.prefix}pricing-rules/${idOf(r.Arn)}${ctx.query}`, r.Name) },
    { title: "Scope", cell: (r) => r.Scope },
    { title: "Type", cell: (r) => r.Type },
    { title: "Modifier %", num: true, cell: (r) => (r.ModifierPercentage ?? "") + "" },
    { title: "Target", cell: (r) => [r.Service, r.UsageType, r.Operation, r.BillingEntity].filter(Boolean).join(" / ") },
    { title: "Plans", num: true, cell: (r) => r.AssociatedPricingPlanCount },
  ];
}

export async function pricingRules(ctx) {
  const list = await pager(ctx, "ListPricingRules", "PricingRules", withPeriod(ctx, {}), async (rules) => table("Pricing rules", ruleColumns(ctx), rules));
  ctx.main.replaceChildren(el("h1", {}, "Pricing rules"), el("div", { class: "toolbar" }, periodInput(ctx), link(`${ctx.prefix}pricing-rules/new${ctx.query}`, "New pricing rule")), list);
}

export async function pricingRule(ctx) {
  const arn = `arn:aws:billingconductor::${ctx.account}:pricingrule/${ctx.params.id}`;
  const out = await call("ListPricingRules", withPeriod(ctx, { Filters: { Arns: [arn] } }));
  const r = (out.PricingRules || [])[0];
  if (!r) {
    ctx.main.replaceChildren(el("h1", {}, "Pricing rule"), el("p", { class: "error", role: "alert" }, `No pricing rule ${ctx.params.id} in this period.`));
    return;
  }
  const edit = editForm("Edit pricing rule", [
    { name: "Name", label: "Name", value: r.Name },
    { name: "Description", label: "Description", value: r.Description || "" },
    ...(r.Type === "TIERING" ? [] : [{ name: "ModifierPercentage", label: "Modifier percentage", type: "number", step: "any", value: String(r.ModifierPercentage ?? "") }]),
  ], (v) => call("UpdatePricingRule", { Arn: r.Arn, Name: v.Name, Description: v.Description ?? "",
    ModifierPercentage: v.ModifierPercentage === undefined ? undefined : Number(v.ModifierPercentage) }),
  () => ctx.navigate(`pricing-rules/${ctx.params.id}${ctx.query}`));
  ctx.main.replaceChildren(el("h1", {}, r.Name), el("div", { class: "toolbar" }, periodInput(ctx)), table("Pricing rule", ruleColumns(ctx), [r]),
    el("dl", { class: "facts" }, el("dt", {}, "ARN"), el("dd", {}, r.Arn), el("dt", {}, "Description"), el("dd", {}, r.Description || ""),
      el("dt", {}, "Free tier"), el("dd", {}, r.Tiering?.FreeTier ? (r.Tiering.FreeTier.Activated ? "activated" : "deactivated") : ""),
      el("dt", {}, "Custom tiers"), el("dd", {}, (r.Tiering?.CustomTiers || [])
        .map((t) => `${t.BeginRangeInclusive}–${t.EndRangeExclusive ?? "∞"} at ${t.RateValue}`).join("; ") || "none")),
    el("h2", {}, "Edit"), edit,
    el("h2", {}, "Delete"), deleteButton(ctx, "DeletePricingRule", arn, "Delete this pricing rule", "pricing-rules"));
}

export async function customLineItems(ctx) {
  const list = await pager(ctx, "ListCustomLineItems", "CustomLineItems", withPeriod(ctx, {}), async (items) => table("Custom line items", [
    { title: "Name", cell: (i) => link(`${ctx.prefix}custom-line-items/${idOf(i.Arn)}${ctx.query}`, i.Name) },
    { title: "Billing group", cell: (i) => link(`${ctx.prefix}billing-groups/${idOf(i.BillingGroupArn)}${ctx.query}`, idOf(i.BillingGroupArn)) },
    { title: "Type", cell: (i) => i.ChargeDetails?.Type },
    { title: "Charge", num: true, cell: (i) => charge(i.ChargeDetails) },
    { title: "Description", cell: (i) => i.Description || "" },
  ], items));
  ctx.main.replaceChildren(el("h1", {}, "Custom line items"), el("div", { class: "toolbar" }, periodInput(ctx), link(`${ctx.prefix}custom-line-items/new${ctx.query}`, "New custom line item")), list);
}

// charge renders an item's charge: a flat amount or a percentage.
function charge(c) {
  return c?.Flat ? money(String(c.Flat.ChargeValue)) : `${c?.Percentage?.PercentageValue ?? ""} %`;
}

export async function customLineItem(ctx) {
  const arn = `arn:aws:billingconductor::${ctx.account}:customlineitem/${ctx.params.id}`;
  const out = await call("ListCustomLineItems", withPeriod(ctx, { Filters: { Arns: [arn] } }));
  const it = (out.CustomLineItems || [])[0];
  if (!it) {
    ctx.main.replaceChildren(el("h1", {}, "Custom line item"), el("p", { class: "error", role: "alert" }, `No custom line item ${ctx.params.id} in this period.`));
    return;
  }
  const c = it.ChargeDetails || {};
  const filters = (c.LineItemFilters || []).map((f) => `${f.Attribute} ${f.MatchOption} ${(f.Values || []).join(", ")}`).join("; ");
  const resources = c.Percentage
    ? await pager(ctx, "ListResourcesAssociatedToCustomLineItem", "AssociatedResources", withPeriod(ctx, { Arn: arn }),
      async (items) => table("Associated resources", [
        { title: "Resource", cell: (r) => r.Arn },
        { title: "Relationship", cell: (r) => r.Relationship || "" },
        { title: "Until", cell: (r) => r.EndBillingPeriod || "" },
      ], items))
    : el("p", { class: "muted" }, "A flat item has no associated resources.");
  let associate = "";
  if (c.Percentage) {
    // A percentage item charges a share of its group and/or of the group's flat items.
    const flats = await call("ListCustomLineItems", withPeriod(ctx, { Filters: { BillingGroups: [it.BillingGroupArn] } }));
    const options = [[it.BillingGroupArn, `the billing group ${idOf(it.BillingGroupArn)}`],
      ...(flats.CustomLineItems || []).filter((f) => f.ChargeDetails?.Flat).map((f) => [f.Arn, `the flat item ${f.Name}`])];
    associate = editForm("Add resources", [{ name: "ResourceArns", label: "Resources", type: "checkboxes", options }], async (v) => {
      const out = await call("BatchAssociateResourcesToCustomLineItem", { TargetArn: arn, ResourceArns: v.ResourceArns || [] });
      const failed = out.FailedAssociatedResources || [];
      if (failed.length) throw new ApiError(400, "AssociationFailed", failed.map((f) => `${f.Arn}: ${f.Error?.Message || f.Error?.Reason}`).join("; "));
      return out;
    }, () => ctx.navigate(`custom-line-items/${ctx.params.id}${ctx.query}`));
  }
  const versions = await pager(ctx, "ListCustomLineItemVersions", "CustomLineItemVersions", { Arn: arn },
    async (items) => table("Versions", [
      { title: "From", cell: (v) => v.StartBillingPeriod },
      { title: "Until", cell: (v) => v.EndBillingPeriod || "" },
      { title: "Name", cell: (v) => v.Name },
      { title: "Type", cell: (v) => v.ChargeDetails?.Type },
      { title: "Charge", num: true, cell: (v) => charge(v.ChargeDetails) },
      { title: "Billing group", cell: (v) => idOf(v.BillingGroupArn) },
    ], items));
  ctx.main.replaceChildren(el("h1", {}, it.Name), el("div", { class: "toolbar" }, periodInput(ctx)),
    el("dl", { class: "facts" },
      el("dt", {}, "ARN"), el("dd", {}, it.Arn),
      el("dt", {}, "Description"), el("dd", {}, it.Description || ""),
      el("dt", {}, "Billing group"), el("dd", {}, link(`${ctx.prefix}billing-groups/${idOf(it.BillingGroupArn)}${ctx.query}`, idOf(it.BillingGroupArn))),
      el("dt", {}, "Type"), el("dd", {}, c.Type || ""),
      el("dt", {}, "Charge"), el("dd", {}, charge(c)),
      el("dt", {}, "Line item filters"), el("dd", {}, filters || "none"),
      el("dt", {}, "Account"), el("dd", {}, it.AccountId || ""),
      el("dt", {}, "Computation"), el("dd", {}, it.ComputationRule || "")),
    el("h2", {}, "Associated resources"), resources, associate,
    el("h2", {}, "Version history"), versions,
    el("h2", {}, "Edit"), editForm("Edit custom line item", [
      { name: "Name", label: "Name", value: it.Name },
      { name: "Description", label: "Description", value: it.Description || "" },
      { name: "ChargeValue", label: c.Flat ? "Flat amount (USD)" : "Percentage", type: "number", step: "any",
        value: String(c.Flat ? c.Flat.ChargeValue : c.Percentage?.PercentageValue ?? "") },
    ], (v) => call("UpdateCustomLineItem", { Arn: arn, Name: v.Name, Description: v.Description,
      ChargeDetails: c.Flat ? { Flat: { ChargeValue: Number(v.ChargeValue) } } : { Percentage: { PercentageValue: Number(v.ChargeValue) } } }),
    () => ctx.navigate(`custom-line-items/${ctx.params.id}${ctx.query}`)),
    el("h2", {}, "Delete"), deleteButton(ctx, "DeleteCustomLineItem", arn, "Delete this custom line item", "custom-line-items"));
}

// deleteButton deletes the page's resource, then opens its list; the
// API's refusal (a rule still in a plan, …) shows next to it.
function deleteButton(ctx, operation, arn, label, list) {
  const box = el("div");
  return el("div", {}, box, el("button", { type: "button", class: "danger", onclick: async () => {
    try {
      await call(operation, { Arn: arn });
      ctx.navigate(`${list}${ctx.query}`);
    } catch (err) {
      box.replaceChildren(errorBox(err));
    }
  } }, label));
}
