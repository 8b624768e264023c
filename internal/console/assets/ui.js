// DOM helpers: every text goes in as text (never as HTML), so names and
// descriptions from the API cannot inject markup.

// el creates an element with attributes and children (strings are text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

// link is an in-console link, followed without reloading the page.
export function link(href, text) {
  return el("a", { href, "data-link": true }, text);
}

// money renders an exact decimal string as USD with two decimals (half to
// even), the exact value on hover; an absent amount is a dash.
export function money(exact) {
  if (exact === undefined || exact === null || exact === "") return el("span", { class: "muted" }, "—");
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(exact);
  if (!m) return el("span", {}, exact);
  const [, sign, whole, frac = ""] = m;
  let cents = BigInt(whole + (frac + "00").slice(0, 2));
  const rest = frac.slice(2);
  if (rest && (rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || cents % 2n === 1n)))) cents += 1n;
  const units = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = `${sign && cents !== 0n ? "-" : ""}$${units}.${(cents % 100n).toString().padStart(2, "0")}`;
  return el("span", { title: `${exact} USD`, class: sign && cents !== 0n ? "negative" : undefined }, text);
}

// table renders rows under headers; a column is {title, cell(row), num}.
export function table(caption, columns, rows) {
  return el("table", {},
    el("caption", { class: "muted", style: undefined }, caption),
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : undefined }, c.title)))),
    el("tbody", {}, rows.length === 0
      ? el("tr", {}, el("td", { colspan: columns.length, class: "muted" }, "None."))
      : rows.map((r) => el("tr", {}, columns.map((c) => el("td", { class: c.num ? "num" : undefined }, c.cell(r)))))));
}

// errorBox shows an API error as the API states it.
export function errorBox(err) {
  const box = el("div", { class: "error", role: "alert" }, el("strong", {}, err.code || "Error"), ": ", err.message);
  if (err.fields && err.fields.length) {
    box.append(el("ul", {}, err.fields.map((f) => el("li", {}, `${f.Name}: ${f.Message}`))));
  }
  return box;
}

// idOf is the last part of an ARN: the ID deep links use.
export function idOf(arn) {
  return arn ? arn.slice(arn.lastIndexOf("/") + 1) : "";
}

// periodInput is the billing period picker; "" is the current period.
export function periodInput(ctx) {
  return el("label", {}, "Billing period ",
    el("input", { type: "month", value: ctx.period || "", onchange: (e) => ctx.setPeriod(e.target.value) }));
}
