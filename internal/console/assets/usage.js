// The usage page: the payer's imported periods, and a CUR upload with a
// progress bar (POST /_proforma/usage, as `curl --data-binary` would).

import { admin, upload } from "./api.js";
import { el, errorBox, table } from "./ui.js";

export async function usagePage(ctx) {
  const list = el("div");
  const refresh = async () => {
    const out = await admin("GET", "/_proforma/usage");
    list.replaceChildren(table("Imported periods", [
      { title: "Billing period", cell: (p) => p.billingPeriod },
      { title: "CUR lines", num: true, cell: (p) => p.lines.toLocaleString("en-US") },
      { title: "Aggregates", num: true, cell: (p) => p.aggregates.toLocaleString("en-US") },
      { title: "Imported at", cell: (p) => p.importedAt },
      { title: "Import", cell: (p) => p.importId },
    ], out.periods || []));
  };
  const file = el("input", { type: "file", id: "cur-file", name: "file", accept: ".csv,.gz,.parquet,.zip" });
  const bar = el("progress", { max: 1, value: 0, "aria-label": "Upload progress", hidden: true });
  const status = el("div", { role: "status" });
  const form = el("form", { class: "create", "aria-label": "Upload a CUR" },
    el("div", { class: "field" }, el("label", { for: "cur-file" }, "Cost and Usage Report file (CSV, CSV.gz or Parquet)"), file),
    bar, status, el("div", {}, el("button", { type: "submit" }, "Upload and import")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) {
      status.replaceChildren(el("p", { class: "error" }, "Choose a file first."));
      return;
    }
    bar.hidden = false;
    bar.value = 0;
    status.replaceChildren(el("p", { class: "muted" }, `Uploading ${f.name}…`));
    try {
      // Imported as the console's payer, whatever the file's payer column
      // says (a strict server does so anyway).
      const path = `/_proforma/usage?name=${encodeURIComponent(f.name)}&payer=${encodeURIComponent(ctx.account)}`;
      const sum = await upload(path, f, (sent, total) => { bar.max = total || 1; bar.value = sent; });
      status.replaceChildren(el("p", {}, `Imported ${f.name}: `,
        (sum.periods || []).map((p) => `${p.billingPeriod} — ${p.lines.toLocaleString("en-US")} lines, ${p.aggregates.toLocaleString("en-US")} aggregates`).join("; ") || "no lines"));
      await refresh();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  await refresh();
  ctx.main.replaceChildren(el("h1", {}, "Usage"), el("h2", {}, "Upload"), form, el("h2", {}, "Imported periods"), list);
}
