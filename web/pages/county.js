// The county department's pages: the problem bank (search, filters, paging),
// the expert pool, the workstation plan (run with progress, read, approve,
// download, print) and the county ledger as tables and bar charts.
import { get, post, call, enc, qs } from "../api.js";
import { h, clear, announce, fmtDate } from "../dom.js";
import { t } from "../i18n/index.js";
import {
  errorText, message, unavailable, statusBadge, table, pager, barChart, topChart, busy, field,
  actorLabel,
} from "../ui.js";
import { countyOf } from "./common.js";

const PAGE = 20;
const STATUSES = ["open", "submitted", "matched", "in_progress", "solved", "withdrawn", "closed"];

// Whether the problem list honours query parameter `name`: a value no record
// has must give no rows. A service without the filter either refuses it (400)
// or ignores it (rows come back); either way the page says it is unavailable.
const support = {};
async function supportsFilter(name) {
  if (!(name in support)) {
    const r = await get("/api/v1/problems" + qs({ [name]: "\u672a\u77e5-probe-7f3a", limit: 1 }));
    support[name] = r.ok && r.data && r.data.total === 0;
  }
  return support[name];
}

function readHash() {
  const i = location.hash.indexOf("?");
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : "");
}

export async function bankPage(root, who) {
  const county = countyOf(who);
  root.append(h("h1", {}, county ? t("bank_title", { county }) : t("nav.bank")));
  const params = readHash();
  // One after the other: a caller's list requests at once are bounded (ranking_per_caller).
  const hasQ = await supportsFilter("q");
  const hasIndustry = await supportsFilter("industry");
  const form = h("form", { class: "card filters", role: "search", id: "bank-filters" },
    field("b-q", t("fields.q"), h("input", { name: "q", type: "search", value: params.get("q") || "", disabled: !hasQ })),
    field("b-status", t("fields.status"), h("select", { name: "status" }, h("option", { value: "" }, t("all")),
      STATUSES.map((s) => h("option", { value: s, selected: params.get("status") === s }, t("statuses." + s))))),
    field("b-industry", t("fields.industry"), h("input", { name: "industry", value: params.get("industry") || "", disabled: !hasIndustry })),
    field("b-enterprise", t("fields.enterprise"), h("input", { name: "enterprise", value: params.get("enterprise") || "" })),
    field("b-urgency", t("fields.urgency"), h("select", { name: "urgency" }, h("option", { value: "" }, t("all")),
      [5, 4, 3, 2, 1].map((u) => h("option", { value: u, selected: params.get("urgency") === String(u) }, t("urgency." + u))))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("search")),
      h("button", { type: "button", onclick: () => { location.hash = "#/bank"; } }, t("reset"))));
  root.append(form);
  if (!hasQ) root.append(message(t("search_unavailable"), "notice"));
  if (!hasIndustry) root.append(message(t("industry_unavailable"), "notice"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const name of ["q", "status", "industry", "enterprise", "urgency"]) {
      const el = form.elements[name];
      if (!el.disabled && el.value.trim()) p.set(name, el.value.trim());
    }
    location.hash = "#/bank?" + p.toString();
  });

  const query = { limit: PAGE, offset: Number(params.get("offset")) || 0 };
  if (county) query.county = county;
  for (const name of ["q", "status", "industry", "enterprise", "urgency"])
    if (params.get(name) && (name !== "q" || hasQ) && (name !== "industry" || hasIndustry)) query[name] = params.get(name);
  const r = await get("/api/v1/problems" + qs(query));
  const results = h("section", { id: "bank-results", "aria-live": "polite" });
  root.append(results);
  if (!r.ok) { results.append(message(errorText(r), "error")); return; }
  results.append(table([
    { label: t("col.id"), cell: (p) => p.id },
    { label: t("col.title"), cell: (p) => h("a", { href: "#/problem/" + enc(p.id) }, p.title) },
    { label: t("col.enterprise"), cell: (p) => p.enterprise },
    { label: t("col.industry"), cell: (p) => p.industry || "—" },
    { label: t("col.urgency"), cell: (p) => p.urgency || "—", class: "num" },
    { label: t("col.status"), cell: (p) => statusBadge(p.status) },
    { label: t("col.submitted"), cell: (p) => p.submitted || "—" },
  ], r.data.items || []));
  results.append(pager(r.data, (offset) => {
    const p = readHash();
    p.set("offset", offset);
    location.hash = "#/bank?" + p.toString();
  }));
}

export async function expertsPage(root, who) {
  const county = countyOf(who);
  root.append(h("h1", {}, county ? t("experts_title", { county }) : t("nav.experts")));
  const offset = Number(readHash().get("offset")) || 0;
  const r = await get("/api/v1/experts" + qs({ county, limit: PAGE, offset }));
  if (!r.ok) { root.append(message(errorText(r), "error")); return; }
  root.append(table([
    { label: t("col.name"), cell: (e) => e.name },
    { label: t("col.pro_title"), cell: (e) => e.title || "—" },
    { label: t("col.college"), cell: (e) => e.college || "—" },
    { label: t("col.research"), cell: (e) => (e.fields || []).join("、") },
    // Shared experts are the city's to edit: which counties, on the list (a new user's trial).
    { label: t("col.counties"), cell: (e) => (e.counties || []).join("、") || "—" },
    { label: t("col.capacity"), cell: (e) => e.capacity, class: "num" },
    { label: t("col.available"), cell: (e) => (e.available ? t("yes") : t("no")) },
    { label: t("col.confirmed"), cell: (e) => (e.verified === false ? t("awaiting_city") : t("city_confirmed")) },
  ], r.data.items || []));
  root.append(pager(r.data, (o) => { location.hash = "#/experts?offset=" + o; }));
}

// ---- workstation plans ----

export async function planPage(root, who) {
  const county = countyOf(who);
  root.append(h("h1", {}, t("plan_title", { county })));
  const runButton = h("button", { type: "button", class: "primary", id: "run-plan" }, t("run_plan"));
  const progress = h("div", { id: "plan-progress", role: "status", "aria-live": "polite" });
  const listSection = h("section", { class: "card no-print", id: "plans", "aria-labelledby": "plans-h" }, h("h2", { id: "plans-h" }, t("plans_list")));
  const planView = h("section", { id: "plan-view", "aria-live": "polite" });
  root.append(h("div", { class: "actions no-print" }, runButton), progress, planView, listSection);

  // The plan on view and the state it was drawn in: when the list shows that
  // plan in another state (approved elsewhere, or a draft gone stale), it is
  // drawn again, so no button offers what the service would refuse.
  let shown = null;
  const stateOf = (p) => p.status + (p.stale ? "/stale" : "");
  // Each drawing is made apart and put on the page only if no later one
  // began meanwhile: a plan opened while the page's first plan was still
  // being drawn (it waits for the download probe) showed both, one under
  // the other (seen in a browser test).
  let drawing = 0;
  async function draw(record) {
    const mine = ++drawing;
    shown = record;
    const box = h("div");
    await renderPlan(box, record, who, { refreshList, clearStatus });
    if (mine === drawing) clear(planView).append(box);
  }
  async function showPlan(id) {
    const mine = ++drawing;
    const r = await get("/api/v1/plans/" + enc(id));
    if (mine !== drawing) return;
    if (!r.ok) { shown = null; clear(planView).append(message(errorText(r), "error")); return; }
    await draw(r.data);
  }
  // Each action starts with no message of an earlier one on the page.
  function clearStatus() {
    clear(progress);
    for (const el of planView.querySelectorAll(".msg-ok, .msg-slot")) {
      if (el.classList.contains("msg-slot")) el.textContent = "";
      else el.remove();
    }
  }
  async function refreshList() {
    const r = await get("/api/v1/counties/" + enc(county) + "/plans" + qs({ limit: 20 }));
    for (const el of listSection.querySelectorAll(":scope > :not(h2)")) el.remove();
    if (!r.ok) { listSection.append(message(errorText(r), "error")); return null; }
    const items = r.data.items || r.data.plans || [];
    if (!items.length) { listSection.append(message(t("no_plans"))); return items; }
    listSection.append(table([
      { label: t("col.plan_no"), cell: (p) => p.id, class: "nowrap" },
      { label: t("col.status"), cell: (p) => planStatusBadge(p), class: "nowrap" },
      { label: t("col.created"), cell: (p) => fmtDate(p.created_at), class: "nowrap" },
      { label: t("plan_summary"), cell: (p) => p.summary || (p.plan && p.plan.summary) || "" },
      { label: "", cell: (p) => h("button", { type: "button", onclick: () => { clearStatus(); showPlan(p.id); } }, t("open_plan")), class: "nowrap" },
    ], items));
    const listed = shown && items.find((p) => p.id === shown.id);
    if (listed && stateOf(listed) !== stateOf(shown)) await showPlan(shown.id);
    return items;
  }

  runButton.addEventListener("click", async () => {
    clearStatus();
    busy(runButton, true, t("planning"));
    clear(progress).append(h("p", { class: "progress" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("planning")));
    planView.setAttribute("aria-busy", "true");
    const r = await post("/api/v1/counties/" + enc(county) + "/plans", {});
    busy(runButton, false);
    planView.removeAttribute("aria-busy");
    clear(progress);
    if (!r.ok) { progress.append(message(errorText(r), "error")); return; }
    progress.append(message(t("plan_done"), "ok"));
    await draw(r.data);
    await refreshList();
  });

  const items = await refreshList();
  // The newest draft still approvable, else the plan in force; never a stale
  // draft (a new user's trial opened on one).
  const current = (items || []).find((p) => (p.status === "draft" && !p.stale) || p.status === "approved");
  if (current) await showPlan(current.id);
}

// A plan's status as the service names it in the reader's language
// (status_text, from the message catalogue); the code picks the badge's colour.
function planStatusBadge(record) {
  const badge = statusBadge(record.status, "plan_statuses");
  if (record.status_text) badge.textContent = record.status_text;
  if (record.status === "draft" && record.stale) return [badge, " ", h("span", { class: "badge badge-stale", title: record.stale_reason || "" }, t("plan_stale_badge"))];
  return badge;
}

async function renderPlan(view, record, who, { refreshList, clearStatus }) {
  const plan = record.plan || {};
  const statusEl = h("span", { id: "plan-status" }, planStatusBadge(record));
  const actions = h("div", { class: "actions no-print" });
  const note = h("p", { class: "msg-slot", role: "alert", "aria-live": "assertive" });
  view.append(
    h("h2", {}, t("plan_title", { county: record.county }), " ", t("plan_no", { id: record.id }), " ", statusEl),
    h("p", { class: "meta" }, t("plan_created", { at: fmtDate(record.created_at) }),
      record.approved_at ? " · " + t("plan_statuses.approved") + " " + fmtDate(record.approved_at) + (record.approved_by ? "（" + actorLabel(record.approved_by) + "）" : "") : ""),
    actions, note,
    h("section", { class: "card" }, h("h3", {}, t("plan_summary")), h("p", { id: "plan-summary" }, plan.summary || "")));

  if ((record.attention || []).length) {
    // A coordinator rejected a key topic's leader after approval: the county reassigns it.
    view.querySelector(".msg-slot").before(h("div", { class: "msg msg-notice", id: "plan-attention" },
      h("strong", {}, t("plan_attention")), h("ul", {}, record.attention.map((a) => h("li", {}, a.message)))));
  }
  if (record.status === "draft" && record.stale) {
    // The service would refuse it (409): say so now, and offer no approval.
    // The service's own reason (which decision, which leader) where it gives one.
    view.querySelector(".msg-slot").before(h("p", { class: "msg msg-notice", id: "plan-stale" },
      record.stale_reason ? t("plan_stale_because", { reason: record.stale_reason }) : t("plan_stale")));
  } else if (record.status === "draft" && (who.role === "county" || who.role === "admin")) {
    const approve = h("button", { type: "button", class: "primary", id: "approve-plan" }, t("approve"));
    approve.addEventListener("click", async () => {
      clearStatus();
      // Approval changes problems' status and supersedes the approved plan: asked first.
      if (!window.confirm(t("approve_confirm", { county: record.county, id: record.id }))) return;
      busy(approve, true, t("approving"));
      const r = await post("/api/v1/plans/" + enc(record.id) + "/approve", {});
      if (!r.ok) {
        busy(approve, false);
        note.textContent = errorText(r);
        // A 409 may mean the draft went stale meanwhile: the list shows the state now.
        if (r.status === 409) await refreshList();
        return;
      }
      approve.remove();
      Object.assign(record, r.data);  // the page's record of what is on view
      clear(statusEl).append(planStatusBadge(r.data));
      announce(t("approved_ok"));
      note.textContent = "";
      view.querySelector(".msg-slot").before(message(t("approved_ok"), "ok"));
      await refreshList();
    });
    actions.append(approve);
  }
  // The spreadsheet comes from GET /api/v1/plans/{id}?format=xlsx; a service
  // without it answers JSON (the parameter ignored) or an error.
  const xlsxUrl = "/api/v1/plans/" + enc(record.id) + "?format=xlsx";
  const probe = await call("HEAD", xlsxUrl);
  const probeType = probe.type || "";
  let xlsxOk = probe.ok && probeType.includes("spreadsheet");
  if (!xlsxOk && (probe.status === 405 || probe.status === 404)) {
    const g = await fetch(xlsxUrl, { credentials: "same-origin" }).catch(() => null);
    xlsxOk = !!g && g.ok && (g.headers.get("Content-Type") || "").includes("spreadsheet");
  }
  if (xlsxOk) actions.append(h("a", { class: "button", id: "download-plan", href: xlsxUrl, download: "" }, t("download_xlsx")));
  else actions.append(h("span", { class: "msg msg-notice", id: "download-unavailable" }, t("download_unavailable")));
  actions.append(h("button", { type: "button", id: "print-plan", onclick: () => window.print() }, t("print")));

  view.append(h("section", { class: "card", id: "plan-team" }, h("h3", {}, t("team") + "（" + (plan.team || []).length + "）"),
    table([
      { label: t("col.name"), cell: (m) => h("strong", {}, m.name), class: "nowrap" },
      { label: t("col.pro_title"), cell: (m) => [m.title, m.college].filter(Boolean).join(" · "), class: "wide" },
      { label: t("col.stationed"), cell: (m) => (m.stationed ? t("yes") : t("no")), class: "nowrap" },
      { label: t("key_topics"), cell: (m) => m.key_topics ?? "", class: "num" },
      { label: t("col.reason"), cell: (m) => m.reason || "", class: "reason" },
    ], plan.team || [])));
  view.append(h("section", { class: "card", id: "plan-topics" }, h("h3", {}, t("key_topics") + "（" + (plan.key_topics || []).length + "）"),
    table([
      { label: t("col.enterprise"), cell: (k) => k.enterprise, class: "wide" },
      { label: t("col.title"), cell: (k) => [h("span", { class: "meta" }, k.problem_id), " ", k.title,
        ...(k.awaits_city ? [" ", h("span", { class: "badge badge-pending" }, t("awaiting_city"))] : [])], class: "wide" },
      { label: t("col.urgency"), cell: (k) => k.urgency ?? "", class: "num" },
      { label: t("col.expert"), cell: (k) => (k.rejected ? [k.expert_name || k.expert_id, " ", h("span", { class: "badge badge-stale" }, t("plan_rejected_badge"))] : k.expert_name || k.expert_id), class: "nowrap" },
      { label: t("col.reason"), cell: (k) => k.reason || "", class: "reason" },
    ], plan.key_topics || [])));
  if ((plan.diagnoses || []).length)
    view.append(h("section", { class: "card", id: "plan-diagnoses" }, h("h3", {}, t("diagnoses")),
      h("ul", {}, plan.diagnoses.map((d) => h("li", {}, d.message || d.subject)))));
}

// ---- ledger ----

// The year of the ledger asked for (#/ledger?year=2025), or "" for all years.
function ledgerYear() {
  const y = new URLSearchParams(location.hash.split("?")[1] || "").get("year") || "";
  return /^\d{4}$/.test(y) ? y : "";
}

// A county reports each year: the ledger page chooses the year (this one
// and those with submissions, from the ledger's `years`; new-user trial 22
// was offered years with nothing in them), or every year, and its
// spreadsheet follows.
function yearChooser(year, years) {
  const now = new Date().getFullYear();
  const offered = [...new Set([now, ...(years || []), ...(year ? [Number(year)] : [])])].sort((a, b) => b - a);
  const select = h("select", { id: "l-year" },
    h("option", { value: "" }, t("all_years")),
    ...offered.map((y) => h("option", { value: String(y) }, t("year_n", { year: y }))));
  select.value = year;
  select.addEventListener("change", () => {
    location.hash = "#/ledger" + (select.value ? "?year=" + select.value : "");
  });
  return h("p", { class: "filters no-print" }, h("label", { for: "l-year" }, t("ledger_year")), " ", select);
}

// The city (admin) reads the city's ledger: every county, with a row each
// (a new user found no way for the city to see how the counties stand).
export async function ledgerPage(root, who) {
  const city = who.role === "admin";
  const county = city ? t("city_name") : countyOf(who);
  const year = ledgerYear();
  root.append(h("h1", {}, year ? t("ledger_title_year", { county, year }) : t("ledger_title", { county })));
  const chooser = h("div");
  root.append(chooser);
  const path = city ? "/api/v1/ledger" : "/api/v1/counties/" + enc(county) + "/ledger";
  const r = await get(path + qs({ year }));
  chooser.replaceWith(yearChooser(year, r.ok && r.data ? r.data.years : null));
  if (r.ok && r.data) { renderLedger(root, r.data, path, year); return; }
  if (!r.missing) { root.append(message(errorText(r), "error")); return; }
  root.append(message(t("ledger_fallback"), "notice"));
  const all = await get("/api/v1/problems" + qs({ county, limit: 500 }));
  if (!all.ok) { root.append(message(errorText(all), "error")); return; }
  const items = all.data.items || [];
  const count = (key) => {
    const m = new Map();
    for (const p of items) { const k = key(p); m.set(k, (m.get(k) || 0) + 1); }
    return [...m.entries()];
  };
  root.append(h("p", { class: "big" }, t("total_problems", { n: all.data.total })));
  root.append(h("div", { class: "charts" },
    barChart(t("by_status"), count((p) => p.status).map(([s, v]) => ({ label: t("statuses." + s), value: v }))),
    barChart(t("by_urgency"), count((p) => p.urgency || 0).sort((a, b) => b[0] - a[0]).map(([u, v]) => ({ label: t("urgency." + u), value: v }))),
    topChart(t("by_industry"), count((p) => p.industry || "—").map(([k, v]) => ({ label: k, value: v }))),
    barChart(t("by_month"), count((p) => String(p.submitted || "").slice(0, 7) || "—").sort().map(([k, v]) => ({ label: k, value: v })))));
}

function statusRows(byStatus, statuses) {
  return Object.entries(byStatus || {}).map(([s, v]) => ({ label: (statuses.find((x) => x.status === s) || {}).label || t("statuses." + s), value: v }));
}

function renderLedger(root, L, path, year) {
  const statuses = L.statuses || [];
  const actions = h("div", { class: "actions no-print" },
    h("a", { class: "button", href: path + qs({ year, format: "xlsx" }), download: "" }, t("download_ledger")),
    h("button", { type: "button", onclick: () => window.print() }, t("print")));
  root.append(actions);
  if (L.as_of) root.append(h("p", { class: "meta" }, t("as_of", { date: L.as_of })));
  if (L.totals) root.append(h("p", { class: "big" }, t("total_problems", { n: L.totals.submitted })));
  // New-user trial 22: 攻关中 6 for the year beside 16 key topics in the team
  // table; the two are counted over different things, which the page says.
  if (year) root.append(h("p", { class: "hint" }, t("ledger_year_basis", { year })));
  const charts = h("div", { class: "charts" });
  if (L.totals) charts.append(barChart(t("by_status"), statusRows(L.totals.by_status, statuses)));
  if (L.by_industry) charts.append(topChart(t("by_industry"), L.by_industry.map((x) => ({ label: x.industry || "—", value: x.submitted }))));
  if (L.by_month) charts.append(barChart(t("by_month"), L.by_month.map((x) => ({ label: x.month, value: x.submitted }))));
  root.append(charts);
  if (Array.isArray(L.by_county) && L.by_county.length)
    root.append(h("section", { class: "card", id: "ledger-counties" }, h("h2", {}, t("ledger_by_county")), table([
      { label: t("col.county"), cell: (c) => c.county },
      { label: t("total_col"), cell: (c) => c.submitted, class: "num" },
      ...statuses.map((s) => ({ label: s.label, cell: (c) => (c.by_status || {})[s.status] || 0, class: "num" })),
    ], L.by_county)));
  if (Array.isArray(L.experts)) {
    // The workstation's team and whoever else worked on the county's
    // problems; experts only stationed here are named in one line below.
    const working = L.experts.filter((e) => e.standing !== "stationed");
    const stationed = L.experts.filter((e) => e.standing === "stationed");
    const team = working.filter((e) => e.standing === "team").length;
    const section = h("section", { class: "card" }, h("h2", {}, t("ledger_experts")));
    const city = L.county == null;
    section.append(h("p", { class: "meta" }, team ? t(city ? "ledger_team_count_city" : "ledger_team_count", { n: team })
      : t(year ? "ledger_no_team_year" : "ledger_no_team")));
    if (working.length)
      section.append(table([
        { label: t("col.name"), cell: (e) => e.name || e.id },
        { label: t("col.standing"), cell: (e) => e.standing_label || e.standing },
        { label: t("col.college"), cell: (e) => [e.title, e.college].filter(Boolean).join(" · ") },
        { label: t("key_topics"), cell: (e) => (e.key_topics || []).length, class: "num" },
        { label: t("col.accepted"), cell: (e) => (e.accepted_matches || []).length, class: "num" },
        { label: t("statuses.solved"), cell: (e) => (e.outcomes && e.outcomes.solved) || 0, class: "num" },
      ], working));
    if (stationed.length)
      section.append(h("p", { class: "meta" }, t(city ? "ledger_also_city" : "ledger_also_stationed", { n: stationed.length, names: stationed.map((e) => e.name || e.id).join("、") })));
    root.append(section);
  }
  const waiting = L.waiting_longest;
  if (Array.isArray(waiting))
    root.append(h("section", { class: "card" }, h("h2", {}, t(year ? "waiting_longest_any_year" : "waiting_longest")), table([
      { label: t("col.id"), cell: (p) => h("a", { href: "#/problem/" + enc(p.id) }, p.id) },
      { label: t("col.title"), cell: (p) => p.title },
      { label: t("col.enterprise"), cell: (p) => p.enterprise },
      { label: t("col.urgency"), cell: (p) => p.urgency, class: "num" },
      { label: t("col.days"), cell: (p) => p.days_waiting ?? "—", class: "num" },
    ], waiting)));
}
