// End-to-end tests of the pages (web/) in headless Chromium: Debian's
// /usr/bin/chromium driven by playwright-core (no browser is downloaded).
// Starts the real server (build/expertmatch serve on a free port, with a
// temporary data directory holding the Quzhou demo corpus and accounts made
// by the CLI), runs each scenario in a fresh browser context, saves a
// screenshot of its last state at 1280 and 375 px, and ends with
// "N passed, M failed" (exit status 1 if any failed).
//
// usage: node tests/web/run.mjs [--binary build/expertmatch] [--out build/web-artifacts] [--only NAME]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf("--" + name); return i >= 0 ? argv[i + 1] : dflt; };
const binary = resolve(opt("binary", join(repo, "build", "expertmatch")));
const out = resolve(opt("out", join(repo, "build", "web-artifacts")));
const only = opt("only", "");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

// Accounts the tests sign in with (made by `expertmatch account create`).
const PASSWORD = "pass-word-2026";
const ACCOUNTS = {
  ent1: { role: "enterprise", scope: "衢州市恒拓压缩机有限公司" },
  ent2: { role: "enterprise", scope: "浙江衢柯机电有限公司" },
  coord: { role: "coordinator", scope: "柯城区/ws-1" },
  county: { role: "county", scope: "柯城区" },
  // A second county account: each user name may sign in 5 times a minute
  // (login_rate_per_account), and several scenarios sign in as the county.
  county2: { role: "county", scope: "柯城区" },
  admin: { role: "admin", scope: "" },
  // Signs in while her name is locked at this address (device cookie).
  owner: { role: "county", scope: "柯城区" },
};

class Failure extends Error {}
function check(cond, what) { if (!cond) throw new Failure(what); }
function eq(actual, expected, what) {
  if (actual !== expected) throw new Failure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ---- the server ----

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", cwd: repo });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function startServer(data) {
  run(binary, ["import", "--data", data, "--experts", join(repo, "corpus/quzhou/experts.jsonl"),
    "--problems", join(repo, "corpus/quzhou/problems.jsonl")]);
  for (const [name, a] of Object.entries(ACCOUNTS))
    run(binary, ["account", "create", "--data", data, "--username", name, "--role", a.role, ...(a.scope ? ["--scope", a.scope] : [])], PASSWORD + "\n");
  const log = createWriteStream(join(out, "server.log"));
  const child = spawn(binary, ["serve", "--data", data, "--listen", "127.0.0.1:0"], {
    cwd: repo, env: { ...process.env, EXPERTMATCH_WEB_ROOT: join(repo, "web") }, stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr.pipe(log);
  const port = await new Promise((ok, fail) => {
    let text = "";
    const timer = setTimeout(() => fail(new Error("the server did not say where it listens: " + text)), 120000);
    child.stdout.on("data", (chunk) => {
      text += chunk;
      log.write(chunk);
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(text);
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error("the server exited with " + code + ": " + text)); });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    const r = await fetch(base + "/readyz").catch(() => null);
    if (r && r.status === 200) return { child, base };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the server never became ready");
}

// ---- helpers for scenarios ----

async function signIn(page, base, user) {
  await page.goto(base + "/");
  await page.fill("#username", user);
  await page.fill("#password", PASSWORD);
  await page.click("#sign-in button[type=submit]");
  await page.waitForSelector("#account:not([hidden])");
  await page.waitForSelector("#app .page:not([aria-busy])");
}

async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((h) => location.hash.startsWith(h.split("?")[0]), hash);
  await page.waitForSelector("#app .page:not([aria-busy])");
}

const text = (page, sel) => page.locator(sel).first().innerText();

// The focused element as "TAG text", once it is `expected` or after 5 s: the
// page moves focus once it has drawn, a moment after aria-busy goes (CI read
// the menu link still focused).
async function focused(page, expected) {
  const now = () => page.evaluate(() => document.activeElement.tagName + " " + document.activeElement.textContent);
  await page.waitForFunction((want) => document.activeElement.tagName + " " + document.activeElement.textContent === want,
    expected, { timeout: 5000 }).catch(() => {});
  return now();
}

async function screenshots(page, name) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 1280 ? 800 : 740 });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(out, `${name}-${width}.png`), fullPage: true });
    // Nothing may widen the page beyond the phone's width (long words wrap).
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width !== 375 || wide <= 375, `the page is ${wide} px wide at 375 px`);
  }
}

// An API call from inside the signed-in page (its cookie, its CSRF token).
async function apiFromPage(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const init = { method: m, credentials: "same-origin", headers: {} };
    if (m !== "GET" && m !== "HEAD") {
      // As the page does: the session's CSRF token from whoami.
      const who = await (await fetch("/api/v1/whoami", { credentials: "same-origin" })).json();
      init.headers["X-CSRF-Token"] = who.csrf_token || "";
    }
    if (b !== undefined) Object.assign(init, { headers: { ...init.headers, "Content-Type": "application/json" }, body: JSON.stringify(b) });
    const r = await fetch(p, init);
    return { status: r.status, body: await r.text() };
  }, [method, path, body]);
}

const state = {};

// ---- scenarios ----

const PROBLEM = {
  title: "螺杆空压机夏季排气温度高跳停",
  keywords: "螺杆空压机，排气温度，散热",
  description: "37kW螺杆空压机夏季排气温度超过105℃跳停，冷却器已经清洗过，油也换了，还是每天下午停机两三次。机型编号ZLS75QXWV0093ABCDEFGHIJKLMNOPQRST。",
};

const scenarios = [
  ["enterprise-submits-problem", async (page, base) => {
    await signIn(page, base, "ent1");
    eq(await page.locator("#nav a[aria-current=page]").innerText(), "我的难题", "the enterprise lands on its problems");
    await page.click("#nav a[data-route=submit]");
    await page.waitForFunction(() => location.hash === "#/submit");
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await focused(page, "H1 提交技术难题"), "H1 提交技术难题",
      "after the menu, focus is on the new page's heading");
    eq(await page.inputValue("#f-county"), "柯城区", "the county is preset to the enterprise's registered one");
    eq(await page.locator("#f-county option").count(), 1, "and it is the only one offered");
    await page.fill("#f-title", PROBLEM.title);
    await page.fill("#f-keywords", PROBLEM.keywords);
    await page.selectOption("#f-urgency", "4");
    await page.fill("#f-description", PROBLEM.description);
    await page.click("#problem-form button[type=submit]");
    await page.waitForFunction(() => location.hash.startsWith("#/problem/"));
    await page.waitForSelector("#app .page:not([aria-busy])");
    await page.waitForSelector("#matches .expert-card, #matches .msg");
    state.problemId = decodeURIComponent((await page.evaluate(() => location.hash)).split("/")[2]);
    check(/^p-/.test(state.problemId), "the service assigned an id: " + state.problemId);
    eq(await text(page, "#app h1"), PROBLEM.title, "the detail page shows the problem");
    // A new user saw no word that the problem had been received: the page
    // says so, with its id and who follows up, and its standing in words.
    eq(await text(page, "#app .msg-ok"), `难题已提交，编号 ${state.problemId}。柯城区的工作站联络员会审核下面推荐的专家并与您联系；进展显示在本页和“我的难题”中。`, "the page confirms the submission");
    check((await text(page, "#app p.standing")).length > 0, "the problem's standing is said in words");
    eq(await focused(page, "H1 " + PROBLEM.title), "H1 " + PROBLEM.title,
      "after submitting, focus is on the result's heading, not <body>");
    const cards = page.locator("#matches .expert-card");
    check(await cards.count() >= 1, "at least one expert is proposed for a screw-compressor problem");
    // The shared terms are marked in the problem's own text, at UTF-16 positions.
    const marks = await cards.first().locator(".problem-text mark").allInnerTexts();
    check(marks.length >= 1, "shared terms are highlighted in the problem's text");
    const fullText = PROBLEM.title + PROBLEM.keywords.replace(/，/g, "，") + PROBLEM.description;
    for (const m of marks) check(fullText.includes(m), `a highlight "${m}" is a piece of the problem's text`);
    check(await cards.first().locator(".works li").count() >= 1, "the expert's best works are listed");
    // The problem's text is shown open in the first card only (every card
    // repeated it: a 2,700-pixel page for five experts).
    const folded = await cards.evaluateAll((list) => list.map((c) => c.querySelector("details.in-problem").open));
    eq(JSON.stringify(folded), JSON.stringify(folded.map((_, i) => i === 0)), "only the first card shows the problem's text");
    // A shared "105" or "37" is no evidence: numbers alone are never shown as shared terms.
    const chips = await page.locator("#matches .terms mark").allInnerTexts();
    check(chips.length >= 1 && !chips.some((c) => /^[\d.,]+$/.test(c)), "no number alone among the shared terms: " + chips.join(" "));
    check((await text(page, "#matches")).includes("为什么推荐"), "each expert says why it fits");
    await go(page, "#/problems");
    const listed = page.locator("#my-problems li", { hasText: PROBLEM.title });
    eq(await listed.count(), 1, "the new problem is listed once among the enterprise's problems");
    check(["待匹配", "已匹配"].includes(await listed.locator(".badge").innerText()), "with its status");
    await go(page, "#/problem/" + encodeURIComponent(state.problemId));
    await page.waitForSelector("#matches .expert-card");
    eq(await page.locator("#app .msg-ok").count(), 0, "the confirmation is said once, not on every visit");
    // A new user saw "null" above the title of every problem page reached from a list.
    check(!(await text(page, "#app .page")).includes("null"), "no \"null\" on the problem's page");
  }],

  ["bad-form-shows-errors-in-place", async (page, base) => {
    await signIn(page, base, "ent1");
    await go(page, "#/submit");
    let posts = 0;
    page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith("/api/v1/problems")) posts++; });
    // The server's own 422 lands next to the field it names: an urgency the
    // page's list does not offer (as from an outdated or altered form).
    await page.fill("#f-title", "轴承异响");
    await page.selectOption("#f-county", "柯城区");
    await page.fill("#f-description", "深沟球轴承装机后运转有周期性异响，更换润滑脂后仍然存在。");
    await page.evaluate(() => { const s = document.querySelector("#f-urgency"); s.append(new Option("9", "9")); s.value = "9"; });
    await page.click("#problem-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#f-urgency-error").textContent !== "");
    eq(posts, 1, "the form was sent once");
    const serverError = await text(page, "#f-urgency-error");
    check(/1.*5/.test(serverError), "the server's reason for urgency is shown next to it: " + serverError);
    eq(serverError, "必须是 1 到 5 之间的整数，收到的是 9", "the server's reason is in Chinese");
    eq(await page.getAttribute("#f-urgency", "aria-invalid"), "true", "the urgency field is marked invalid");
    eq(await page.evaluate(() => document.activeElement.id), "f-urgency", "focus moves to the field the server named");
    eq(await page.inputValue("#f-title"), "轴承异响", "what was typed is kept");
    eq(await text(page, "#form-message"), "表单有 1 处需要修改，请看标红的栏目。", "the form says how many fields to fix");
    // The page's own checks: each error next to its field, in Chinese, nothing sent.
    // The registered county is the only one offered; an altered form's empty one is still caught.
    await page.evaluate(() => { const s = document.querySelector("#f-county"); s.append(new Option("", "")); s.value = ""; });
    await page.selectOption("#f-urgency", "");
    await page.fill("#f-description", "有噪声");
    await page.click("#problem-form button[type=submit]");
    eq(await text(page, "#f-county-error"), "请填写所在县（市、区）", "the missing county is named next to its field");
    eq(await text(page, "#f-urgency-error"), "请填写紧急程度", "the missing urgency is named next to its field");
    eq(await text(page, "#f-description-error"), "问题描述至少 10 个字，请写得具体一些", "a too short description is explained");
    eq(await page.getAttribute("#f-description", "aria-invalid"), "true", "the field is marked invalid for screen readers");
    eq(await page.getAttribute("#f-title", "aria-invalid"), null, "a good field is not marked");
    eq(await page.inputValue("#f-title"), "轴承异响", "what was typed is kept");
    eq(await page.inputValue("#f-description"), "有噪声", "what was typed is kept");
    eq(await page.evaluate(() => document.activeElement.id), "f-county", "focus moves to the first bad field");
    eq(await text(page, "#form-message"), "表单有 3 处需要修改，请看标红的栏目。", "the form counts the fields to fix");
    eq(posts, 1, "nothing more is sent while the form has errors");
  }],

  ["coordinator-accepts-and-rejects", async (page, base) => {
    await signIn(page, base, "coord");
    eq(await page.locator("#nav a[aria-current=page]").innerText(), "审核队列", "the coordinator lands on the queue");
    eq(await text(page, "#app .page > p"), "柯城区的企业难题与推荐专家，逐条确认或退回。按紧急程度排列，同样紧急的先提交的在前。", "no stray space between the county and 的; the order is said");
    const items = page.locator(".queue-item");
    check(await items.count() >= 2, "the queue has at least two pending matches");
    const first = items.nth(0), second = items.nth(1);
    check(await first.locator(".side").count() === 2, "problem and expert are side by side");
    // A good match may rest on meaning alone (no shared word): look for the
    // first pending match that shares words, and check they are marked.
    let marked = 0;
    for (let i = 0; i < await items.count() && !marked; ++i)
      marked = await items.nth(i).locator(".side").first().locator("mark").count();
    check(marked >= 1, "shared terms are marked in the problem's text");
    eq(await first.locator(".bars svg[role=img]").count(), 4, "four score bars");
    check(!/0\.\d{4,}/.test(await first.innerText()), "no raw floats are shown");
    const [p1, e1] = [await first.getAttribute("data-problem"), await first.getAttribute("data-expert")];
    const [p2, e2] = [await second.getAttribute("data-problem"), await second.getAttribute("data-expert")];
    await first.locator("textarea").fill("电话沟通后确认对口");
    await first.locator("button[value=accept]").click();
    await first.locator(".msg-ok").waitFor();
    check((await first.innerText()).includes("已确认"), "the accepted match says so");
    // A reject without a note is refused in place, and nothing is sent.
    await second.locator("button[value=reject]").click();
    eq(await second.locator(".field-error").innerText(), "退回时请写明理由", "a reject needs a note");
    await second.locator("textarea").fill("研究方向不对口");
    await second.locator("button[value=reject]").click();
    await second.locator(".msg-info").waitFor();
    check((await second.innerText()).includes("已退回"), "the rejected match says so");
    const history = await page.locator("#decision-list").innerText();
    check(history.includes("确认") && history.includes("电话沟通后确认对口"), "the decision history shows the accept with its note");
    check(history.includes("退回") && history.includes("研究方向不对口"), "and the reject with its note");
    check(history.includes("工作站联络员") && !history.includes("coordinator:"), "who decided is said in words, not as a role code");
    eq(await page.locator("#decision-list li", { hasText: "电话沟通后确认对口" }).count(), 1, "each decision is listed once");
    // The service has both decisions.
    const r1 = JSON.parse((await apiFromPage(page, "GET", `/api/v1/problems/${encodeURIComponent(p1)}/reviews`)).body);
    eq(r1.in_force[e1], "accept", "the service recorded the accept");
    const r2 = JSON.parse((await apiFromPage(page, "GET", `/api/v1/problems/${encodeURIComponent(p2)}/reviews`)).body);
    eq(r2.in_force[e2], "reject", "the service recorded the reject");
    await page.reload();
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await page.locator(`.queue-item[data-problem="${p1}"][data-expert="${e1}"]`).count(), 0, "a decided match leaves the queue");
    const kept = await page.locator("#decision-list").innerText();
    check(kept.includes("电话沟通后确认对口") && kept.includes("研究方向不对口"), "the history keeps both decisions after a reload");
  }],

  ["county-plans-approves-downloads", async (page, base) => {
    await signIn(page, base, "county");
    await go(page, "#/plan");
    // Hold the planning request until the page has shown its progress state.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route("**/api/v1/counties/*/plans", async (route) => {
      if (route.request().method() === "POST") await held;
      await route.continue();
    });
    await page.click("#run-plan");
    await page.waitForSelector("#run-plan[aria-busy=true][disabled]");
    check((await text(page, "#plan-progress")).includes("正在计算方案"), "progress is shown while the plan runs");
    check(await page.locator("#plan-progress .spinner").count() === 1, "with a spinner");
    release();
    await page.waitForSelector("#plan-team");
    check(await page.locator("#run-plan[aria-busy]").count() === 0, "the button is back once the plan is made");
    check(await page.locator("#plan-team tbody tr").count() >= 1, "the team is listed");
    check(await page.locator("#plan-topics tbody tr").count() >= 1, "key topics are listed");
    check((await text(page, "#plan-team tbody tr td.reason")).length > 0, "each member has a reason");
    eq(await text(page, "#plan-status .badge"), "草稿", "a new plan is a draft");
    eq(await text(page, "#plan-progress"), "方案已生成（草稿）。", "the run says it is done");
    // The list of plans is drawn after the plan itself (its own request): wait for it.
    await page.locator("#plans thead th").first().waitFor();
    const headers = await page.locator("#plans thead th").allInnerTexts();
    eq(headers.slice(0, 3).join(" "), "方案编号 状态 生成时间", "the plan list's columns say what they hold");
    // A second draft; approving it makes the first one stale.
    await page.click("#run-plan");
    await page.waitForFunction(() => document.querySelectorAll("#plans tbody tr").length === 2);
    await page.waitForSelector("#run-plan:not([aria-busy])");
    const [newest, older] = await page.locator("#plans tbody tr td:first-child").allInnerTexts();
    check((await text(page, "#plan-view h2")).includes(newest), "the new draft is on view");
    // Approving asks first; declining sends nothing.
    let approvals = 0;
    page.on("request", (r) => { if (r.method() === "POST" && /\/approve$/.test(r.url())) approvals++; });
    let asked = "";
    page.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
    await page.click("#approve-plan");
    check(asked.includes("批准") && asked.includes(newest), "approving asks for confirmation, naming the plan: " + asked);
    eq(approvals, 0, "a declined confirmation approves nothing");
    eq(await text(page, "#plan-status .badge"), "草稿", "the plan stays a draft");
    eq(await page.locator("#plan-progress .msg-ok").count(), 0, "the earlier success message is cleared by the new action");
    page.once("dialog", (d) => d.accept());
    await page.click("#approve-plan");
    await page.waitForFunction(() => document.querySelector("#plan-status .badge").textContent === "已批准");
    eq(approvals, 1, "an accepted confirmation approves once");
    // The older draft can no longer be approved: the list and its page say so, with no button.
    const olderRow = page.locator("#plans tbody tr", { has: page.locator("td:first-child", { hasText: older }) });
    await olderRow.locator(".badge-stale").waitFor();
    await olderRow.locator("button").click();
    await page.waitForSelector("#plan-stale");
    eq(await page.locator("#approve-plan").count(), 0, "a stale draft offers no approval");
    // It says why, as the service would: which plan was approved after it.
    const why = await text(page, "#plan-stale");
    check(why.includes("在它之后获得批准") && why.includes(newest), "the stale draft says which approval made it so: " + why);
    await page.locator("#plans tbody tr", { has: page.locator("td:first-child", { hasText: newest }) }).locator("button").click();
    await page.waitForFunction(() => document.querySelector("#plan-status .badge")?.textContent === "已批准");
    // The badge can be drawn before the plan's actions: wait for one of them.
    await page.locator("#download-plan, #download-unavailable").first().waitFor();
    if (await page.locator("#download-plan").count() === 0)
      throw new Failure("the plan cannot be downloaded: " + (await text(page, "#download-unavailable")));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-plan")]);
    const file = join(out, "plan.xlsx");
    await download.saveAs(file);
    const bytes = readFileSync(file);
    eq(bytes.subarray(0, 2).toString("latin1"), "PK", "the download is a spreadsheet (an XLSX zip)");
    check(/\.xlsx$/.test(download.suggestedFilename()), "named .xlsx: " + download.suggestedFilename());
    // Printing keeps the plan and drops the menus and buttons.
    await page.emulateMedia({ media: "print" });
    check(!(await page.locator("header.top").isVisible()), "print: no menu");
    check(!(await page.locator("#print-plan").isVisible()), "print: no buttons");
    check(await page.locator("#plan-team").isVisible(), "print: the team is there");
    await page.emulateMedia({ media: "screen" });
  }],

  ["rejected-leader-marks-the-approved-plan", async (page, base) => {
    // A coordinator rejects the leader of a key topic of 柯城区's approved plan
    // (made by the scenario above); the county's plan page then says so.
    await signIn(page, base, "coord");
    const rejected = await page.evaluate(async () => {
      const who = await (await fetch("/api/v1/whoami", { credentials: "same-origin" })).json();
      const list = await (await fetch("/api/v1/counties/" + encodeURIComponent("柯城区") + "/plans", { credentials: "same-origin" })).json();
      const plan = list.items.find((p) => p.status === "approved");
      const topic = plan.key_topics[0];
      const r = await fetch("/api/v1/problems/" + encodeURIComponent(topic.problem_id) + "/reviews", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": who.csrf_token },
        body: JSON.stringify({ expert_id: topic.expert_id, decision: "reject", note: "企业反映方向不对口" }),
      });
      return { status: r.status, plan: plan.id, problem: topic.problem_id };
    });
    eq(rejected.status, 201, "the coordinator's rejection is recorded");
    await page.context().clearCookies();
    await signIn(page, base, "county");
    await go(page, "#/plan");
    await page.waitForSelector("#plan-attention");
    const notice = await text(page, "#plan-attention");
    check(notice.includes("需要县里处理") && notice.includes(rejected.problem) && notice.includes("企业反映方向不对口"),
      "the approved plan says which topic lost its leader and why: " + notice);
    eq(await text(page, "#plan-status .badge"), "已批准，待县里处理", "its status says the county must act");
    eq(await page.locator("#plan-topics .badge-stale").count(), 1, "the rejected leader's topic is marked");
  }],

  ["county-bank-and-ledger", async (page, base) => {
    await signIn(page, base, "county");
    eq(await page.locator("#nav a[aria-current=page]").innerText(), "难题库", "the county lands on its problem bank");
    eq(await text(page, "#app h1"), "柯城区难题库", "the heading has no stray space");
    // One word for one state: the bank's filter and the ledger name each status alike,
    // in Chinese punctuation (full-width brackets).
    const ledgerJson = JSON.parse((await apiFromPage(page, "GET", "/api/v1/counties/" + encodeURIComponent("柯城区") + "/ledger")).body);
    const ledgerWords = Object.fromEntries(ledgerJson.statuses.map((s) => [s.status, s.label]));
    for (const status of ["submitted", "matched", "in_progress", "solved", "closed", "withdrawn"])
      eq(await page.locator(`#b-status option[value=${status}]`).innerText(), ledgerWords[status], `the word for ${status}`);
    for (const label of [...Object.values(ledgerWords), ...(await page.locator("#b-status option").allInnerTexts())])
      check(!/[()]/.test(label), "no ASCII brackets in a status: " + label);
    const info = await text(page, ".page-info");
    const total = Number(/共 (\d+) 条/.exec(info)[1]);
    check(total > 20, "the county has more than a page of problems: " + info);
    eq(info, `第 1–20 条，共 ${total} 条`, "the first page");
    await page.click(".pager button:has-text('下一页')");
    await page.waitForFunction(() => (document.querySelector(".page-info")?.textContent || "").startsWith("第 21–"));
    await page.selectOption("#b-urgency", "5");
    await page.click("#bank-filters button[type=submit]");
    await page.waitForFunction(() => location.hash.includes("urgency=5"));
    await page.waitForSelector("#app .page:not([aria-busy])");
    // The filtered rows are drawn a moment after the page is no longer busy
    // (CI under load read the table empty): wait for them, then check.
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll("#bank-results tbody td:nth-child(5)")];
      return cells.length > 0 && cells.every((c) => c.textContent.trim() === "5");
    }, null, { timeout: 10000 }).catch(() => {});
    const urgencies = await page.locator("#bank-results tbody td:nth-child(5)").allInnerTexts();
    check(urgencies.length >= 1 && urgencies.every((u) => u === "5"), "the urgency filter keeps urgency 5 only: " + urgencies);
    for (const e of await page.locator("#bank-results tbody td:nth-child(3)").allInnerTexts())
      check(e.length > 0, "each row names its enterprise");
    // An empty result says so instead of "第 0–0 条，共 0 条".
    await go(page, "#/bank?enterprise=" + encodeURIComponent("没有这家企业"));
    eq(await text(page, ".page-info"), "暂无记录", "an empty page says there is nothing");
    await go(page, "#/ledger");
    check(await page.locator(".chart").count() >= 2, "the ledger has charts");
    check(await page.locator(".chart svg rect").count() >= 2, "drawn as inline SVG bars");
    // Every industry is counted: shown, or summed in an explicit "其他（n 类）" row.
    const ledgerTotal = Number(/难题总数：(\d+)/.exec(await text(page, "p.big"))[1]);
    const industry = page.locator("figure.chart", { has: page.locator("figcaption", { hasText: "按行业" }) });
    const perIndustry = (await industry.locator("td.num").allInnerTexts()).map(Number);
    eq(perIndustry.reduce((s, n) => s + n, 0), ledgerTotal, "the industry chart counts every problem");
    state.ledgerNotice = await page.locator(".msg-notice").allInnerTexts();
    // A new user saw all 19 experts stationed in the county listed as the
    // workstation's, where a team is 6-8: the table holds the team and whoever
    // worked on the county's problems; the others are named in one line.
    const stationedHere = ledgerJson.experts.filter((e) => e.standing === "stationed");
    const expertsCard = page.locator("section.card", { has: page.locator("h2", { hasText: "工作站专家" }) });
    const expertsText = await expertsCard.innerText();
    check(expertsText.includes(ledgerJson.experts.some((e) => e.standing === "team") ? "工作站成员" : "尚无批准的方案"), "the card says whether a team is approved");
    check(expertsText.includes(`另有 ${stationedHere.length} 位派驻本县的专家未入选工作站`), "the stationed-only experts are counted in one line");
    eq(await expertsCard.locator("tbody tr").count(), ledgerJson.experts.length - stationedHere.length, "the table lists only the team and those who worked");
    // A yearly report: choosing a year counts only that year's submissions,
    // and the spreadsheet link follows the choice (a new user found no way
    // to pick a year on the page).
    const thisYear = new Date().getFullYear();
    // The years offered are this one and those with submissions (a new user was offered empty ones).
    const offered = (await page.locator("#l-year option").evaluateAll((os) => os.map((o) => o.value))).filter(Boolean).map(Number);
    eq(JSON.stringify(offered), JSON.stringify([...new Set([thisYear, ...ledgerJson.years])].sort((a, b) => b - a)), "the years offered");
    await page.selectOption("#l-year", String(thisYear));
    await page.waitForFunction((y) => location.hash === "#/ledger?year=" + y, thisYear);
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await text(page, "#app h1"), `柯城区${thisYear}年台账`, "the heading names the year");
    const yearJson = JSON.parse((await apiFromPage(page, "GET", "/api/v1/counties/" + encodeURIComponent("柯城区") + "/ledger?year=" + thisYear)).body);
    eq(Number(/难题总数：(\d+)/.exec(await text(page, "p.big"))[1]), yearJson.totals.submitted, "the page shows the year's count");
    check(yearJson.totals.submitted < ledgerTotal, `the year's ${yearJson.totals.submitted} are fewer than all ${ledgerTotal}`);
    check((await page.locator("a.button[download]").first().getAttribute("href")).includes("year=" + thisYear), "the spreadsheet is the year's");
  }],

  ["session-expired-brings-back-sign-in", async (page, base) => {
    await signIn(page, base, "county2");
    // The session ends under the open page (as when it expires).
    await page.context().clearCookies();
    await page.evaluate(() => { location.hash = "#/plan"; });
    await page.waitForSelector("#sign-in-section:not([hidden])");
    check(await page.locator("#account").isHidden(), "the header no longer says signed in");
    eq(await text(page, "#message"), "登录已过期或已在别处退出，请重新登录。", "the page says why");
    // Signing in again returns to the page that was open.
    await page.fill("#username", "county2");
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#account:not([hidden])");
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await page.locator("#nav a[aria-current=page]").innerText(), "工作站方案", "back on the plan page");
    eq(await text(page, "#message"), "", "the message is gone once signed in");
    // An address with no page (a new user typed #/plans) says so.
    await page.evaluate(() => { location.hash = "#/plans"; });
    await page.waitForFunction(() => location.hash === "#/bank");
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await text(page, "#app .page .msg-notice"), "没有这个页面，已转到“难题库”。", "the unknown page is named");
  }],

  ["keyboard-labels-contrast-sign-out", async (page, base) => {
    await page.goto(base + "/");
    await page.waitForSelector("#sign-in-section:not([hidden])");
    // A wrong password: the service's Chinese answer, announced (role=alert).
    await page.keyboard.press("Tab");
    eq(await page.evaluate(() => document.activeElement.className), "skip", "the first Tab reaches 跳到正文");
    await page.keyboard.press("Tab");
    eq(await page.evaluate(() => document.activeElement.id), "username", "then the user name");
    await page.keyboard.type("county");
    await page.keyboard.press("Tab");
    await page.keyboard.type("wrong-password-1");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#message").textContent !== "");
    const refused = await text(page, "#message");
    check(/[\u4e00-\u9fff]/.test(refused), "a refused sign-in is explained in Chinese: " + refused);
    eq(await page.getAttribute("#message", "role"), "alert", "and announced");
    // The right one, by keyboard only.
    await page.fill("#password", "");
    await page.focus("#password");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#account:not([hidden])");
    await page.waitForSelector("#app .page:not([aria-busy])");
    // Every page of the county: each control has a label, focus is visible,
    // text keeps 4.5:1 contrast.
    for (const hash of ["#/bank", "#/experts", "#/plan", "#/ledger"]) {
      await go(page, hash);
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll("#app input, #app select, #app textarea")]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")).map((el) => el.outerHTML));
      eq(unlabelled.length, 0, `${hash}: every control has a label (${unlabelled.join(" ")})`);
      const lowContrast = await page.evaluate(() => {
        const lum = (c) => {
          const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const background = (el) => {
          for (; el; el = el.parentElement) {
            const c = getComputedStyle(el).backgroundColor;
            if (c && !/rgba\(.*, 0\)$/.test(c) && c !== "transparent") return c;
          }
          return "rgb(255, 255, 255)";
        };
        const bad = [];
        for (const el of document.querySelectorAll("#app *, header *")) {
          if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
          if (!el.getClientRects().length) continue;
          const fg = lum(getComputedStyle(el).color), bg = lum(background(el));
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}`);
        }
        return bad;
      });
      eq(lowContrast.length, 0, `${hash}: text contrast at least 4.5:1 (${lowContrast.slice(0, 5).join(", ")})`);
    }
    await page.focus("#nav a");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(outline !== "none", "a focused link shows an outline");
    // Signing out ends the session: the page returns to sign-in and the
    // cookie no longer opens the API.
    await page.click("#sign-out");
    await page.waitForSelector("#sign-in-section:not([hidden])");
    const after = await apiFromPage(page, "GET", "/api/v1/problems");
    eq(after.status, 401, "after signing out the API answers 401");
    await page.reload();
    await page.waitForSelector("#sign-in-section:not([hidden])");
    check(await page.locator("#account").isHidden(), "a reload stays signed out");
  }],

  ["admin-creates-account", async (page, base) => {
    await signIn(page, base, "admin");
    eq(await page.locator("#nav a[aria-current=page]").innerText(), "账号管理", "the admin lands on accounts");
    await page.fill("#a-username", "ent3");
    await page.fill("#a-password", "another-pass-77");
    await page.selectOption("#a-role", "enterprise");
    await page.click("#account-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#a-scope-error").textContent !== "");
    eq(await text(page, "#a-scope-error"), "企业账号或令牌须填写范围：企业全称", "a missing scope is explained in words, not as a CLI flag");
    await page.fill("#a-password", "短密码七个字");
    await page.fill("#a-scope", "衢州巨鑫活塞机械有限公司");
    await page.click("#account-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#a-password-error").textContent !== "");
    const why = await text(page, "#a-password-error");
    eq(why, "密码须为 8 到 1024 个字符", "the password rule is in characters (six characters are 18 bytes, still too short)");
    eq(await page.inputValue("#a-username"), "ent3", "what was typed is kept");
    await page.fill("#a-password", "another-pass-77");
    await page.click("#account-form button[type=submit]");
    await page.waitForSelector("#accounts td:text-is('ent3')");
    await page.click("#sign-out");
    await page.waitForSelector("#sign-in-section:not([hidden])");
    await page.fill("#username", "ent3");
    await page.fill("#password", "another-pass-77");
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#account:not([hidden])");
    check((await text(page, "#who")).includes("衢州巨鑫活塞机械有限公司"), "the new account signs in with its scope");
    await page.waitForSelector("#app .page:not([aria-busy])");
  }],

  ["city-reads-every-countys-ledger", async (page, base) => {
    // A new user as the city found no page showing how the counties stand.
    await signIn(page, base, "admin");
    await page.click("#nav a[data-route=ledger]");
    await page.waitForFunction(() => location.hash === "#/ledger");
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await text(page, "#app h1"), "衢州市台账", "the city's ledger is headed with the city");
    const city = JSON.parse((await apiFromPage(page, "GET", "/api/v1/ledger")).body);
    const rows = page.locator("#ledger-counties tbody tr");
    eq(await rows.count(), city.by_county.length, "a row for every county");
    const counted = (await page.locator("#ledger-counties tbody tr td:nth-child(2)").allInnerTexts()).map(Number);
    eq(counted.reduce((a, b) => a + b, 0), city.totals.submitted, "the counties' rows add up to the city's total");
    check((await page.locator("a.button[download]").first().getAttribute("href")).startsWith("/api/v1/ledger"), "the spreadsheet is the city's");
    check(!(await text(page, "#app .page")).includes("null"), "no \"null\" on the page");
  }],

  ["admin-confirms-a-filing", async (page, base) => {
    // What the enterprise filed in the first scenario awaits the city's
    // confirmation; the admin finds it on the 待确认 page and confirms it.
    check(!!state.problemId, "the enterprise's problem was filed first");
    await signIn(page, base, "admin");
    await page.click("#nav a[data-route=confirm]");
    await page.waitForFunction(() => location.hash === "#/confirm");
    await page.waitForSelector("#app .page:not([aria-busy])");
    await page.waitForSelector("#confirm-problems table, #confirm-problems .msg");
    eq(await text(page, "#app h1"), "待市里确认的记录", "the page says what it lists");
    // A record's row is the one with its confirm button (its changes are a table of their own).
    const row = page.locator("#confirm-problems tr:has(button.confirm)", { hasText: PROBLEM.title });
    eq(await row.count(), 1, "the enterprise's new problem awaits the city's confirmation");
    await row.locator("button.show-changes").click();
    await row.locator(".changes table").waitFor();
    eq(await row.locator(".changes .msg").innerText(), "新建的记录，市里尚未确认过：以下各项都待市里确认", "a new record says it has no confirmed version");
    const fields = await row.locator(".changes td").allInnerTexts();
    eq(fields.slice(0, 3).join("|"), "标题|—|" + PROBLEM.title, "each field of a new record is shown as new");
    await row.locator("button.confirm").click();
    await page.waitForFunction((title) =>
      ![...document.querySelectorAll("#confirm-problems tr")].some((tr) => tr.textContent.includes(title)), PROBLEM.title);
    check((await text(page, "#confirm-problems .msg-ok")).includes("已确认"), "the confirmation is shown on the page");
    const r = await apiFromPage(page, "GET", "/api/v1/problems/" + encodeURIComponent(state.problemId));
    eq(r.status, 200, "the problem reads back");
    eq(JSON.parse(r.body).verified, true, "the problem is confirmed by the city");
    // The enterprise edits the title: the edit awaits the city, and the
    // admin sees what changed before confirming it (a new user's trial:
    // edits were confirmed blind).
    await page.click("#sign-out");
    await signIn(page, base, "ent1");
    const retitled = PROBLEM.title + "（已改）";
    const edited = await apiFromPage(page, "PATCH", "/api/v1/problems/" + encodeURIComponent(state.problemId), { title: retitled });
    eq(edited.status, 200, "the enterprise edits its problem: " + edited.body);
    eq(JSON.parse(edited.body).verified, false, "the edit awaits the city");
    await page.click("#sign-out");
    await signIn(page, base, "admin");
    await go(page, "#/confirm");
    await page.waitForSelector("#confirm-problems table");
    const again = page.locator("#confirm-problems tr:has(button.confirm)", { hasText: retitled });
    eq(await again.count(), 1, "the edited problem awaits confirmation");
    await again.locator("button.show-changes").click();
    await again.locator(".changes table").waitFor();
    eq((await again.locator(".changes td").allInnerTexts()).join("|"), "标题|" + PROBLEM.title + "|" + retitled,
      "the change is shown as the city confirmed it and as it is now");
    eq(await again.locator("button.show-changes").getAttribute("aria-expanded"), "true", "the button says it opened");
    // The expert list says which experts the city has confirmed.
    await go(page, "#/experts");
    await page.waitForSelector("#app table");
    check((await page.locator("#app th").allInnerTexts()).includes("市里确认"), "the expert list has a confirmation column");
    check((await page.locator("#app th").allInnerTexts()).includes("派驻县"), "the expert list says where each expert is stationed");
    check((await page.locator("#app td").allInnerTexts()).includes("已确认"), "the demo's experts are confirmed");
  }],

  ["sign-in-refused-says-when", async (page, base) => {
    // A refused sign-in (429 after login_max_failures wrong passwords for one
    // name from this address; 503 when the server is busy) says in words how
    // long to wait, from Retry-After: a blank failure left people retrying.
    await page.goto(base + "/");
    await page.waitForSelector("#sign-in-section:not([hidden])");
    for (let i = 0; i < 5; i++) {
      const status = await page.evaluate(async (body) => (await fetch("/api/v1/sessions", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      })).status, { username: "no.such.user", password: "wrong-" + i });
      eq(status, 401, "wrong password " + (i + 1));
    }
    await page.fill("#username", "no.such.user");
    await page.fill("#password", "wrong-again");
    const [limited] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/v1/sessions")),
      page.click("#sign-in button[type=submit]"),
    ]);
    eq(limited.status(), 429, "the sixth attempt is refused");
    const seconds = limited.headers()["retry-after"];
    check(/^\d+$/.test(seconds || "") && Number(seconds) > 0, "with a Retry-After: " + seconds);
    await page.waitForFunction(() => document.querySelector("#message").textContent !== "");
    eq(await text(page, "#message"), `登录尝试过多，请 ${seconds} 秒后再试`, "the page says when to retry");
    // A busy server's 503, here as a proxy would send it (no JSON of ours).
    page.expectedStatuses.push(503);
    await page.route("**/api/v1/sessions", (route) => route.fulfill({
      status: 503, headers: { "Retry-After": "7", "Content-Type": "text/html" }, body: "<html>busy</html>",
    }));
    await page.fill("#username", "ent2");
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#message").textContent.includes("7"));
    eq(await text(page, "#message"), "服务器正忙于处理其他登录，请 7 秒后再试", "a busy server's answer says when, too");
    check(await page.isVisible("#sign-in-section"), "and the form stays for the next try");
  }],

  ["device-cookie-lets-the-owner-back-in", async (page, base) => {
    // A successful sign-in leaves an HttpOnly, SameSite=Strict device cookie
    // for the sign-in route only; it outlives sign-out, and while others'
    // wrong passwords lock the name, this browser still signs in (issue 10, F3).
    await signIn(page, base, "owner");
    const device = async () => (await page.context().cookies()).find((c) => c.name === "em_device");
    const d = await device();
    check(d, "the browser holds an em_device cookie");
    check(d.httpOnly, "HttpOnly");
    eq(d.sameSite, "Strict", "SameSite");
    eq(d.path, "/api/v1/sessions", "sent to the sign-in route only");
    check(!(await page.evaluate(() => document.cookie)).includes("em_device"), "scripts cannot read it");
    await page.click("#sign-out");
    await page.waitForSelector("#sign-in-section:not([hidden])");
    eq((await device())?.value, d.value, "signing out keeps it");
    // Someone else at this address (no cookies) guesses her password 5 times.
    const attempt = (password) => page.evaluate(async (body) => (await fetch("/api/v1/sessions", {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    })).status, { username: "owner", password });
    for (let i = 0; i < 5; i++) eq(await attempt("wrong-" + i), 401, "guess " + (i + 1));
    eq(await attempt(PASSWORD), 429, "the name is locked here for a browser without her cookie");
    // Her browser, through the page's own form, signs in.
    await signIn(page, base, "owner");
    check(await page.isVisible("#account"), "the account bar is shown");
  }],

  ["other-enterprise-sees-nothing", async (page, base) => {
    check(state.problemId, "the first scenario made a problem");
    await signIn(page, base, "ent2");
    const body = () => page.locator("body").innerText();
    check(!(await body()).includes(PROBLEM.title), "the other enterprise's list does not show it");
    await go(page, "#/problem/" + encodeURIComponent(state.problemId));
    eq(await text(page, ".msg-error"), "没有找到这条记录，或您无权查看。", "its page says there is no such record");
    check(!(await body()).includes(PROBLEM.title), "and shows nothing of it");
    for (const path of [`/api/v1/problems/${state.problemId}`, `/api/v1/problems/${state.problemId}/matches`,
      `/api/v1/problems/${state.problemId}/history`, `/api/v1/problems/${state.problemId}/reviews`,
      `/api/v1/problems/${state.problemId}/changes`]) {
      const r = await apiFromPage(page, "GET", path);
      check(r.status === 404 || r.status === 403, `${path} answers ${r.status}`);
      check(!r.body.includes(PROBLEM.title) && !r.body.includes("排气温度"), `${path} reveals nothing`);
    }
    for (const q of ["?enterprise=" + encodeURIComponent("衢州市恒拓压缩机有限公司"), "?county=" + encodeURIComponent("柯城区"), "?limit=500"]) {
      const r = await apiFromPage(page, "GET", "/api/v1/problems" + q);
      check(!r.body.includes(PROBLEM.title) && !r.body.includes(state.problemId), `/api/v1/problems${q} does not list it`);
    }
    // Typing the address of the API in the browser's bar gives the same 404.
    const direct = await page.goto(base + "/api/v1/problems/" + state.problemId);
    eq(direct.status(), 404, "the address bar gets 404");
    check(!(await direct.text()).includes(PROBLEM.title), "and nothing of the problem");
    await page.goto(base + "/#/problem/" + encodeURIComponent(state.problemId));
    await page.waitForSelector("#app .page:not([aria-busy])");
  }],

  ["english-on-request", async (page, base) => {
    // ?lang=en: the pages' words and the service's messages in English, from the same catalogue.
    await page.goto(base + "/?lang=en");
    await page.waitForFunction(() => document.querySelector("#sign-in-heading").textContent === "Sign in");
    eq(await page.getAttribute("html", "lang"), "en", "the document says it is English");
    eq(await text(page, "label[for=username]"), "User name", "the shell's own words are English");
    await page.fill("#username", "ent1");
    await page.fill("#password", "wrong password");
    await page.click("#sign-in button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#message").textContent !== "");
    eq(await text(page, "#message"), "wrong user name or password", "the service's refusal is English");
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#account:not([hidden])");
    await page.waitForSelector("#app .page:not([aria-busy])");
    eq(await page.locator("#nav a[aria-current=page]").innerText(), "My problems", "the menu is English");
    await go(page, "#/submit");
    await page.fill("#f-title", "轴承异响");
    await page.selectOption("#f-county", "柯城区");
    await page.fill("#f-description", "深沟球轴承装机后运转有周期性异响，更换润滑脂后仍然存在。");
    await page.evaluate(() => { const s = document.querySelector("#f-urgency"); s.append(new Option("9", "9")); s.value = "9"; });
    await page.click("#problem-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#f-urgency-error").textContent !== "");
    eq(await text(page, "#f-urgency-error"), "must be an integer from 1 to 5, got 9", "the server's reason is English");
    // No words of the page are Chinese: only what was typed and the county names are.
    const visible = (await page.locator("#app").innerText())
      .replace(/轴承异响|深沟球轴承[^\n]*/g, "")
      .replace(/柯城区|衢江区|龙游县|江山市|常山县|开化县|衢州智造新城/g, "");
    check(!/[\u4e00-\u9fff]/.test(visible), "no Chinese words on the English page: " + visible.slice(0, 400));
    // The icon is ours and served.
    const icon = await page.evaluate(async () => {
      const r = await fetch("/favicon.ico");
      return { status: r.status, type: r.headers.get("Content-Type") };
    });
    eq(icon.status, 200, "/favicon.ico is served");
    eq(icon.type, "image/x-icon", "as an icon");
    eq(await page.locator("link[rel=icon]").count(), 2, "the page links its icon");
  }],

  ["enterprise-reads-why-no-expert-fits", async (page, base) => {
    // A bank loan is not a problem any expert's research solves: the
    // enterprise reads why none is proposed, not only that none is (last,
    // so that its problem changes no other scenario's county).
    await signIn(page, base, "ent2");
    await go(page, "#/submit");
    await page.fill("#f-title", "申请银行贷款");
    await page.selectOption("#f-urgency", "3");
    await page.fill("#f-description", "企业扩大生产需要银行贷款，想了解怎样申请贴息贷款。");
    await page.click("#problem-form button[type=submit]");
    await page.waitForFunction(() => location.hash.startsWith("#/problem/"));
    await page.waitForSelector("#app .page:not([aria-busy])");
    await page.waitForSelector("#matches .expert-card, #matches .msg");
    eq(await page.locator("#matches .expert-card").count(), 0, "no expert is proposed for a bank loan");
    eq(await text(page, "#matches .msg-notice"), "暂无合适专家：不是我们专家研究覆盖的技术问题。县里会跟进",
      "the page says why no expert fits");
    const id = (await page.evaluate(() => location.hash)).split("/")[2];
    await page.goto(base + "/?lang=en#/problem/" + id);
    await page.waitForSelector("#account:not([hidden])");
    await page.waitForSelector("#matches .msg-notice");
    eq(await text(page, "#matches .msg-notice"),
      "No suitable expert yet: not a technical problem our experts' research covers. The county will follow up",
      "and in English on request");
  }],
];

// ---- runner ----

async function main() {
  mkdirSync(out, { recursive: true });
  check(existsSync(binary), "no server binary at " + binary + " (build it first)");
  const data = mkdtempSync(join(tmpdir(), "expertmatch-web-"));
  let server, browser, passed = 0, failed = 0;
  try {
    server = await startServer(data);
    browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    for (const [name, fn] of scenarios) {
      if (only && name !== only) continue;
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "zh-CN", acceptDownloads: true });
      const page = await context.newPage();
      page.setDefaultTimeout(30000);
      const pageErrors = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      // 4xx answers are the pages' business; a 5xx is a server fault unless
      // the scenario made it on purpose (page.expectedStatuses).
      page.expectedStatuses = [];
      page.on("console", (m) => {
        const status = /status of (\d+)/.exec(m.text());
        const expected = status && (status[1].startsWith("4") || page.expectedStatuses.includes(Number(status[1])));
        if (m.type() === "error" && !expected) pageErrors.push(m.text());
      });
      try {
        await fn(page, server.base);
        check(pageErrors.length === 0, "the page reported errors: " + pageErrors.join(" | "));
        await screenshots(page, name);  // fails the scenario if the page is wider than a phone
        passed++;
        console.log(`ok - ${name}`);
      } catch (e) {
        failed++;
        console.log(`not ok - ${name}: ${e instanceof Failure ? e.message : e.stack}`);
        try { await screenshots(page, name); } catch (e2) { console.log(`  (screenshot of ${name}: ${e2.message})`); }
      }
      await context.close();
    }
  } finally {
    if (browser) await browser.close();
    if (server) {
      server.child.kill("SIGTERM");
      await new Promise((r) => server.child.once("exit", r));
    }
    rmSync(data, { recursive: true, force: true });
  }
  console.log(`web tests: ${passed} passed, ${failed} failed (screenshots in ${out})`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { console.log(`not ok - setup: ${e.message}`); console.log("web tests: 0 passed, 1 failed"); process.exitCode = 1; });
