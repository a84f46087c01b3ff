// The coordinator's review queue: every pending good match of the county's
// open problems, the problem's text and the expert's side by side with the
// shared terms marked in both, the component scores as bars, and accept or
// reject with a note (a reject needs one). GET /api/v1/review-queue gives the
// queue; where the service does not have it yet, the page builds the same
// list from the problem bank and each problem's matches, and says so.
import { get, post, enc, qs } from "../api.js";
import { h, clear, announce, fmtDate } from "../dom.js";
import { t } from "../i18n/index.js";
import {
  errorText, message, problemWithTerms, uniqueTerms, highlighted, findTerms, scoreBars, kindLabel,
  field, setFieldError, clearFieldErrors, busy, pager, actorLabel,
} from "../ui.js";
import { countyOf } from "./common.js";

const PAGE = 10;

export async function queuePage(root, who, offsetArg) {
  const county = countyOf(who);
  root.append(h("h1", {}, t("queue_title")), h("p", {}, t("queue_intro", { county: county || "—" })));
  const decisions = h("section", { class: "card", id: "decisions", "aria-labelledby": "dec-h" },
    h("h2", { id: "dec-h" }, t("decisions")), h("ol", { class: "timeline", id: "decision-list" }));
  const listEl = h("div", { id: "queue" });
  root.append(listEl, decisions);
  const offset = Math.max(0, Number(offsetArg) || 0);

  let items, page;
  const r = await get("/api/v1/review-queue" + qs({ county, offset, limit: PAGE }));
  if (r.ok) {
    items = r.data.items || [];
    page = { offset: r.data.offset || 0, limit: r.data.limit || PAGE, total: r.data.total || 0 };
  } else if (r.missing) {
    listEl.append(message(t("queue_fallback"), "notice"));
    ({ items, page } = await fallbackQueue(county, offset));
    if (!items) { listEl.append(message(errorText(page), "error")); return; }
  } else {
    listEl.append(message(errorText(r), "error"));
    return;
  }
  if (!items.length) listEl.append(message(t("queue_empty")));
  const ol = h("ol", { class: "queue" });
  for (const item of items) ol.append(queueItem(item, decisions));
  listEl.append(ol);
  if (page.total > page.limit) listEl.append(pager(page, (o) => { location.hash = "#/queue/" + o; }));
  await loadDecisions(decisions, county, items);
}

// The queue from what every service has: the county's open problems, most
// urgent first, and their good matches that no one has decided yet (all of
// them, so the count is exact).
async function fallbackQueue(county, offset) {
  const problems = await get("/api/v1/problems" + qs({ county, status: "open", limit: 500 }));
  if (!problems.ok) return { items: null, page: problems };
  const open = (problems.data.items || []).sort((a, b) => (b.urgency || 0) - (a.urgency || 0) || String(a.id).localeCompare(String(b.id)));
  const items = [];
  for (let i = 0; i < open.length; i += 6) {
    const batch = open.slice(i, i + 6);
    const answers = await Promise.all(batch.map((p) => get("/api/v1/problems/" + enc(p.id) + "/matches" + qs({ k: 3 }))));
    batch.forEach((p, j) => {
      if (!answers[j].ok) return;
      for (const m of answers[j].data.matches || [])
        if (m.good_match && !m.review) items.push({ problem: p, match: m });
    });
  }
  return { items: items.slice(offset, offset + PAGE), page: { offset, limit: PAGE, total: items.length } };
}

let seq = 0;

function queueItem({ problem, match }, decisions) {
  const n = ++seq;
  const terms = uniqueTerms(match.terms);
  const note = h("textarea", { name: "note", rows: 2 });
  const form = h("form", { class: "decide", novalidate: true },
    field("note-" + n, t("note_label"), note, t("note_hint")),
    h("div", { class: "actions" },
      h("button", { type: "submit", value: "accept", class: "primary" }, t("accept")),
      h("button", { type: "submit", value: "reject", class: "danger" }, t("reject"))),
    h("p", { class: "msg-slot", role: "alert", "aria-live": "assertive" }));
  const li = h("li", { class: "card queue-item", "data-problem": problem.id, "data-expert": match.expert_id },
    h("div", { class: "side-by-side" },
      h("section", { class: "side", "aria-label": t("problem_text") },
        h("h2", {}, t("problem_text"), " ", h("span", { class: "meta" }, problem.id + " · " + (problem.enterprise || ""))),
        problemWithTerms(problem, match.terms)),
      h("section", { class: "side", "aria-label": t("expert_text") },
        h("h2", {}, t("expert_text"), " ", h("span", { class: "meta" }, match.name || match.expert_id)),
        terms.length ? h("p", { class: "terms" }, t("shared_terms") + "：", terms.map((x) => h("mark", { class: "chip" }, x))) : null,
        (match.matched_fields || []).length
          ? h("p", {}, t("matched_fields") + "：", highlighted(match.matched_fields.join("、"), findTerms(match.matched_fields.join("、"), terms))) : null,
        h("ul", { class: "works" }, (match.works || []).slice(0, 3).map((w) => h("li", {},
          h("span", { class: "kind" }, kindLabel(w.kind)), " ", highlighted(w.title, findTerms(w.title, terms))))))),
    h("div", { class: "scores" }, h("h3", {}, t("scores")), scoreBars(match)),
    form);

  let decision = "accept";
  for (const b of form.querySelectorAll("button[type=submit]")) b.addEventListener("click", () => { decision = b.value; });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = (e.submitter && e.submitter.value) || decision;
    clearFieldErrors(form);
    const slot = form.querySelector(".msg-slot");
    slot.textContent = "";
    const text = note.value.trim();
    if (d === "reject" && !text) {
      setFieldError(form, "note-" + n, t("reject_needs_note"));
      note.focus();
      return;
    }
    const button = form.querySelector(`button[value=${d}]`);
    busy(button, true);
    const r = await post("/api/v1/problems/" + enc(problem.id) + "/reviews", { expert_id: match.expert_id, decision: d, note: text });
    busy(button, false);
    if (!r.ok) {
      if (r.error && r.error.field === "note") setFieldError(form, "note-" + n, r.error.message);
      else slot.textContent = errorText(r);
      return;
    }
    const done = d === "accept" ? t("decided_accept", { expert: match.name }) : t("decided_reject", { expert: match.name, note: text });
    li.classList.add("decided", "decided-" + d);
    form.replaceWith(h("p", { class: "msg msg-" + (d === "accept" ? "ok" : "info"), role: "status" }, done));
    announce(done);
    addDecision(decisions, r.data, problem, match.name);
  });
  return li;
}

function decisionLine(x, problemTitle, expertName) {
  return h("li", { "data-decision": x.decision, "data-review": String(x.id) },
    h("time", {}, fmtDate(x.created_at)), " ",
    h("strong", {}, t("decision_names." + x.decision)), " ",
    (expertName || x.expert_id) + " → " + (problemTitle ? problemTitle + "（" + x.problem_id + "）" : x.problem_id),
    x.note ? h("span", { class: "note" }, "：" + x.note) : null,
    x.reviewer ? h("span", { class: "meta" }, "（" + actorLabel(x.reviewer) + "）") : null);
}

function listed(list, review) {
  return [...list.children].some((li) => li.dataset.review === String(review.id));
}

function addDecision(section, review, problem, expertName) {
  const list = section.querySelector("#decision-list");
  const empty = section.querySelector(".empty-decisions");
  if (empty) empty.remove();
  // Once per review: the list may still be loading it, and a decision
  // already in force is answered with the same review (a new user's trial
  // saw one acceptance listed twice).
  if (listed(list, review)) return;
  list.prepend(decisionLine(review, problem.title, expertName));
}

// The county's decisions, newest first: the reviews of each of its problems
// (there is no county-wide list of reviews), with names in place of ids.
async function loadDecisions(section, county, items) {
  const problems = await get("/api/v1/problems" + qs({ county, limit: 500 }));
  const list = section.querySelector("#decision-list");
  if (!problems.ok) { section.append(message(errorText(problems), "error")); return; }
  const titles = new Map((problems.data.items || []).map((p) => [p.id, p.title]));
  const names = new Map(items.map((x) => [x.match.expert_id, x.match.name]));
  const all = [];
  const ids = [...titles.keys()];
  for (let i = 0; i < ids.length; i += 8) {
    const answers = await Promise.all(ids.slice(i, i + 8).map((id) => get("/api/v1/problems/" + enc(id) + "/reviews")));
    for (const a of answers) if (a.ok) all.push(...(a.data.reviews || a.data.items || []));
  }
  all.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  const shown = all.slice(0, 50);
  await Promise.all([...new Set(shown.map((x) => x.expert_id))].filter((id) => !names.has(id)).map(async (id) => {
    const e = await get("/api/v1/experts/" + enc(id));
    if (e.ok) names.set(id, e.data.name);
  }));
  for (const x of shown) if (!listed(list, x)) list.append(decisionLine(x, titles.get(x.problem_id), names.get(x.expert_id)));
  if (!shown.length && !list.children.length) section.append(h("p", { class: "empty-decisions" }, t("no_decisions")));
}
