// End-to-end checks of the console in headless Chromium, driven by
// TestConsoleInChromium (cmd/proforma), which starts the server, makes the
// data and passes what the API says in CONSOLE_EXPECT. Any browser console
// error or failed check exits non-zero.
//
// Environment: CONSOLE_URL (the server), CONSOLE_MODE (permissive|strict|create|timing|upload),
// CONSOLE_EXPECT (JSON), CHROMIUM (the browser), CONSOLE_SHOTS (a folder
// for screenshots; none when empty).
import { chromium } from "playwright-core";

const base = process.env.CONSOLE_URL;
const mode = process.env.CONSOLE_MODE || "permissive";
const expect = JSON.parse(process.env.CONSOLE_EXPECT || "{}");
const shots = process.env.CONSOLE_SHOTS || "";

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const problems = [];
page.on("console", (m) => { if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`); });
page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e}`));

function check(ok, what) {
  if (!ok) problems.push(what);
}

async function shot(name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

// title of the money cell in row (a locator) and column (1-based)
async function exact(row, column) {
  return row.locator(`td:nth-child(${column}) span`).getAttribute("title");
}

// create makes a rule, a plan, a group over picked accounts and an item
// through the console's forms only, first showing a validation error next
// to its field, then prints the group's figures as its page shows them.
async function create() {
  // The usage first: a CUR uploaded through the usage page.
  await page.goto(base + "/console/usage");
  await page.setInputFiles("#cur-file", expect.curFile);
  await page.getByRole("button", { name: "Upload and import" }).click();
  await page.waitForSelector("text=/Imported .*aggregates/");
  const bar = page.locator("progress");
  check(await bar.getAttribute("value") !== "0" && await bar.evaluate((b) => b.value === b.max), "the progress bar did not fill");
  await page.waitForSelector(`main td:text-is("${expect.period}")`);
  await shot("usage");

  await page.goto(base + "/console/pricing-rules");
  await page.getByRole("link", { name: "New pricing rule" }).click();
  await page.getByLabel("Name", { exact: true }).fill("bad name!");
  await page.getByLabel("Modifier percentage").fill("12");
  await page.getByRole("button", { name: "Create" }).click();
  const nameError = page.locator(".field", { has: page.locator("input[name=Name]") }).locator(".field-error");
  await nameError.waitFor({ state: "visible" });
  check(/letters, digits/.test(await nameError.textContent()), `the Name error says ${await nameError.textContent()}`);
  check(await page.locator("input[name=Name]").getAttribute("aria-invalid") === "true", "Name not marked invalid");
  await shot("validation-error");
  problems.splice(0, problems.length, ...problems.filter((p) => !/status of 400/.test(p))); // the refused call itself
  await page.getByLabel("Name", { exact: true }).fill("markup-12");
  await page.getByLabel("Type", { exact: true }).selectOption("MARKUP");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForSelector('main h1:text-is("markup-12")');

  // A SKU tiering rule with custom tiers.
  await page.goto(base + "/console/pricing-rules/new");
  await page.getByLabel("Name", { exact: true }).fill("s3-tiers");
  await page.getByLabel("Scope").selectOption("SKU");
  await page.getByLabel("Type", { exact: true }).selectOption("TIERING");
  await page.getByLabel("Service code").fill("AmazonS3");
  await page.getByLabel("Usage type").fill("TimedStorage-ByteHrs");
  await page.getByLabel("Operation").fill("StandardStorage");
  await page.getByLabel(/^Custom tiers/).fill("0-50 0.01\n50- 0.005");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForSelector('main h1:text-is("s3-tiers")');
  const tiers = await page.locator('dl.facts dt:text-is("Custom tiers") + dd').textContent();
  check(tiers === "0–50 at 0.01; 50–∞ at 0.005", `the rule's tiers: ${tiers}`);

  await page.goto(base + "/console/pricing-plans/new");
  await page.getByLabel("Name", { exact: true }).fill("resale-12");
  await page.getByRole("checkbox", { name: /markup-12/ }).check();
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForSelector('main h1:text-is("resale-12")');
  await page.waitForSelector("main table a");

  await page.goto(base + "/console/billing-groups/new");
  await page.getByLabel("Name", { exact: true }).fill("acme");
  await page.getByLabel("Primary account").selectOption(expect.account);
  await page.locator(`fieldset input[value="${expect.account}"]`).check();
  await page.getByLabel("Pricing plan").selectOption({ label: "resale-12" });
  await shot("new-billing-group");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForSelector('main h1:text-is("acme")');
  const groupId = new URL(page.url()).pathname.split("/").pop();

  await page.goto(base + "/console/custom-line-items/new");
  await page.getByLabel("Name", { exact: true }).fill("support");
  await page.getByLabel("Description").fill("support fee");
  await page.getByLabel("Billing group").selectOption({ label: "acme" });
  await page.getByLabel("Value").fill("5");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForSelector('main a:text-is("support")');

  await page.goto(base + `/console/billing-groups/${groupId}?period=${expect.period}`);
  await page.waitForSelector("main dl.facts");
  const fact = async (name) => (await page.locator(`dl.facts dt:text-is("${name}") + dd span`).getAttribute("title")).replace(/ USD$/, "");
  const chartPoint = async (series) => (await page.locator(`svg.chart circle[data-series="${series}"][data-period="${expect.period}"] title`).textContent())
    .replace(/^.*: /, "").replace(/ USD$/, "");
  check(await chartPoint("ProformaCost") === await fact("Pro forma cost"), "the chart's pro forma point differs from the figure");
  check(await chartPoint("AWSCost") === await fact("AWS cost"), "the chart's AWS cost point differs from the figure");
  console.log("RESULT " + JSON.stringify({ groupId, awsCost: await fact("AWS cost"), proformaCost: await fact("Pro forma cost"), margin: await fact("Margin") }));

  // Accounts: one added with the picker over the organization, then removed.
  const extra = expect.extraAccount;
  await page.locator(`fieldset input[value="${extra}"]`).check();
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.waitForSelector(`main td:text-is("${extra}")`);
  await page.getByRole("button", { name: `Remove ${extra}` }).click();
  await page.waitForSelector(`main td:text-is("${extra}")`, { state: "detached" });
  await page.waitForSelector(`main td:text-is("${expect.account}")`);

  // The group renamed with its edit form.
  await page.locator('form[aria-label="Edit billing group"] input[name=Name]').fill("acme-co");
  await page.locator('form[aria-label="Edit billing group"]').getByRole("button", { name: "Save" }).click();
  await page.waitForSelector('main h1:text-is("acme-co")');

  // What-if: a scenario, the rule changed inside it (under the banner),
  // then the comparison.
  await page.goto(base + "/console/scenarios");
  await page.getByLabel("Name", { exact: true }).fill("markup-15");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForSelector('main h1:text-is("Scenario markup-15")');
  const scenarioId = new URL(page.url()).pathname.split("/").pop();
  await page.locator('header nav a[data-section="pricing-rules"]').click();
  await page.waitForSelector('main h1:text-is("Pricing rules")');
  check(await page.locator("#banner").isVisible() && /Scenario markup-15/.test(await page.locator("#banner").textContent()), "no scenario banner");
  check(new URL(page.url()).pathname === `/console/scenarios/${scenarioId}/pricing-rules`, `pricing rules in the scenario at ${page.url()}`);
  await page.locator('main table a:text-is("markup-12")').click();
  await page.getByLabel("Modifier percentage").fill("15");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForSelector('main td:text-is("15")');
  await page.getByRole("link", { name: "Comparison" }).click();
  await page.waitForSelector("main svg.chart rect[data-group]");
  const change = (await page.locator("main table").first().locator("tbody td:nth-child(4) span").getAttribute("title")).replace(/ USD$/, "");
  check(await page.locator("main a[download]").count() === 1, "no change list to download");
  await shot("scenario");
  console.log("RESULT2 " + JSON.stringify({ scenarioId, change }));

  // Live again: the item's description edited on its page.
  await page.getByRole("link", { name: "Leave the scenario" }).click();
  await page.goto(base + "/console/custom-line-items");
  await page.locator('main a:text-is("support")').click();
  await page.locator('form[aria-label="Edit custom line item"] input[name=Description]').fill("support fee, edited");
  await page.locator('form[aria-label="Edit custom line item"]').getByRole("button", { name: "Save" }).click();
  await page.waitForSelector('dl.facts dd:text-is("support fee, edited")');

  // A throwaway item made, then deleted from its page.
  await page.goto(base + "/console/custom-line-items/new");
  await page.getByLabel("Name", { exact: true }).fill("throwaway");
  await page.getByLabel("Description").fill("deleted next");
  await page.getByLabel("Billing group").selectOption({ label: "acme-co" });
  await page.getByLabel("Charge", { exact: true }).selectOption("Percentage");
  await page.getByLabel("Value").fill("10");
  await page.getByRole("checkbox", { name: /Leave Savings Plan negation lines out/ }).check();
  await page.getByRole("button", { name: "Create" }).click();
  await page.locator('main a:text-is("throwaway")').click();
  await page.waitForSelector('main h1:text-is("throwaway")');
  const filters = await page.locator('dl.facts dt:text-is("Line item filters") + dd').textContent();
  check(filters === "LINE_ITEM_TYPE NOT_EQUAL SAVINGS_PLAN_NEGATION", `the item's filters: ${filters}`);
  await page.getByRole("checkbox", { name: /^the billing group/ }).check();
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.waitForSelector('main table:has(caption:text-is("Associated resources")) td:text-matches("billinggroup/")');
  await page.getByRole("button", { name: "Delete this custom line item" }).click();
  await page.waitForSelector('main a:text-is("support")');
  check(await page.locator('main a:text-is("throwaway")').count() === 0, "the deleted item is still listed");
}

// timing opens the billing groups page of a large payer several times
// and prints how long each took from navigation to the filled table
// (costs included): measured, never asserted.
async function timing() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const start = Date.now();
    await page.goto(base + `/console/billing-groups?period=${expect.period}`);
    await page.waitForSelector("main tbody tr td a");
    await page.waitForSelector("text=Page 1");
    times.push(Date.now() - start);
  }
  check(await page.locator("main tbody tr").count() === 25, "a page of 25 groups");
  const aws = await page.locator("main tbody tr").first().locator("td:nth-child(6) span").getAttribute("title");
  check(aws && aws !== "0 USD", `the first group's AWS cost: ${aws}`);
  await page.getByRole("button", { name: "Next" }).click();
  await page.waitForSelector("text=Page 2");
  console.log("TIMING " + JSON.stringify(times));
}

// upload sends a CUR through the usage page and prints the imported
// periods as its table shows them.
async function uploadOnly() {
  await page.goto(base + "/console/usage");
  // A file that is not a CUR: the import's error as the server states it.
  await page.setInputFiles("#cur-file", expect.badFile);
  await page.getByRole("button", { name: "Upload and import" }).click();
  const refusal = page.locator("main [role=alert]");
  await refusal.waitFor();
  console.log("REFUSAL " + JSON.stringify(await refusal.textContent()));
  await shot("usage-error");
  problems.splice(0, problems.length, ...problems.filter((p) => !/status of 400/.test(p))); // the refused upload itself
  await page.setInputFiles("#cur-file", expect.curFile);
  await page.getByRole("button", { name: "Upload and import" }).click();
  await page.waitForSelector("text=/Imported .*aggregates/");
  const rows = await page.locator('main table:has(caption:text-is("Imported periods")) tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  console.log("PERIODS " + JSON.stringify(rows));
}

try {
  if (mode === "upload") {
    await uploadOnly();
  } else if (mode === "timing") {
    await timing();
  } else if (mode === "create") {
    await create();
  } else if (mode === "strict") {
    await page.goto(base + "/console/billing-groups");
    await page.waitForSelector("main [role=alert]");
    check(await page.locator("main table").count() === 0, "strict, no credentials: a table is shown");
    check((await page.locator("main h1").textContent()) === "Cannot load this page", "strict, no credentials: no refusal page");
    await shot("strict-without-credentials");
    problems.splice(0, problems.length, ...problems.filter((p) => !/status of 403/.test(p))); // the refused calls themselves
    await page.fill("input[name=accessKey]", expect.accessKey);
    await page.fill("input[name=secretKey]", expect.secretKey);
    await page.getByRole("button", { name: "Use" }).click();
    await page.waitForSelector(`main table a:text-is("${expect.group.name}")`);
    check(await page.locator("main tbody tr").count() > 0, "strict, with credentials: no groups");
  } else {
    // GET / in a browser opens the console.
    await page.goto(base + "/");
    check(new URL(page.url()).pathname === "/console/billing-groups", `GET / led to ${page.url()}`);

    // Server-side pagination over all 30, then the group found by name.
    await page.goto(base + `/console/billing-groups?period=${expect.period}`);
    await page.waitForSelector("main tbody tr td a");
    check(await page.locator("main tbody tr").count() === 25, `first page: ${await page.locator("main tbody tr").count()} rows, want 25`);
    await shot("billing-groups");
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForSelector("text=Page 2");
    check(await page.locator("main tbody tr").count() === expect.groups - 25, "second page rows");
    await page.getByRole("button", { name: "Previous" }).click();
    await page.waitForSelector("text=Page 1");
    await page.getByLabel("Name starts with").fill(expect.group.name.slice(0, 4));
    await page.getByRole("button", { name: "Find" }).click();
    const row = page.locator("main tbody tr", { has: page.locator(`a:text-is("${expect.group.name}")`) });
    await row.waitFor();
    check(await page.locator("main tbody tr").count() === 1, "the name search found more than the group");
    check(await exact(row, 6) === `${expect.group.awsCost} USD`, `AWS cost ${await exact(row, 6)}, want ${expect.group.awsCost}`);
    check(await exact(row, 7) === `${expect.group.proformaCost} USD`, `pro forma ${await exact(row, 7)}, want ${expect.group.proformaCost}`);
    check(await exact(row, 8) === `${expect.group.margin} USD`, `margin ${await exact(row, 8)}, want ${expect.group.margin}`);

    // A permissive server offers its payers: the other one has no groups.
    const payer = page.locator("#payer");
    await payer.waitFor();
    check(await payer.locator("option").count() === 2, "the payer picker does not offer the demo's two payers");
    await payer.selectOption(expect.otherPayer);
    await page.waitForSelector('main td:text-is("None.")');
    await payer.selectOption(expect.payer);
    await page.waitForSelector(`main a:text-is("${expect.group.name}")`);

    // The margin ranking: the only group with usage comes first.
    await page.goto(base + `/console/margins?period=${expect.period}`);
    const first = page.locator('main table:has(caption:text-is("Highest margins")) tbody tr').first();
    await first.waitFor();
    check(await first.locator("td:nth-child(2)").textContent() === expect.group.name, `first by margin: ${await first.locator("td:nth-child(2)").textContent()}`);
    check(await exact(first, 5) === `${expect.group.margin} USD`, `its margin ${await exact(first, 5)}`);
    check(/30 billing groups/.test(await page.locator("main").textContent()), "the ranking does not count 30 groups");
    await shot("margins");

    // The group's own page, by deep link, with its figures and accounts.
    await page.goto(base + `/console/billing-groups/${expect.group.id}?period=${expect.period}`);
    await page.waitForSelector("main dl.facts");
    check((await page.locator("main h1").textContent()) === expect.group.name, "group page title");
    const fact = (name) => page.locator(`dl.facts dt:text-is("${name}") + dd span`).getAttribute("title");
    check(await fact("Pro forma cost") === `${expect.group.proformaCost} USD`, `group page pro forma ${await fact("Pro forma cost")}`);
    check(await fact("Margin") === `${expect.group.margin} USD`, `group page margin ${await fact("Margin")}`);
    check(await page.locator(`main td:text-is("${expect.group.account}")`).count() === 1, "group page accounts");
    // The margin chart: 13 months, the period's points carry the exact figures.
    const point = (series) => page.locator(`svg.chart circle[data-series="${series}"][data-period="${expect.period}"] title`).textContent();
    check((await point("ProformaCost")).endsWith(`: ${expect.group.proformaCost} USD`), `chart pro forma point: ${await point("ProformaCost")}`);
    check((await point("Margin")).endsWith(`: ${expect.group.margin} USD`), `chart margin point: ${await point("Margin")}`);
    check(await page.locator("svg.chart text").filter({ hasText: /^\d\d-\d\d$/ }).count() === 13, "the chart has 13 months");
    // By service: GetBillingGroupCostReport's rows.
    for (const [service, proforma] of Object.entries(expect.services)) {
      const row = page.locator("main tr", { has: page.locator(`td:text-is("${service}")`) });
      check(await row.locator("td:nth-child(3) span").getAttribute("title") === `${proforma} USD`, `${service}: ${await row.locator("td:nth-child(3) span").getAttribute("title")}, want ${proforma}`);
    }
    await shot("billing-group");

    // The plan, its rules, the items, by following links and deep links.
    await page.locator("dl.facts a").first().click();
    await page.waitForSelector(`main h1:text-is("${expect.plan}")`);
    await page.waitForSelector("main table a");
    check(await page.getByRole("button", { name: `Remove ${expect.rule}` }).count() === 1, "the plan's rule has no Remove button");
    await page.locator('form[aria-label="Edit pricing plan"] input[name=Description]').fill("resale, edited");
    await page.locator('form[aria-label="Edit pricing plan"]').getByRole("button", { name: "Save" }).click();
    await page.waitForSelector('dl.facts dd:text-is("resale, edited")');
    await shot("pricing-plan");
    await page.locator("main table a").first().click();
    await page.waitForSelector(`main h1:text-is("${expect.rule}")`);
    await shot("pricing-rule");
    for (const [path, title] of [["pricing-plans", "Pricing plans"], ["pricing-rules", "Pricing rules"], ["custom-line-items", "Custom line items"]]) {
      await page.goto(base + `/console/${path}?period=${expect.period}`);
      await page.waitForSelector(`main h1:text-is("${title}")`);
      await page.waitForSelector("main table");
      await shot(path);
    }
    check(await page.locator(`main a:text-is("${expect.item}")`).count() === 1, "custom line items page: the item");
    // The item's page: its charge and its version history.
    await page.locator(`main a:text-is("${expect.item}")`).click();
    await page.waitForSelector(`main h1:text-is("${expect.item}")`);
    await page.waitForSelector('main table:has(caption:text-is("Versions")) tbody tr');
    check(await page.locator('main table:has(caption:text-is("Versions")) tbody tr').count() === 1, "the item's versions");
    await shot("custom-line-item");
  }
} catch (err) {
  problems.push(String(err));
  try {
    problems.push(`at ${page.url()}, the page said: ${(await page.locator("body").innerText()).slice(0, 800)}`);
  } catch {}
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`console ${mode}: ok`);
