// The one way the pages talk to the service. The session cookie is HttpOnly,
// so the page never sees it: it learns role, scope and the CSRF token from
// GET /api/v1/whoami and sends X-CSRF-Token with every unsafe request.
import { language } from "./i18n/index.js";

let csrfToken = "";
let sessionLost = null;

export function setCsrf(token) { csrfToken = token || ""; }

// `handler()` runs when a call made while signed in is answered 401: the
// session expired, was signed out elsewhere, or its account was disabled.
// Sign-in itself and whoami (which asks whether there is a session) are not
// such calls.
export function onSessionLost(handler) { sessionLost = handler; }

// Answer: {ok, status, data, error: {code, message, field}, missing}.
// `missing` is true when the route itself is not there (404 with no record
// involved, or 405): the page then says the feature is unavailable.
export async function call(method, path, body, { headers = {} } = {}) {
  const init = {
    method, credentials: "same-origin",
    headers: { "Accept": "application/json", "Accept-Language": language, ...headers },
  };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, error: { code: "network", message: "", field: "" } };
  }
  const type = r.headers.get("Content-Type") || "";
  let data = null;
  if (type.includes("json")) data = await r.json().catch(() => null);
  const out = { ok: r.ok, status: r.status, data, type, response: r };
  if (r.status === 401 && csrfToken && sessionLost && path !== "/api/v1/sessions" &&
      path !== "/api/v1/whoami") {
    sessionLost();
  }
  if (!r.ok) {
    out.error = (data && data.error) || { code: "http_" + r.status, message: "", field: "" };
    out.missing = r.status === 405 || (r.status === 404 && isNoRoute(out.error));
  }
  return out;
}

// The service answers an unknown route with request.no_route ("没有这个地址").
function isNoRoute(error) {
  const m = (error && error.message) || "";
  return m.startsWith("没有这个地址") || m.startsWith("no such resource");
}

export const get = (p) => call("GET", p);
export const post = (p, b) => call("POST", p, b === undefined ? {} : b);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v != null) u.set(k, v);
  const s = u.toString();
  return s ? "?" + s : "";
}

export const enc = encodeURIComponent;
