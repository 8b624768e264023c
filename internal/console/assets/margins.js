// The margin ranking: every billing group of the period by margin, read
// from ListBillingGroupCostReports page by page (100 a page), the highest
// and the lowest shown with their names and a chart.

import { call } from "./api.js";
import { svg } from "./chart.js";
import { el, idOf, link, money, periodInput, table } from "./ui.js";

const SHOWN = 10;

// compareMoney orders exact decimal strings by value.
function compareMoney(a, b) {
  const scale = (s) => {
    const [whole, frac = ""] = s.replace("-", "").split(".");
    const v = BigInt(whole + frac.padEnd(10, "0").slice(0, 10));
    return s.startsWith("-") ? -v : v;
  };
  const d = scale(a) - scale(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function bars(title, rows, names) {
  const width = 760, bar = 22, left = 220, height = rows.length * bar + 10;
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(Number(r.Margin))));
  const scale = (width - left - 20) / max;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "chart", "aria-label": title }, svg("title", {}, title));
  rows.forEach((r, i) => {
    const v = Number(r.Margin);
    chart.append(svg("text", { x: left - 8, y: i * bar + 17, "text-anchor": "end", "font-size": 12 }, names[r.Arn] || idOf(r.Arn)),
      svg("rect", { x: left, y: i * bar + 4, width: Math.max(1, Math.abs(v) * scale), height: bar - 6, fill: v >= 0 ? "#037f0c" : "#d91515" },
        svg("title", {}, `${names[r.Arn] || idOf(r.Arn)}: margin ${r.Margin} USD`)));
  });
  return chart;
}

export async function margins(ctx) {
  const progress = el("p", { class: "muted", role: "status" }, "Reading the cost reports…");
  ctx.main.replaceChildren(el("h1", {}, "Margin ranking"), progress);
  const all = [];
  let token = null;
  do {
    const input = { MaxResults: 100, ...(ctx.period ? { BillingPeriod: ctx.period } : {}), ...(token ? { NextToken: token } : {}) };
    const out = await call("ListBillingGroupCostReports", input);
    all.push(...(out.BillingGroupCostReports || []));
    token = out.NextToken || null;
    progress.textContent = `Read the cost reports of ${all.length} billing groups…`;
  } while (token);
  all.sort((a, b) => compareMoney(b.Margin, a.Margin));
  const top = all.slice(0, SHOWN), bottom = all.slice(Math.max(SHOWN, all.length - SHOWN)).reverse();
  const arns = [...new Set([...top, ...bottom].map((r) => r.Arn))];
  const names = {};
  if (arns.length) {
    const out = await call("ListBillingGroups", { Filters: { Arns: arns }, ...(ctx.period ? { BillingPeriod: ctx.period } : {}) });
    for (const g of out.BillingGroups || []) names[g.Arn] = g.Name;
  }
  const columns = [
    { title: "Rank", num: true, cell: (r) => String(all.indexOf(r) + 1) },
    { title: "Billing group", cell: (r) => link(`${ctx.prefix}billing-groups/${idOf(r.Arn)}${ctx.query}`, names[r.Arn] || idOf(r.Arn)) },
    { title: "AWS cost", num: true, cell: (r) => money(r.AWSCost) },
    { title: "Pro forma cost", num: true, cell: (r) => money(r.ProformaCost) },
    { title: "Margin", num: true, cell: (r) => money(r.Margin) },
    { title: "Margin %", num: true, cell: (r) => r.MarginPercentage ?? "" },
  ];
  ctx.main.replaceChildren(el("h1", {}, "Margin ranking"),
    el("div", { class: "toolbar" }, periodInput(ctx)),
    el("p", { class: "muted" }, `${all.length} billing groups, by margin.`),
    bars("The highest margins", top, names),
    el("h2", {}, "Highest margins"), table("Highest margins", columns, top),
    el("h2", {}, "Lowest margins"), table("Lowest margins", columns, bottom));
}
