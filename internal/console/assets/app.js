// The console's shell: routes (deep links under /console/, each taking
// ?period=YYYY-MM), the credentials form, and navigation without reloads.

import { ApiError, admin, credentials, setCredentials, setScenario, whoami } from "./api.js";
import * as create from "./create.js";
import * as pages from "./pages.js";
import { margins } from "./margins.js";
import * as whatif from "./scenarios.js";
import { usagePage } from "./usage.js";
import { el, errorBox } from "./ui.js";

const ROUTES = [
  [/^billing-groups\/new$/, create.newBillingGroup, "billing-groups"],
  [/^pricing-plans\/new$/, create.newPricingPlan, "pricing-plans"],
  [/^pricing-rules\/new$/, create.newPricingRule, "pricing-rules"],
  [/^custom-line-items\/new$/, create.newCustomLineItem, "custom-line-items"],
  [/^billing-groups$/, pages.billingGroups, "billing-groups"],
  [/^billing-groups\/(?<id>[^/]+)$/, pages.billingGroup, "billing-groups"],
  [/^pricing-plans$/, pages.pricingPlans, "pricing-plans"],
  [/^pricing-plans\/(?<id>[^/]+)$/, pages.pricingPlan, "pricing-plans"],
  [/^pricing-rules$/, pages.pricingRules, "pricing-rules"],
  [/^pricing-rules\/(?<id>[^/]+)$/, pages.pricingRule, "pricing-rules"],
  [/^custom-line-items$/, pages.customLineItems, "custom-line-items"],
  [/^custom-line-items\/(?<id>[^/]+)$/, pages.customLineItem, "custom-line-items"],
  [/^usage$/, usagePage, "usage"],
  [/^margins$/, margins, "margins"],
  [/^scenarios$/, whatif.scenarios, "scenarios"],
];

const main = document.getElementById("main");
let account = null; // the caller's account, once known

const banner = document.getElementById("banner");

async function render() {
  let path = decodeURIComponent(location.pathname.replace(/^\/console\/?/, "")).replace(/\/$/, "");
  // Inside a scenario, /console/scenarios/<Id>/<page> is <page> against
  // the scenario's endpoint; /console/scenarios/<Id> is its comparison.
  const inScenario = /^scenarios\/([^/]+)(?:\/(.*))?$/.exec(path);
  const scenarioId = inScenario ? inScenario[1] : null;
  const prefix = scenarioId ? `scenarios/${scenarioId}/` : "";
  if (scenarioId) path = inScenario[2] || "";
  if (path === "" && !scenarioId) {
    history.replaceState(null, "", "billing-groups" + location.search);
    return render();
  }
  setScenario(scenarioId);
  const period = new URLSearchParams(location.search).get("period") || "";
  const route = scenarioId && path === "" ? [/^$/, whatif.scenario, "scenarios"] : ROUTES.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll("header nav a[data-section]")) {
    const section = a.dataset.section;
    a.setAttribute("href", section === "scenarios" ? section : prefix + section);
    if (route && section === route[2]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!route || (scenarioId && route[2] === "scenarios" && path !== "")) {
    banner.hidden = true;
    main.replaceChildren(el("h1", {}, "Not found"), el("p", {}, `The console has no page ${path}.`));
    return;
  }
  const ctx = {
    main, period, prefix, params: path.match(route[0]).groups || {},
    query: period ? `?period=${encodeURIComponent(period)}` : "",
    setPeriod: (p) => navigate(location.pathname + (p ? `?period=${encodeURIComponent(p)}` : "")),
    navigate: (href) => navigate(new URL(prefix + href, document.baseURI).href),
  };
  main.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  try {
    ctx.account = account ??= await whoami();
    banner.hidden = !scenarioId;
    if (scenarioId) {
      ctx.scenario = await admin("GET", `/_proforma/scenarios/${encodeURIComponent(scenarioId)}`);
      banner.replaceChildren(el("strong", {}, `Scenario ${ctx.scenario.Name}`),
        ` (${ctx.scenario.BillingPeriod}): what you change here stays in the scenario; live is untouched. `,
        el("a", { href: `scenarios/${scenarioId}`, "data-link": true }, "Comparison"), " · ",
        el("a", { href: "scenarios", "data-link": true }, "Leave the scenario"));
    }
    await route[1](ctx);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    account = null;
    main.replaceChildren(el("h1", {}, "Cannot load this page"), errorBox(err),
      err.status === 403 ? el("p", {}, "This server checks signatures: enter an access key and secret key of a payer above.") : "");
  }
}

function navigate(href) {
  history.pushState(null, "", href);
  render();
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-link]");
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.href);
});
window.addEventListener("popstate", render);

const form = document.getElementById("identity");
form.accessKey.value = sessionStorage.getItem("proforma.accessKey") || "";
form.accessKey.placeholder = credentials().accessKey;
form.addEventListener("submit", (e) => {
  e.preventDefault();
  setCredentials(form.accessKey.value.trim(), form.secretKey.value);
  account = null;
  render();
});

// The payer picker: a permissive server lists its organization's payers
// (GET /_proforma/payers; a strict one to admins only), and choosing one
// signs as it. Asked only while no credentials were entered.
async function offerPayers() {
  if (!account) return; // the server refused the console's signature: strict mode
  if (sessionStorage.getItem("proforma.accessKey") && !sessionStorage.getItem("proforma.payers")) return;
  let payers = JSON.parse(sessionStorage.getItem("proforma.payers") || "null");
  if (!payers) {
    try {
      payers = (await admin("GET", "/_proforma/payers")).payers || [];
    } catch {
      return; // strict: the form above is the way in
    }
    sessionStorage.setItem("proforma.payers", JSON.stringify(payers));
  }
  if (payers.length < 2) return;
  const select = document.getElementById("payer");
  select.replaceChildren(...payers.map((p) => el("option", { value: p.id }, p.name ? `${p.id} — ${p.name}` : p.id)));
  select.value = credentials().accessKey;
  select.addEventListener("change", () => {
    setCredentials(select.value, "console");
    form.accessKey.value = "";
    account = null;
    render();
  });
  document.getElementById("payer-choice").hidden = false;
}

render().then(offerPayers);
