// The enterprise's pages: submit a problem, its own problems, and for each its
// status, history and proposed experts with why each fits. The service scopes
// every answer to the signed-in enterprise; the pages never ask for anything
// else (another's problem answers 404 like one that does not exist).
import { get, post, enc, qs } from "../api.js";
import { h, append, clear, announce, fmtDate } from "../dom.js";
import { t } from "../i18n/index.js";
import {
  errorText, message, unavailable, statusBadge, problemWithTerms, uniqueTerms, highlighted, findTerms,
  confidenceLabel, kindLabel, field, setFieldError, clearFieldErrors, busy, table, actorLabel,
} from "../ui.js";
import { counties, byNewest } from "./common.js";

export async function problemsPage(root, who) {
  root.append(h("h1", {}, t("my_problems")),
    h("p", {}, h("a", { href: "#/submit", class: "button primary" }, t("nav.submit"))));
  const r = await get("/api/v1/problems" + qs({ limit: 500 }));
  if (!r.ok) { root.append(message(errorText(r), "error")); return; }
  const items = (r.data.items || []).slice().sort(byNewest);
  if (!items.length) { root.append(message(t("no_problems"))); return; }
  root.append(h("ul", { class: "cards", id: "my-problems" }, items.map((p) => h("li", { class: "card problem-card" },
    h("h2", {}, h("a", { href: "#/problem/" + enc(p.id) }, p.title)),
    h("p", { class: "meta" }, statusBadge(p.status), " ",
      t("urgency_label") + "：" + (p.urgency || "—"), " · ",
      t("submitted_on", { date: p.submitted || "" }), " · ", t("col.id") + " " + p.id)))));
}

const TITLE_MAX = 60;

// The county the signed-in enterprise is registered in (GET /api/v1/enterprises
// lists only itself to an enterprise), or "" when it is not registered yet.
async function registeredCounty(who) {
  if (who.role !== "enterprise") return "";
  const r = await get("/api/v1/enterprises");
  const mine = r.ok && (r.data.items || []).find((e) => e.name === who.scope);
  return mine ? mine.county : "";
}

// The id of the problem this page session just submitted, until its page
// has said so once.
let justSubmitted = null;

export async function submitPage(root, who) {
  root.append(h("h1", {}, t("submit_title")), h("p", {}, t("submit_intro")));
  const [countyList, registered] = await Promise.all([counties(), registeredCounty(who)]);
  // An enterprise files its problems under its registered county (the
  // service refuses another): that county is the only one offered (new-user
  // trial 22 was offered every county), else every county to choose from.
  const choices = registered ? [registered] : countyList;
  const countySelect = h("select", { name: "county", required: true },
    registered ? null : h("option", { value: "" }, t("choose")),
    choices.map((c) => h("option", { value: c, selected: c === registered }, c)));
  const urgencySelect = h("select", { name: "urgency", required: true },
    h("option", { value: "" }, t("choose")), [1, 2, 3, 4, 5].map((u) => h("option", { value: u }, t("urgency." + u))));
  const form = h("form", { id: "problem-form", novalidate: true, class: "card form" },
    field("f-title", t("fields.title"), h("input", { name: "title", maxlength: 200, autocomplete: "off", required: true })),
    field("f-county", t("fields.county"), countySelect),
    field("f-industry", t("fields.industry"), h("input", { name: "industry", autocomplete: "off" }), t("industry_hint")),
    field("f-keywords", t("fields.keywords"), h("input", { name: "keywords", autocomplete: "off" }), t("keywords_hint")),
    field("f-urgency", t("fields.urgency"), urgencySelect),
    field("f-description", t("fields.description"), h("textarea", { name: "description", rows: 6, required: true }), t("description_hint")),
    h("p", { class: "msg-slot", id: "form-message", role: "alert", "aria-live": "assertive" }),
    h("p", {}, h("button", { type: "submit", class: "primary" }, t("submit"))));
  root.append(form);

  // The server names the field it refuses ("title", "keywords[1]"): the
  // error goes next to that field's input.
  const FIELD_IDS = { title: "f-title", county: "f-county", industry: "f-industry", keywords: "f-keywords", urgency: "f-urgency", description: "f-description" };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const formMessage = form.querySelector("#form-message");
    formMessage.textContent = "";
    const v = {
      title: form.title.value.trim(),
      county: form.county.value,
      industry: form.industry.value.trim(),
      keywords: form.keywords.value.split(/[,，、;；]/).map((s) => s.trim()).filter(Boolean),
      urgency: form.urgency.value,
      description: form.description.value.trim(),
    };
    const errors = [];
    if (!v.title) errors.push(["f-title", t("required", { name: t("fields.title") })]);
    else if ([...v.title].length > TITLE_MAX) errors.push(["f-title", t("title_too_long")]);
    if (!v.county) errors.push(["f-county", t("required", { name: t("fields.county") })]);
    if (v.keywords.length > 10) errors.push(["f-keywords", t("keywords_too_many")]);
    if (!v.urgency) errors.push(["f-urgency", t("required", { name: t("fields.urgency") })]);
    if (!v.description) errors.push(["f-description", t("required", { name: t("fields.description") })]);
    else if ([...v.description].length < 10) errors.push(["f-description", t("description_too_short")]);
    if (errors.length) {
      for (const [id, text] of errors) setFieldError(form, id, text);
      formMessage.textContent = t("form_has_errors", { n: errors.length });
      form.querySelector("#" + errors[0][0]).focus();
      return;
    }
    const body = { title: v.title, county: v.county, description: v.description, urgency: Number(v.urgency) };
    if (v.industry) body.industry = v.industry;
    if (v.keywords.length) body.keywords = v.keywords;
    const button = form.querySelector("button[type=submit]");
    busy(button, true, t("submitting"));
    const r = await post("/api/v1/problems", body);
    busy(button, false);
    if (r.status === 201) {
      // Said on the problem's page, where the enterprise lands (a new user
      // saw no word that the problem had been received).
      justSubmitted = r.data.id;
      announce(t("submitted_ok", { id: r.data.id }));
      location.hash = "#/problem/" + enc(r.data.id);
      return;
    }
    const details = (r.error && r.error.details) || (r.error && r.error.field ? [{ field: r.error.field, reason: r.error.message }] : []);
    let placed = 0;
    for (const d of details) {
      const id = FIELD_IDS[String(d.field).replace(/\[\d+\]$/, "")];
      if (id && setFieldError(form, id, d.field === r.error.field ? r.error.message : d.reason)) {
        if (!placed) form.querySelector("#" + id).focus();
        placed++;
      }
    }
    formMessage.textContent = placed ? t("form_has_errors", { n: placed }) : errorText(r);
  });
}

export async function problemDetailPage(root, who, id) {
  const r = await get("/api/v1/problems/" + enc(id || ""));
  if (!r.ok) {
    root.append(h("h1", {}, t("problem_detail")), message(r.status === 404 ? t("not_found") : errorText(r), "error"),
      h("p", {}, h("a", { href: "#/" }, t("back"))));
    return;
  }
  const p = r.data;
  const submittedNow = justSubmitted === p.id;
  justSubmitted = null;
  // dom.js append skips null (Element.append would write "null": a new user saw it above the title).
  append(root, [h("p", {}, h("a", { href: who.role === "enterprise" ? "#/problems" : "#/bank" }, "← " + t("back"))),
    submittedNow ? message(t("submitted_next", { id: p.id, county: p.county }), "ok") : null,
    h("h1", {}, p.title),
    h("p", { class: "meta" }, statusBadge(p.status), " ", t("col.id") + " " + p.id, " · ", p.enterprise, " · ", p.county,
      p.industry ? " · " + p.industry : "", " · ", t("urgency_label") + "：" + (p.urgency || "—"), " · ",
      t("submitted_on", { date: p.submitted || "" })),
    who.role === "enterprise" && p.standing && p.standing.message ? h("p", { class: "standing" }, p.standing.message) : null,
    h("section", { class: "card", "aria-labelledby": "desc-h" }, h("h2", { id: "desc-h" }, t("fields.description")),
      (p.keywords || []).length ? h("p", {}, t("fields.keywords") + "：" + p.keywords.join("，")) : null,
      h("p", { class: "pdesc" }, p.description))]);

  const historySection = h("section", { class: "card", id: "history", "aria-labelledby": "hist-h" }, h("h2", { id: "hist-h" }, t("history")));
  const matchesSection = h("section", { id: "matches", "aria-labelledby": "match-h" }, h("h2", { id: "match-h" }, t("proposed_experts")));
  root.append(matchesSection, historySection);

  const [hist, matches] = await Promise.all([
    get("/api/v1/problems/" + enc(p.id) + "/history"),
    get("/api/v1/problems/" + enc(p.id) + "/matches" + qs({ k: 5 })),
  ]);
  renderHistory(historySection, hist);
  await renderMatches(matchesSection, p, matches);
}

function renderHistory(section, hist) {
  if (!hist.ok) {
    section.append(hist.missing ? unavailable(t("history_unavailable")) : message(errorText(hist), "error"));
    return;
  }
  const items = hist.data.items || [];
  if (!items.length) { section.append(message(t("empty"))); return; }
  section.append(h("ol", { class: "timeline" }, items.map((x) => x.kind === "review" ? h("li", {},
    h("time", {}, fmtDate(x.at)), " ", x.text || x.decision) : h("li", {},
    h("time", {}, fmtDate(x.at)), " ",
    x.from ? [statusBadge(x.from), " → "] : null, statusBadge(x.to),
    x.by ? h("span", { class: "meta" }, "（" + actorLabel(x.by) + "）") : null,
    x.note ? h("p", { class: "note" }, x.note) : null,
    x.outcome ? h("p", { class: "note" }, t("outcome") + "：" + x.outcome) : null))));
}

async function renderMatches(section, problem, r) {
  if (!r.ok) {
    section.append(r.status === 409 ? message(t("matches_closed")) : message(errorText(r), "error"));
    return;
  }
  const good = (r.data.matches || []).filter((m) => m.good_match);
  if (r.data.good_match_found === false || !good.length) {
    // Why none fits (not a technical problem, nobody's research, only
    // experts with a conflict ...), as the service says it.
    const why = r.data.no_good_match;
    section.append(message(why && why.message ? t("no_good_match_because", { reason: why.message })
      : t("no_good_match"), "notice"));
    return;
  }
  section.append(h("p", { class: "hint" }, t("highlight_legend")));
  const profiles = await Promise.all(good.map((m) => get("/api/v1/experts/" + enc(m.expert_id))));
  const list = h("ol", { class: "cards experts" });
  good.forEach((m, i) => {
    const e = profiles[i].ok ? profiles[i].data : null;
    list.append(h("li", { class: "card expert-card" }, expertCard(problem, m, e, i === 0)));
  });
  section.append(list);
}

// One proposed expert. The problem's text with the shared terms marked is
// folded away but in the first card (`open`): every card repeated it whole,
// and a new user scrolled a 2,700-pixel page for five experts.
export function expertCard(problem, m, expert, open = true) {
  const terms = uniqueTerms(m.terms);
  const bestWorks = (m.works || []).slice(0, 3);
  return [
    h("h3", {}, m.name || m.expert_id,
      expert ? h("span", { class: "meta" }, " " + [expert.title, expert.college].filter(Boolean).join(" · ")) : null),
    h("p", { class: "meta" }, t("confidence") + "：", h("strong", {}, confidenceLabel(m.confidence)),
      m.review === "accepted" || m.review === "accept" ? [" · ", h("span", { class: "badge badge-solved" }, t("accepted_badge"))] : null),
    h("h4", {}, t("why_fits")),
    terms.length ? h("p", { class: "terms" }, t("shared_terms") + "：", terms.map((x) => h("mark", { class: "chip" }, x)))
      : (m.matched_fields || []).length ? null : h("p", { class: "hint" }, t("no_shared_terms")),
    h("details", { class: "in-problem", open: open || null },
      h("summary", {}, t("terms_in_problem")), problemWithTerms(problem, m.terms)),
    (m.matched_fields || []).length ? h("p", {}, t("matched_fields") + "：" + m.matched_fields.join("、")) : null,
    bestWorks.length ? [h("h4", {}, t("best_works")), h("ul", { class: "works" }, bestWorks.map((w) => h("li", {},
      h("span", { class: "kind" }, kindLabel(w.kind)), " ", highlighted(w.title, findTerms(w.title, terms)))))] : null,
  ];
}
