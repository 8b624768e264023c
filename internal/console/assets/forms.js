// Create forms. Each field is named by the API member it fills, so that a
// ValidationException's Fields land next to their inputs; an error
// without fields shows above the buttons.

import { ApiError } from "./api.js";
import { el, errorBox } from "./ui.js";

let serial = 0;

// field renders one labelled input; spec: {name, label, type, options,
// required, step, help}. Options are [value, text] pairs.
function field(spec) {
  const id = `f${++serial}-${spec.name}`;
  const msg = el("div", { class: "error field-error", id: `${id}-error`, role: "alert", hidden: true });
  let input;
  if (spec.type === "select") {
    input = el("select", { id, name: spec.name, required: spec.required },
      spec.options.map(([v, t]) => el("option", { value: v, selected: v === spec.selected }, t)));
  } else if (spec.type === "checkboxes") {
    input = el("fieldset", { id, "data-name": spec.name }, el("legend", {}, spec.label),
      spec.options.length === 0 ? el("span", { class: "muted" }, "None to choose from.") : "",
      spec.options.map(([v, t]) => el("label", { class: "check" }, el("input", { type: "checkbox", name: spec.name, value: v }), " ", t)));
    return el("div", { class: "field" }, input, msg);
  } else if (spec.type === "textarea") {
    input = el("textarea", { id, name: spec.name, rows: 4, cols: 40, spellcheck: "false" });
  } else if (spec.type === "checkbox") {
    input = el("input", { id, name: spec.name, type: "checkbox" });
    return el("div", { class: "field" }, el("label", { for: id }, input, " ", spec.label), msg);
  } else {
    input = el("input", { id, name: spec.name, type: spec.type || "text", required: spec.required, step: spec.step,
      autocomplete: "off", spellcheck: "false", value: spec.value });
  }
  input.setAttribute("aria-describedby", `${id}-error`);
  return el("div", { class: "field" }, el("label", { for: id }, spec.label), input,
    spec.help ? el("div", { class: "muted help" }, spec.help) : "", msg);
}

// values reads a form: text and selects as strings ("" left out),
// checkbox groups as arrays, single checkboxes as booleans.
export function values(form) {
  const out = {};
  for (const node of form.querySelectorAll("input, select, textarea")) {
    if (!node.name) continue;
    if (node.type === "checkbox" && node.closest("fieldset[data-name]")) {
      out[node.name] ??= [];
      if (node.checked) out[node.name].push(node.value);
    } else if (node.type === "checkbox") {
      out[node.name] = node.checked;
    } else if (node.value !== "") {
      out[node.name] = node.value;
    }
  }
  return out;
}

// showFieldErrors puts each of an error's Fields next to the input it
// names (its member name, or the last part of a path like A.B); it
// returns the fields it could not place.
function showFieldErrors(form, err) {
  const rest = [];
  for (const f of err.fields) {
    const name = f.Name.split(".").pop().replace(/\[\d+\]$/, "");
    const input = form.querySelector(`[name="${CSS.escape(name)}"], fieldset[data-name="${CSS.escape(name)}"]`);
    const box = input?.closest(".field")?.querySelector(".field-error");
    if (!box) {
      rest.push(f);
      continue;
    }
    box.textContent = f.Message;
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
  }
  return rest;
}

// submitLabel is what a form's button says: Add for "Add …" forms, Save
// when a field has an initial value (an edit), else Create.
function submitLabel(title, specs) {
  if (title.startsWith("Add ")) return "Add";
  return specs.some((f) => f.value !== undefined || f.selected !== undefined) ? "Save" : "Create";
}

// createForm renders a form whose submit calls submit(values); on
// success done(result) runs, on an API error it shows where it belongs.
export function createForm(title, specs, submit, done) {
  const status = el("div");
  const form = el("form", { class: "create", "aria-label": title, novalidate: true },
    specs.map(field), status, el("div", {}, el("button", { type: "submit" }, submitLabel(title, specs))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    status.replaceChildren();
    for (const box of form.querySelectorAll(".field-error")) box.hidden = true;
    for (const n of form.querySelectorAll("[aria-invalid]")) n.removeAttribute("aria-invalid");
    try {
      done(await submit(values(form)));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const rest = showFieldErrors(form, err);
      if (rest.length || err.fields.length === 0) status.replaceChildren(errorBox({ ...err, code: err.code, message: err.message, fields: rest }));
    }
  });
  return form;
}
