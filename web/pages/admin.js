// The admin's page: accounts that sign in (POST /api/v1/accounts) and the list.
import { call, get, post, qs, enc } from "../api.js";
import { h, announce } from "../dom.js";
import { t } from "../i18n/index.js";
import { errorText, message, table, field, setFieldError, clearFieldErrors, busy } from "../ui.js";

export async function accountsPage(root) {
  root.append(h("h1", {}, t("accounts_title")));
  const form = h("form", { class: "card form", novalidate: true, id: "account-form" },
    h("h2", {}, t("create_account")),
    field("a-username", t("username"), h("input", { name: "username", autocomplete: "off" })),
    field("a-password", t("password"), h("input", { name: "password", type: "password", autocomplete: "new-password" })),
    field("a-role", t("fields.role"), h("select", { name: "role" },
      ["enterprise", "coordinator", "county", "admin"].map((r) => h("option", { value: r }, t("roles." + r))))),
    field("a-scope", t("fields.scope"), h("input", { name: "scope", autocomplete: "off" }), t("scope_hint")),
    h("p", { class: "msg-slot", role: "alert", "aria-live": "assertive" }),
    h("p", {}, h("button", { type: "submit", class: "primary" }, t("create_account"))));
  const listEl = h("section", { id: "accounts" });
  root.append(form, listEl);
  const ids = { username: "a-username", password: "a-password", role: "a-role", scope: "a-scope" };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const slot = form.querySelector(".msg-slot");
    slot.textContent = "";
    const body = { username: form.username.value.trim(), password: form.password.value, role: form.role.value, scope: form.scope.value.trim() };
    let bad = false;
    for (const k of ["username", "password"]) if (!body[k]) { setFieldError(form, ids[k], t("required", { name: t(k) })); bad = true; }
    if (bad) return;
    const button = form.querySelector("button[type=submit]");
    busy(button, true);
    const r = await post("/api/v1/accounts", body);
    busy(button, false);
    if (!r.ok) {
      if (!(r.error && ids[r.error.field] && setFieldError(form, ids[r.error.field], r.error.message))) slot.textContent = errorText(r);
      return;
    }
    announce(t("created_account", { name: r.data.username }));
    form.reset();
    await load();
  });
  async function load() {
    const r = await get("/api/v1/accounts");
    listEl.replaceChildren();
    if (!r.ok) { listEl.append(message(errorText(r), "error")); return; }
    listEl.append(table([
      { label: t("username"), cell: (a) => a.username },
      { label: t("fields.role"), cell: (a) => t("roles." + a.role) },
      { label: t("fields.scope"), cell: (a) => a.scope || "—" },
      { label: t("col.status"), cell: (a) => (a.disabled ? t("account_disabled") : t("account_enabled")) },
    ], r.data.items || []));
  }
  await load();
}

// What awaits the city's confirmation (docs/api.md, "Confirmation by the
// city"): experts a county created or edited, problems an enterprise or a
// county filed or edited. Confirming one (PATCH {"verified": true}) lets it be
// ranked city-wide (experts) and learned from at the next refit.
// A field's value as a person reads it: lists joined, works by title.
function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.map((v) => (v && typeof v === "object" ? v.title || JSON.stringify(v) : String(v))).join("、") || "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export async function confirmPage(root) {
  root.append(h("h1", {}, t("confirm_title")));
  root.append(h("p", { class: "hint" }, t("confirm_hint")));
  const experts = h("section", { class: "card", id: "confirm-experts", "aria-labelledby": "ce-h" });
  const problems = h("section", { class: "card", id: "confirm-problems", "aria-labelledby": "cp-h" });
  root.append(experts, problems);
  const kinds = [
    { el: experts, heading: ["ce-h", "confirm_experts"], path: "/api/v1/experts", fieldKey: "expert_field",
      columns: [
        { label: t("col.name"), cell: (e) => e.name },
        { label: t("col.college"), cell: (e) => e.college || "—" },
        { label: t("col.research"), cell: (e) => (e.fields || []).join("、") },
        { label: t("col.counties"), cell: (e) => (e.counties || []).join("、") },
      ],
      label: (e) => e.name },
    { el: problems, heading: ["cp-h", "confirm_problems"], path: "/api/v1/problems", fieldKey: "problem_field",
      columns: [
        { label: t("col.title"), cell: (p) => p.title },
        { label: t("col.enterprise"), cell: (p) => p.enterprise },
        { label: t("col.county"), cell: (p) => p.county },
      ],
      label: (p) => p.title },
  ];
  async function load(kind) {
    const r = await get(kind.path + qs({ verified: "false", limit: 100 }));
    kind.el.replaceChildren(h("h2", { id: kind.heading[0] }, t(kind.heading[1])));
    if (!r.ok) { kind.el.append(message(errorText(r), "error")); return; }
    const items = r.data.items || [];
    if (!items.length) { kind.el.append(message(t("nothing_to_confirm"))); return; }
    kind.el.append(table([...kind.columns, {
      label: t("col.changes"),
      cell: (record) => {
        const slot = h("div", { class: "changes" });
        const button = h("button", { type: "button", class: "show-changes", "data-id": record.id,
          "aria-expanded": "false" }, t("show_changes"));
        button.addEventListener("click", async () => {
          busy(button, true);
          const answer = await get(kind.path + "/" + enc(record.id) + "/changes");
          busy(button, false);
          if (!answer.ok) { slot.replaceChildren(message(errorText(answer), "error")); return; }
          slot.replaceChildren(changesView(answer.data, kind.fieldKey));
          button.setAttribute("aria-expanded", "true");
        });
        return h("div", {}, button, slot);
      },
    }, {
      label: t("col.action"),
      class: "nowrap",
      cell: (record) => {
        const button = h("button", { type: "button", class: "confirm", "data-id": record.id }, t("confirm_button"));
        button.addEventListener("click", async () => {
          busy(button, true);
          const answer = await call("PATCH", kind.path + "/" + enc(record.id), { verified: true });
          busy(button, false);
          if (!answer.ok) { kind.el.append(message(errorText(answer), "error")); return; }
          announce(t("confirmed_record", { name: kind.label(record) }));
          await load(kind);
          // Seen as well as announced: the row has left the list (a new user's trial).
          kind.el.querySelector("h2").after(message(t("confirmed_record", { name: kind.label(record) }), "ok"));
        });
        return button;
      },
    }], items));
  }
  // What an edit changed since the city confirmed the record, field by field
  // (GET .../changes); a record never confirmed shows each field as new.
  function changesView(data, fieldKey) {
    if (!data.changes.length) return message(t("no_changes_awaiting"));
    const rows = table([
      { label: t("col.field"), cell: (c) => { const key = fieldKey + "." + c.field; const name = t(key); return typeof name === "string" && name !== key ? name : c.field; } },
      { label: t("change_confirmed"), cell: (c) => shown(c.confirmed) },
      { label: t("change_current"), cell: (c) => shown(c.current) },
    ], data.changes);
    // A record the city never confirmed: every field is new, said above them.
    return data.confirmed_version_kept ? rows : h("div", {}, message(t("new_record")), rows);
  }
  // One after the other: a caller runs a bounded number of list requests at
  // once (ranking_per_caller), and two at once were refused 429 in CI.
  for (const kind of kinds) await load(kind);
}
