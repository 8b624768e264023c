// The what-if pages: the payer's scenarios (create, list, delete) and a
// scenario's comparison with live (GET …/compare?by=service) as a chart
// and a table, with its change list to download. Inside a scenario every
// other page works as live, against the scenario's endpoint.

import { admin } from "./api.js";
import { svg } from "./chart.js";
import { el, link, money, table } from "./ui.js";
import { createForm } from "./forms.js";

export async function scenarios(ctx) {
  const out = await admin("GET", "/_proforma/scenarios");
  const list = table("Scenarios", [
    { title: "Name", cell: (s) => link(`scenarios/${s.Id}`, s.Name) },
    { title: "Billing period", cell: (s) => s.BillingPeriod },
    { title: "Created", cell: (s) => s.CreatedAt },
    { title: "", cell: (s) => el("button", { type: "button", onclick: async () => {
      await admin("DELETE", `/_proforma/scenarios/${s.Id}`);
      ctx.navigate("scenarios");
    } }, `Delete ${s.Name}`) },
  ], out.Scenarios || []);
  const form = createForm("New scenario", [
    { name: "Name", label: "Name", required: true },
    { name: "BillingPeriod", label: "Billing period (YYYY-MM; empty: the current one)" },
  ], (v) => admin("POST", "/_proforma/scenarios", v), (sc) => ctx.navigate(`scenarios/${sc.Id}`));
  ctx.main.replaceChildren(el("h1", {}, "What-if scenarios"), list, el("h2", {}, "New scenario"), form);
}

// changeChart draws each changed group's pro forma cost change as a bar.
function changeChart(rows) {
  const shown = rows.filter((r) => Number(r.ProformaCostChange) !== 0)
    .sort((a, b) => Math.abs(Number(b.ProformaCostChange)) - Math.abs(Number(a.ProformaCostChange))).slice(0, 20);
  const width = 760, bar = 22, left = 220, height = Math.max(1, shown.length) * bar + 30;
  const max = Math.max(1e-9, ...shown.map((r) => Math.abs(Number(r.ProformaCostChange))));
  const mid = left + (width - left) / 2, scale = (width - left - 10) / 2 / max;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "chart",
    "aria-label": "Pro forma cost change per billing group, scenario minus live" },
  svg("title", {}, "Pro forma cost change per billing group"),
  svg("line", { x1: mid, x2: mid, y1: 0, y2: height - 20, stroke: "#5f6b7a" }));
  shown.forEach((r, i) => {
    const v = Number(r.ProformaCostChange), w = Math.abs(v) * scale, y = i * bar + 4;
    chart.append(svg("text", { x: left - 8, y: y + 14, "text-anchor": "end", "font-size": 12 }, r.Name),
      svg("rect", { x: v >= 0 ? mid : mid - w, y, width: Math.max(w, 1), height: bar - 6, fill: v >= 0 ? "#037f0c" : "#d91515", "data-group": r.Name },
        svg("title", {}, `${r.Name}: ${r.ProformaCostChange} USD`)));
  });
  if (shown.length === 0) chart.append(svg("text", { x: left, y: 16, "font-size": 12 }, "No group's pro forma cost changes."));
  return chart;
}

export async function scenario(ctx) {
  const sc = ctx.scenario;
  const [cmp, changes] = await Promise.all([
    admin("GET", `/_proforma/scenarios/${sc.Id}/compare?by=service`),
    admin("GET", `/_proforma/scenarios/${sc.Id}/changes`),
  ]);
  const side = (s, key) => (s ? money(s[key]) : el("span", { class: "muted" }, "absent"));
  const rows = (cmp.BillingGroups || []);
  const download = el("a", { download: `${sc.Name}-changes.json`,
    href: URL.createObjectURL(new Blob([JSON.stringify(changes, null, 2)], { type: "application/json" })) }, "Download the change list");
  ctx.main.replaceChildren(
    el("h1", {}, `Scenario ${sc.Name}`),
    el("p", {}, `Billing period ${cmp.BillingPeriod}. Edit it with the pages above (they act inside the scenario); live is untouched.`),
    el("h2", {}, "Comparison with live"),
    table("Total", [
      { title: "AWS cost", num: true, cell: (t) => money(t.AWSCost) },
      { title: "Live pro forma", num: true, cell: (t) => side(t.Live, "ProformaCost") },
      { title: "Scenario pro forma", num: true, cell: (t) => side(t.Scenario, "ProformaCost") },
      { title: "Change", num: true, cell: (t) => money(t.ProformaCostChange) },
      { title: "Live margin", num: true, cell: (t) => side(t.Live, "Margin") },
      { title: "Scenario margin", num: true, cell: (t) => side(t.Scenario, "Margin") },
    ], [cmp.Total]),
    changeChart(rows),
    table("Billing groups", [
      { title: "Billing group", cell: (g) => g.Name },
      { title: "AWS cost", num: true, cell: (g) => money(g.AWSCost) },
      { title: "Live pro forma", num: true, cell: (g) => side(g.Live, "ProformaCost") },
      { title: "Scenario pro forma", num: true, cell: (g) => side(g.Scenario, "ProformaCost") },
      { title: "Change", num: true, cell: (g) => money(g.ProformaCostChange) },
      { title: "Live margin", num: true, cell: (g) => side(g.Live, "Margin") },
      { title: "Scenario margin", num: true, cell: (g) => side(g.Scenario, "Margin") },
    ], rows),
    el("h2", {}, `Changes (${changes.length})`), download,
    table("Changes", [
      { title: "#", num: true, cell: (c) => String(changes.indexOf(c) + 1) },
      { title: "Operation", cell: (c) => c.Operation },
      { title: "Input", cell: (c) => el("code", {}, JSON.stringify(c.Input)) },
    ], changes));
}
