// Widgets the pages share: messages, status badges, highlighted text, score
// bars (inline SVG), bar charts, a pager and form field errors.
import { h, svg, clear, announce } from "./dom.js";
import { t } from "./i18n/index.js";

export function errorText(answer) {
  if (answer.status === 0) return t("network_error");
  if (answer.error && answer.error.message) return answer.error.message;
  if (answer.status === 404) return t("not_found");
  return t("server_error", { status: answer.status });
}

// A message box: kind "error" (role=alert), "info" or "notice".
export function message(text, kind = "info") {
  return h("p", { class: "msg msg-" + kind, role: kind === "error" ? "alert" : null }, text);
}

export function unavailable(what) { return message(t("unavailable", { what }), "notice"); }

export function statusBadge(status, table = "statuses") {
  return h("span", { class: "badge badge-" + status }, t(table + "." + status));
}

// `text` with the spans [begin, end) (UTF-16 code units, as String.slice
// counts) wrapped in <mark>. Overlapping spans are merged.
export function highlighted(text, spans, tag = "span") {
  const el = h(tag, { class: "hl-text" });
  const sorted = spans.filter((s) => s[0] < s[1] && s[0] >= 0 && s[1] <= text.length)
    .map((s) => [s[0], s[1]]).sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push(s);
  }
  let at = 0;
  for (const [b, e] of merged) {
    if (b > at) el.append(text.slice(at, b));
    el.append(h("mark", {}, text.slice(b, e)));
    at = e;
  }
  if (at < text.length) el.append(text.slice(at));
  return el;
}

// Spans of every occurrence of each term in `text` (for the expert's side,
// where the API gives no positions: the terms are found by their text).
export function findTerms(text, terms) {
  const spans = [];
  const lower = text.toLowerCase();
  for (const term of terms) {
    const needle = term.toLowerCase();
    if (!needle) continue;
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length))
      spans.push([i, i + needle.length]);
  }
  return spans;
}

// The problem's fields with the match's shared terms marked, from
// terms[].utf16_positions (byte positions are for programs, not browsers).
export function problemWithTerms(problem, terms) {
  const by = { title: [], description: [], keywords: [] };
  for (const term of terms || []) {
    const spans = term.utf16_positions || [];
    if (by[term.field]) by[term.field].push(...spans);
  }
  const keywords = (problem.keywords || []).join("，");
  return h("div", { class: "problem-text" },
    h("p", { class: "ptitle" }, highlighted(problem.title || "", by.title, "strong")),
    keywords ? h("p", { class: "pkeywords" }, t("fields.keywords") + "：", highlighted(keywords, by.keywords)) : null,
    h("p", { class: "pdesc" }, highlighted(problem.description || "", by.description)));
}

export function uniqueTerms(terms) {
  return [...new Set((terms || []).map((x) => x.term))];
}

// One labelled bar for a score in [0, 1]: the width carries the value, the
// text gives a rounded percentage, and no raw float is shown.
export function scoreBar(label, value) {
  const v = Math.max(0, Math.min(1, Number(value) || 0));
  const pct = Math.round(v * 100);
  return h("div", { class: "bar-row" },
    h("span", { class: "bar-label" }, label),
    svg("svg", { class: "bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", role: "img", "aria-label": `${label} ${pct}%` },
      svg("rect", { x: 0, y: 0, width: 100, height: 10, class: "bar-bg" }),
      svg("rect", { x: 0, y: 0, width: Math.max(pct, 1), height: 10, class: "bar-fg" })),
    h("span", { class: "bar-value", "aria-hidden": "true" }, pct + "%"));
}

export function scoreBars(match) {
  const c = match.components || {};
  return h("div", { class: "bars" },
    scoreBar(t("components.confidence"), match.confidence),
    scoreBar(t("components.dense"), c.dense),
    scoreBar(t("components.lexical"), c.lexical),
    scoreBar(t("components.profile"), c.profile));
}

// Who did something, as the API records it ("coordinator:柯城区", "admin"),
// in words: 工作站联络员 · 柯城区. An unknown role is shown as it is.
export function actorLabel(by) {
  const text = String(by || "");
  const at = text.indexOf(":");
  const role = at < 0 ? text : text.slice(0, at);
  const scope = at < 0 ? "" : text.slice(at + 1);
  const label = t("roles." + role);
  const name = label === "roles." + role ? role : label;
  return scope ? name + " · " + scope : name;
}

// The label of a work's kind ("paper" -> 论文), or a plain one for a kind the catalogue lacks.
export function kindLabel(kind) {
  const label = t("work_kinds." + kind);
  return label === "work_kinds." + kind ? t("work_kind_other") : label;
}

export function confidenceLabel(c) {
  return t("confidence_levels." + (c >= 0.7 ? "high" : c >= 0.4 ? "mid" : "low"));
}

// A horizontal bar chart of [{label, value}]: a table (readable without the
// picture) whose bars are inline SVG rectangles; no chart library, and nothing
// the Content-Security-Policy (no inline styles) would refuse.
export function barChart(caption, rows) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h("figure", { class: "chart" },
    h("figcaption", {}, caption),
    h("table", { class: "chart-table" },
      h("tbody", {}, rows.map((r) => h("tr", {},
        h("th", { scope: "row" }, r.label),
        h("td", { class: "chart-bar-cell" },
          svg("svg", { class: "chart-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true" },
            svg("rect", { x: 0, y: 0, width: Math.max(1, (100 * r.value) / max), height: 10 }))),
        h("td", { class: "num" }, r.value))))));
}

// Chart rows that never drop a category silently: the `top` largest rows
// ({label, value}, largest first) and, if more remain, one row "其他（n 类）"
// with their sum. Returns {rows, note}: `note` says what was merged ("" if nothing).
export function topRows(rows, top) {
  const sorted = [...rows].sort((a, b) => b.value - a.value);
  if (sorted.length <= top) return { rows: sorted, note: "" };
  const rest = sorted.slice(top);
  const other = { label: t("other_categories", { n: rest.length }), value: rest.reduce((s, r) => s + r.value, 0) };
  return { rows: [...sorted.slice(0, top), other], note: t("other_categories_note", { top, n: rest.length }) };
}

// A bar chart of every category: the top `top` and an explicit "其他" row, with a note.
export function topChart(caption, rows, top = 12) {
  const { rows: shown, note } = topRows(rows, rows.length <= top ? top : top - 1);
  const fig = barChart(caption, shown);
  if (note) fig.append(h("p", { class: "meta chart-note" }, note));
  return fig;
}

export function table(columns, rows, { caption } = {}) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, rows.length
        ? rows.map((row) => h("tr", {}, columns.map((c) => h("td", { "data-label": c.label, class: c.class || null }, c.cell(row)))))
        : h("tr", {}, h("td", { colspan: columns.length }, t("empty"))))));
}

export function pager(page, onGo) {
  const { offset, limit, total } = page;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(total, offset + limit);
  return h("nav", { class: "pager", "aria-label": t("pagination") },
    h("button", { type: "button", disabled: offset === 0, onclick: () => onGo(Math.max(0, offset - limit)) }, t("prev_page")),
    h("span", { class: "page-info", "aria-live": "polite" }, total === 0 ? t("empty") : t("page_info", { from, to, total })),
    h("button", { type: "button", disabled: to >= total, onclick: () => onGo(offset + limit) }, t("next_page")));
}

// ---- form fields with errors in place ----

// A labelled field: the error paragraph sits right under the input and is
// tied to it by aria-describedby; aria-invalid marks the input.
export function field(id, label, input, hint) {
  input.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: id + "-hint" }, hint) : null;
  const err = h("span", { class: "field-error", id: id + "-error", "aria-live": "polite" });
  input.setAttribute("aria-describedby", [hint ? id + "-hint" : "", id + "-error"].join(" ").trim());
  return h("div", { class: "field", "data-field": id }, h("label", { for: id }, label), hintEl, input, err);
}

export function setFieldError(form, id, text) {
  const input = form.querySelector("#" + id);
  const err = form.querySelector("#" + id + "-error");
  if (!input || !err) return false;
  err.textContent = text || "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}

export function clearFieldErrors(form) {
  for (const err of form.querySelectorAll(".field-error")) err.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

export function busy(button, on, text) {
  if (on) {
    button.dataset.label = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    clear(button).append(h("span", { class: "spinner", "aria-hidden": "true" }), text || button.dataset.label);
  } else {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = button.dataset.label || button.textContent;
  }
}

export { announce };
