// The pages' entry point: signing in and out, and which pages a role gets.
// Sign-in is POST /api/v1/sessions; the session cookie is HttpOnly, so the
// page learns who is signed in (role, scope, CSRF token) from GET
// /api/v1/whoami and keeps only the CSRF token, for unsafe requests.
import { call, get, setCsrf, onSessionLost } from "./api.js";
import { h, clear, announce } from "./dom.js";
import { t, language } from "./i18n/index.js";
import { errorText, setFieldError, clearFieldErrors, message } from "./ui.js";
import * as enterprise from "./pages/enterprise.js";
import * as coordinator from "./pages/coordinator.js";
import * as county from "./pages/county.js";
import * as admin from "./pages/admin.js";

// The shell (index.html) is written in Chinese; its words come from the
// catalogue too, in the chosen language.
document.documentElement.lang = language === "en" ? "en" : "zh-CN";
for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));

const app = document.getElementById("app");
let who = null;

// Role -> [route, label key, page function]; the first is the landing page.
const ROUTES = {
  enterprise: [
    ["problems", "nav.problems", enterprise.problemsPage],
    ["submit", "nav.submit", enterprise.submitPage],
  ],
  coordinator: [
    ["queue", "nav.queue", coordinator.queuePage],
    ["bank", "nav.bank", county.bankPage],
  ],
  county: [
    ["bank", "nav.bank", county.bankPage],
    ["experts", "nav.experts", county.expertsPage],
    ["plan", "nav.plan", county.planPage],
    ["ledger", "nav.ledger", county.ledgerPage],
  ],
  admin: [
    ["accounts", "nav.accounts", admin.accountsPage],
    ["confirm", "nav.confirm", admin.confirmPage],
    ["bank", "nav.bank", county.bankPage],
    ["experts", "nav.experts", county.expertsPage],
    ["ledger", "nav.city_ledger", county.ledgerPage],
  ],
};
// Pages reached from a list, not the menu: #/problem/ID.
const DETAIL = { problem: enterprise.problemDetailPage };

function showSignedIn(w) {
  who = w;
  document.getElementById("sign-in-section").hidden = !!w;
  document.getElementById("account").hidden = !w;
  const nav = document.getElementById("nav");
  nav.hidden = !w;
  clear(nav);
  clear(app);
  if (!w) {
    document.title = t("app_title") + " · " + t("sign_in");
    return;
  }
  const role = t("roles." + w.role);
  document.getElementById("who").textContent =
    t("signed_in_as", { who: t(w.scope ? "who_scoped" : "who", { name: w.username || "", role, scope: w.scope }) });
  const list = h("ul", {});
  for (const [route, label] of ROUTES[w.role] || []) {
    list.append(h("li", {}, h("a", { href: "#/" + route, "data-route": route }, t(label))));
  }
  nav.append(list);
  route();
}

// `moveFocus`: after navigating (a menu link, a form that leads to its
// result), focus goes to the new page's heading, so keyboard and screen
// reader users start at what they came for, not on the menu or <body>.
async function route(moveFocus = false) {
  if (!who) return;
  const routes = ROUTES[who.role] || [];
  // "#/bank?status=open" -> "bank" (the page reads its own query), "#/problem/ID" -> "problem", ["ID"].
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("?")[0].split("/");
  let page = routes.find((r) => r[0] === name);
  let args = rest.map(decodeURIComponent);
  let render = page && page[2];
  if (!page && DETAIL[name]) render = DETAIL[name];
  // An address this role has no page for (mistyped, or another role's) is
  // said so above the landing page, not silently replaced by it.
  let unknown = false;
  if (!render) {
    unknown = !!name;
    page = routes[0];
    render = page[2];
    args = [];
    if (location.hash && location.hash !== "#/" + page[0]) history.replaceState(null, "", "#/" + page[0]);
  }
  for (const a of document.querySelectorAll("#nav a")) {
    if (page && a.dataset.route === page[0]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  clear(app);
  const container = h("div", { class: "page", "aria-busy": "true" }, h("p", { class: "loading" }, t("loading")));
  app.append(container);
  try {
    await render(container, who, ...args);
    if (unknown) container.prepend(message(t("no_such_page", { page: t(page[1]) }), "notice"));
  } finally {
    container.removeAttribute("aria-busy");
    const loading = container.querySelector(":scope > .loading");
    if (loading) loading.remove();
  }
  const heading = container.querySelector("h1");
  document.title = (heading ? heading.textContent + " · " : "") + t("app_title");
  if (moveFocus && heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

// A session that ends under an open page (it expired, or was signed out in
// another tab) brings back the sign-in form with a word of why, instead of
// every panel saying "please sign in" beside a header that says signed in.
// What the user typed on the page is lost with the page; the hash is kept,
// so signing in again returns to the same page.
onSessionLost(() => {
  if (!who) return;
  setCsrf("");
  showSignedIn(null);
  document.getElementById("message").textContent = t("session_expired");
  announce(t("session_expired"));
  document.getElementById("username").focus();
});

async function whoami() {
  const r = await get("/api/v1/whoami");
  if (!r.ok || !r.data || !r.data.csrf_token) {
    // A bearer token is not a browser's sign-in: without a session, sign in.
    showSignedIn(null);
    return;
  }
  setCsrf(r.data.csrf_token);
  showSignedIn(r.data);
}

// Retry-After in whole seconds (RFC 9110 10.2.3: seconds, or an HTTP date);
// 1 when absent or unreadable, so the message always names a wait.
function retryAfterSeconds(response) {
  const value = (response && response.headers.get("Retry-After")) || "";
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1 : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

const form = document.getElementById("sign-in");
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const messageEl = document.getElementById("message");
  messageEl.textContent = "";
  clearFieldErrors(form);
  const body = { username: form.username.value.trim(), password: form.password.value };
  let bad = null;
  if (!body.username) { setFieldError(form, "username", t("required", { name: t("username") })); bad = bad || form.username; }
  if (!body.password) { setFieldError(form, "password", t("required", { name: t("password") })); bad = bad || form.password; }
  if (bad) { bad.focus(); return; }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  announce(t("signing_in"));
  const r = await call("POST", "/api/v1/sessions", body);
  button.disabled = false;
  if (r.status === 201) {
    form.password.value = "";
    messageEl.textContent = "";
    await whoami();
    // The status region said "signing in": say what happened instead.
    if (who) announce(document.getElementById("who").textContent);
    document.getElementById("main").focus();
    return;
  }
  if (r.error && r.error.field && setFieldError(form, r.error.field, r.error.message)) return;
  // Refused for now (429: too many attempts; 503: the server is busy): say
  // when to retry, from Retry-After, in the page's own words, whatever the
  // body (a proxy's 503 has none of ours).
  if (r.status === 429 || r.status === 503) {
    const seconds = retryAfterSeconds(r.response);
    messageEl.textContent = t(r.status === 429 ? "sign_in_too_many" : "sign_in_busy", { seconds });
    return;
  }
  messageEl.textContent = r.status === 401 ? (r.error.message || t("sign_in_failed")) : errorText(r);
});

document.getElementById("sign-out").addEventListener("click", async () => {
  await call("DELETE", "/api/v1/sessions/current");
  setCsrf("");
  history.replaceState(null, "", location.pathname + location.search);
  showSignedIn(null);
  document.getElementById("username").focus();
});

window.addEventListener("hashchange", () => route(true));
whoami();
