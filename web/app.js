// The sign-in form: POST /api/v1/sessions, then whoami; the session cookie is
// HttpOnly, so the page keeps only the CSRF token for later unsafe requests.
"use strict";
let csrfToken = "";

function show(who) {
  document.getElementById("sign-in").hidden = !!who;
  document.getElementById("signed-in").hidden = !who;
  if (who) document.getElementById("who").textContent = (who.username || "") + "（" + who.role + (who.scope ? "：" + who.scope : "") + "）";
}

async function whoami() {
  const r = await fetch("/api/v1/whoami", { credentials: "same-origin" });
  if (!r.ok) return show(null);
  const who = await r.json();
  csrfToken = who.csrf_token || "";
  show(who);
}

document.getElementById("sign-in").addEventListener("submit", async (e) => {
  e.preventDefault();
  const message = document.getElementById("message");
  message.textContent = "";
  const body = { username: document.getElementById("username").value, password: document.getElementById("password").value };
  const r = await fetch("/api/v1/sessions", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "Accept-Language": "zh" },
    body: JSON.stringify(body),
  });
  const answer = await r.json().catch(() => ({}));
  if (r.status === 201) { csrfToken = answer.csrf_token; show(answer); return; }
  message.textContent = (answer.error && answer.error.message) || "登录失败";
});

document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/api/v1/sessions/current", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken } });
  csrfToken = "";
  show(null);
});

whoami();
