// The dashboard clicked through in real Chromium as a new user would, against
// the real test stack (httpd + module + worker + PostgreSQL): sign up, top up
// through a fake Stripe Checkout (named as such: it stands for Stripe, an
// outside service), cap change, upload of generated media, a timeline job on
// the real worker drawn with its cuts, connector token + API key, OAuth app
// revoke, usage, account deletion (old tokens 401, login fails). axe-core on
// every page; screenshots at desktop and 375 px. Prints "N passed, N failed".
"use strict";
const fs = require("fs");
const http = require("http");
const crypto = require("crypto");
const path = require("path");

const MODS = process.env.BROWSER_NODE_MODULES;
const { chromium } = require(path.join(MODS, "playwright-core"));
const AXE = fs.readFileSync(path.join(MODS, "axe-core", "axe.min.js"), "utf8");
const URL0 = process.env.MIQ_TEST_URL;
const OUT = process.env.BROWSER_RESULTS;
const MEDIA = process.env.BROWSER_MEDIA; // cuts at 4, 8, 12 s; silence 5-7 s
const STRIPE_PORT = Number(process.env.MIQ_TEST_STRIPE_PORT);
const WHSEC = process.env.MIQ_TEST_STRIPE_WEBHOOK_SECRET;
const SHOTS = path.join(OUT, "screenshots");
const CUTS = [4, 8, 12];

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log("ok   " + name); }
  else { failed++; console.log("FAIL: " + name + (detail ? ": " + detail : "")); }
  return ok;
}
async function step(name, fn) {
  try { await fn(); } catch (e) { check(name, false, (e && e.message ? e.message : String(e)).split("\n")[0]); }
}

// ---- fake Stripe (Checkout page + signed webhook to the stack) -------------
const sessions = new Map();
function fakeStripe() {
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", async () => {
      const u = new URL(req.url, "http://x");
      if (req.method === "POST" && u.pathname === "/v1/checkout/sessions") {
        const f = new URLSearchParams(body), id = "cs_test_" + crypto.randomBytes(6).toString("hex");
        sessions.set(id, { account: f.get("client_reference_id"), success: f.get("success_url"),
          amount: Number(f.get("line_items[0][price_data][unit_amount]")) * Number(f.get("line_items[0][quantity]") || 1),
          currency: f.get("line_items[0][price_data][currency]") || "usd", auth: req.headers.authorization || "" });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ id, url: "http://127.0.0.1:" + STRIPE_PORT + "/pay/" + id }));
      } else if (u.pathname.startsWith("/pay/")) {
        const id = u.pathname.slice(5), s = sessions.get(id);
        if (!s) { res.writeHead(404); res.end("no such session"); return; }
        if (req.method === "GET") {
          res.writeHead(200, { "Content-Type": "text/html" });
          res.end('<!doctype html><html lang="en"><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1>' +
            "<p>Pay " + s.amount + " " + s.currency + '</p><form method="post"><button>Pay</button></form></html>');
          return;
        }
        const ev = JSON.stringify({ id: "evt_" + id, type: "checkout.session.completed", data: { object: {
          id, client_reference_id: s.account, amount_total: s.amount, currency: s.currency, payment_status: "paid" } } });
        const t = Math.floor(Date.now() / 1000);
        const sig = crypto.createHmac("sha256", WHSEC).update(t + "." + ev).digest("hex");
        const r = await fetch(URL0 + "/api/billing/stripe/webhook", { method: "POST", body: ev,
          headers: { "Content-Type": "application/json", "Stripe-Signature": "t=" + t + ",v1=" + sig } });
        s.webhook = r.status;
        res.writeHead(303, { Location: s.success });
        res.end();
      } else { res.writeHead(404); res.end(); }
    });
  });
  return new Promise((ok) => srv.listen(STRIPE_PORT, "127.0.0.1", () => ok(srv)));
}

// ---- page helpers ------------------------------------------------------------
const cspErrors = [];
async function axeCheck(page, name) {
  await page.evaluate(AXE);
  const v = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }).then((r) =>
    r.violations.map((x) => ({ id: x.id, impact: x.impact, nodes: x.nodes.slice(0, 3).map((n) => n.target.join(" ")) }))));
  const bad = v.filter((x) => x.impact === "serious" || x.impact === "critical");
  fs.writeFileSync(path.join(OUT, "axe-" + name + ".json"), JSON.stringify(v, null, 1));
  check("axe: no serious or critical violation on " + name, bad.length === 0,
    bad.map((x) => x.impact + " " + x.id + " at " + x.nodes.join(", ")).join("; "));
}
async function shots(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + "-desktop.png"), fullPage: true });
  const vp = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(300); // the timeline redraws for the new width
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(name + " fits 375 px without sideways scrolling", wide <= 376, "scrollWidth " + wide);
  await page.screenshot({ path: path.join(SHOTS, name + "-375.png"), fullPage: true });
  await page.setViewportSize(vp);
}
async function visit(page, hash, title) {
  // a full load each time, never a same-document hash change; once more if a
  // navigation still under way (an error page) interrupts it
  for (let i = 0; ; i++) {
    try {
      await page.goto("about:blank");
      await page.goto(URL0 + "/dashboard/#" + hash);
      break;
    } catch (e) {
      if (i > 0 || !/interrupted/.test(e.message)) throw e;
    }
  }
  await page.waitForFunction((t) => { const h = document.querySelector("main h1"); return h && h.textContent.startsWith(t); }, title);
  await page.waitForLoadState("networkidle");
}
async function inPage(page, method, p, body) {
  return page.evaluate(async ([m, p, b]) => {
    const s = await (await fetch("/api/auth/session")).json();
    const r = await fetch(p, { method: m, headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token || "" },
                               body: b === undefined ? undefined : JSON.stringify(b) });
    let j = null; try { j = await r.json(); } catch (e) { /* not JSON */ }
    return { status: r.status, json: j };
  }, [method, p, body]);
}
const bearer = (tok, p) => fetch(URL0 + p, { headers: { Authorization: "Bearer " + tok } }).then((r) => r.status);
async function mcpStatus(tok) {
  const r = await fetch(URL0 + "/mcp", { method: "POST", headers: { Authorization: "Bearer " + tok, "Content-Type": "application/json",
    Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "browser-test", version: "1" } } }) });
  return r.status;
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const stripe = await fakeStripe();
  const args = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.route("https://chatgpt.com/**", (r) => r.abort()); // never leave the machine
  const page = await ctx.newPage();
  page.on("console", (m) => { if (m.type() === "error") { console.log("console: " + m.text()); if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); } });
  page.on("pageerror", (e) => { cspErrors.push("page error: " + e.message); console.log("pageerror: " + e.message); });
  page.on("dialog", (d) => d.accept());
  const email = "browser-" + crypto.randomBytes(5).toString("hex") + "@example.com", password = "Correct horse " + crypto.randomBytes(4).toString("hex");
  let apiKey = null, connToken = null, oauthTok = null, jobId = null;

  await step("sign-in page", async () => {
    const resp = await page.goto(URL0 + "/dashboard/");
    const csp = resp.headers()["content-security-policy"] || "";
    check("dashboard CSP forbids framing and inline script", /frame-ancestors 'none'/.test(csp) && !/unsafe-inline/.test(csp), csp);
    await page.waitForSelector("form h2");
    await axeCheck(page, "signin");
    await shots(page, "signin");
  });

  await step("sign up", async () => {
    await page.click("role=tab[name='Create an account']");
    check("password rules shown on sign-up", await page.isVisible("#pw-rules li"));
    await page.fill("input[type=email]", email);
    await page.fill("input[type=password]", "short");
    await page.click("form button[type=submit]");
    const err = await page.textContent("form [role=alert]");
    check("a short password is refused in words", /at least \d+ characters/i.test(err), err);
    await page.fill("input[type=password]", password);
    await page.click("form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("main h1") && document.querySelector("main h1").textContent === "Overview");
    check("signed up and on the Overview", true);
    check("header shows the email", (await page.textContent("#who")).includes(email));
  });

  await step("overview", async () => {
    await page.waitForSelector("#balance");
    check("overview shows the balance", /credits/.test(await page.textContent("#balance")));
    await axeCheck(page, "overview");
    await shots(page, "overview");
  });

  await step("top up through Stripe Checkout (fake Stripe)", async () => {
    await visit(page, "billing", "Billing");
    await axeCheck(page, "billing");
    await shots(page, "billing");
    await page.fill("#topup-credits", "2000");
    await Promise.all([page.waitForURL(/127\.0\.0\.1:\d+\/pay\//), page.click("text=Top up with Stripe")]);
    check("sent to the Checkout page", /Fake Stripe Checkout/.test(await page.title()));
    await Promise.all([page.waitForURL(/\/dashboard\/.*#billing/), page.click("button:has-text('Pay')")]);
    await page.waitForSelector("#billing-balance");
    const s = [...sessions.values()].pop();
    check("the stack created the session with its secret key", s && /^Bearer sk_test_/.test(s.auth));
    check("the signed webhook was accepted", s && s.webhook === 200, s && "status " + s.webhook);
    const bal = await page.textContent("#billing-balance");
    check("the balance shows the credits bought", /[1-9][\d,]* credits/.test(bal), bal);
    check("back from Checkout the URL is clean", !/checkout=/.test(page.url()), page.url());
  });

  await step("cap change", async () => {
    await page.fill("#cap-credits", "1500");
    await page.fill("#cap-alerts", "50, 90");
    await page.click("text=Save cap and alerts");
    await page.waitForSelector(".toast >> text=Monthly cap set to 1,500 credits.");
    const b = await inPage(page, "GET", "/api/dashboard/billing");
    check("the cap and alerts are saved", b.json && b.json.monthly_spend_cap_credits === 1500 &&
      JSON.stringify(b.json.alert_thresholds) === "[0.5,0.9]", JSON.stringify(b.json));
  });

  let uploadId = null;
  await step("upload generated media", async () => {
    await visit(page, "media", "Media");
    await page.setInputFiles("#media-file", MEDIA);
    await page.waitForFunction(() => /uploaded/.test(document.getElementById("upload-status").textContent), null, { timeout: 60000 });
    check("the progress bar reached 100%", (await page.getAttribute("progress", "aria-valuetext")) === "100%" ||
      (await page.evaluate(() => document.querySelector("progress").value)) === 100);
    await page.waitForSelector("#uploads td >> text=" + path.basename(MEDIA));
    const streams = await page.textContent("#uploads tbody tr td:nth-child(3)");
    check("the upload lists its probed streams", /video/.test(streams) && /audio/.test(streams), streams);
    const ups = await inPage(page, "GET", "/api/dashboard/uploads");
    uploadId = ((ups.json && (ups.json.uploads || ups.json.items)) || [])[0].upload_id;
    await axeCheck(page, "media");
    await shots(page, "media");
  });

  await step("new analysis with estimate and max_credits guard", async () => {
    await page.click("#uploads a:has-text('Analyse')");
    await page.waitForSelector("#an-endpoint");
    await page.selectOption("#an-endpoint", "timeline/moments");
    await page.waitForFunction(() => /credits/.test(document.getElementById("an-estimate").textContent), null, { timeout: 15000 });
    const est = Number((await page.textContent("#an-estimate")).replace(/[^\d]/g, ""));
    check("a live estimate in credits", est > 0, "estimate " + est);
    await axeCheck(page, "analyze");
    await shots(page, "analyze");
    if (est > 1) {
      await page.fill("#an-max", String(est - 1));
      await page.click("#an-start");
      await page.waitForFunction(() => ((document.querySelector("form [role=alert]") || {}).textContent || "").length > 0, null, { timeout: 15000 });
      check("max_credits below the estimate refuses the job", page.url().includes("#analyze"), await page.textContent("form [role=alert]"));
    }
    await page.fill("#an-max", String(est + 10));
    await Promise.all([page.waitForURL(/#jobs\//), page.click("#an-start")]);
    jobId = decodeURIComponent(page.url().split("#jobs/")[1]);
    check("the job started", /^job_/.test(jobId) || jobId.length > 4, jobId);
  });

  await step("the job runs on the real worker and its timeline is drawn", async () => {
    await page.waitForSelector(".miq-tl-svg", { timeout: 180000 });
    const cuts = await page.$$eval(".miq-tl-m[data-type=cut]", (els) => els.map((e) => Number(e.getAttribute("data-time"))));
    check("SVG markers for the known cuts (4, 8, 12 s)", CUTS.every((c) => cuts.some((t) => Math.abs(t - c) < 0.2)), "cuts drawn at " + cuts.join(", "));
    const sil = await page.$$eval(".miq-tl-m[data-type=silence]", (els) => els.map((e) => Number(e.getAttribute("data-time"))));
    check("a silence band for the silent stretch (5-7 s)", sil.some((t) => Math.abs(t - 5) < 0.6), "silences at " + sil.join(", "));
    const named = await page.$$eval(".miq-tl-m", (els) => els.every((e) => e.getAttribute("tabindex") === "0" && e.getAttribute("aria-label")));
    check("every moment is focusable and named", named);
    await page.waitForFunction(() => document.querySelectorAll("#job-downloads li").length >= 6, null, { timeout: 15000 });
    const links = await page.$$eval("#job-downloads a[href*='format=']", (as) => as.map((a) => a.getAttribute("href")));
    // json, vtt, csv, edl today; fcpxml and otio (SPEC §6) when the server has them
    check("downloads in every result format the server has", ["json", "vtt", "csv", "edl"].every((f) => links.some((l) => l.endsWith("format=" + f))), links.join(" "));
    const missing = await page.$$eval("#job-downloads span.muted", (ss) => ss.map((x) => x.textContent));
    check("a format the server lacks is named, not linked", links.length + missing.length === 6, missing.join("; "));
    const codes = await page.evaluate(async (ls) => Promise.all(ls.map((l) => fetch(l).then((r) => r.status))), links);
    check("every download link answers 200", codes.every((c) => c === 200), codes.join(","));
    const vtt = await page.evaluate(async (l) => (await fetch(l)).text(), links.find((l) => l.endsWith("format=vtt")));
    check("the WebVTT download is WebVTT", /^WEBVTT/.test(vtt), vtt.slice(0, 40));
    await axeCheck(page, "job");
    await shots(page, "job");
  });

  await step("the player jumps to a clicked moment", async () => {
    await page.waitForSelector("#job-media video, #job-media audio", { timeout: 15000 });
    await page.waitForFunction(() => { const v = document.querySelector("#job-media video, #job-media audio"); return v && v.readyState >= 1; }, null, { timeout: 20000 });
    const cut8 = page.locator(".miq-tl-m[data-type=cut]").nth(1);
    await cut8.click();
    const t1 = await page.evaluate(() => document.querySelector("#job-media video, #job-media audio").currentTime);
    check("clicking a cut moves the player there", Math.abs(t1 - 8) < 0.3, "currentTime " + t1);
    await page.focus(".miq-tl-m[data-type=cut] >> nth=2");
    await page.keyboard.press("Enter");
    const t2 = await page.evaluate(() => document.querySelector("#job-media video, #job-media audio").currentTime);
    check("Enter on a focused moment moves the player there", Math.abs(t2 - 12) < 0.3, "currentTime " + t2);
  });

  await step("jobs list", async () => {
    await visit(page, "jobs", "Jobs");
    await page.waitForSelector("#jobs-list a");
    check("the job is listed as succeeded", (await page.textContent("#jobs-list")).includes("succeeded"));
    await axeCheck(page, "jobs");
    await shots(page, "jobs");
  });

  await step("connections: tokens shown once", async () => {
    await visit(page, "connections", "Connections");
    const conn = page.locator("section", { hasText: "Connector tokens" });
    await conn.locator("input[name=name]").fill("Browser test client");
    await conn.locator("button[type=submit]").click();
    connToken = (await page.locator("#connectors-secret .secret-value").textContent({ timeout: 10000 })).trim();
    check("the connector token is shown once", connToken.length > 20);
    const keys = page.locator("section", { hasText: "API keys" });
    await keys.locator("input[name=name]").fill("Browser test key");
    await keys.locator("button[type=submit]").click();
    apiKey = (await page.locator("#keys-secret .secret-value").textContent({ timeout: 10000 })).trim();
    check("the API key works", (await bearer(apiKey, "/v1/account")) === 200);
    check("the connector token works on /mcp", (await mcpStatus(connToken)) === 200);
    await page.reload();
    await page.waitForSelector("#connectors-list table");
    check("after a reload the secret is gone", !(await page.content()).includes(connToken));
  });

  await step("OAuth app approve and revoke", async () => {
    const verifier = crypto.randomBytes(32).toString("base64url");
    const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
    const redirect = "https://chatgpt.com/connector_platform_oauth_redirect";
    const q = new URLSearchParams({ response_type: "code", client_id: "itest-chatgpt", redirect_uri: redirect,
      code_challenge: challenge, code_challenge_method: "S256", state: "st-browser", resource: URL0 + "/mcp", scope: "all" });
    // A tab of its own: the redirect to the client goes nowhere (an error
    // page) and must not disturb the dashboard's tab.
    const tab = await ctx.newPage();
    await tab.goto(URL0 + "/api/auth/oauth/authorize?" + q);
    // Playwright does not route redirected requests: read the code off the
    // request the consent screen's 303 sends the browser to.
    const [req] = await Promise.all([tab.waitForRequest((r) => r.url().startsWith(redirect)),
                                     tab.click("button[name=decision][value=approve]")]);
    const code = new URL(req.url()).searchParams.get("code");
    check("the consent screen redirected with a code and our state", !!code && new URL(req.url()).searchParams.get("state") === "st-browser");
    await tab.close();
    const tr = await fetch(URL0 + "/api/auth/oauth/token", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: redirect,
                                  client_id: "itest-chatgpt", resource: URL0 + "/mcp" }) });
    const tok = await tr.json();
    oauthTok = tok.access_token;
    check("the OAuth app got a working token", tr.status === 200 && (await mcpStatus(oauthTok)) === 200, "token status " + tr.status + " " + JSON.stringify(tok));
    await visit(page, "connections", "Connections");
    await page.waitForSelector("#oauth-apps tbody tr");
    check("the approved app is listed", /ChatGPT/.test(await page.textContent("#oauth-apps")));
    await axeCheck(page, "connections");
    await shots(page, "connections");
    await page.click("#oauth-apps button:has-text('Revoke')");
    await page.waitForSelector("#oauth-apps >> text=No apps connected.");
    check("after revoke the app's access token answers 401", (await mcpStatus(oauthTok)) === 401);
    const rr = await fetch(URL0 + "/api/auth/oauth/token", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tok.refresh_token || "x", client_id: "itest-chatgpt" }) });
    check("after revoke the refresh token is refused", rr.status === 400 || rr.status === 401, "status " + rr.status);
  });

  await step("usage", async () => {
    await visit(page, "usage", "Usage");
    await page.waitForSelector("#usage-chart svg");
    check("credits per day drawn as bars", (await page.$$("#usage-chart svg rect")).length > 0);
    check("usage by endpoint lists the job's endpoint", (await page.textContent("main")).includes("timeline/moments"));
    await axeCheck(page, "usage");
    await shots(page, "usage");
  });

  await step("account: export and delete", async () => {
    await visit(page, "account", "Account");
    await page.waitForSelector("#account-email");
    await axeCheck(page, "account");
    await shots(page, "account");
    const exp = await page.evaluate(async () => { const r = await fetch(document.getElementById("export-link").getAttribute("href")); return { s: r.status, t: await r.text() }; });
    check("export my data is JSON with my email", exp.s === 200 && exp.t.includes("@example.com") && JSON.parse(exp.t) !== null, "status " + exp.s);
    await page.fill("#delete-confirm", "not my email");
    await page.click("#danger-zone button.danger");
    check("a wrong confirmation is refused in words", /Type .* exactly/.test(await page.textContent("#danger-zone [role=alert]")));
    await page.fill("#delete-confirm", email);
    await page.click("#danger-zone button.danger");
    await page.waitForFunction(() => document.querySelector("main h1") && document.querySelector("main h1").textContent === "Sign in", null, { timeout: 30000 });
    check("after deletion the old API key answers 401", (await bearer(apiKey, "/v1/account")) === 401);
    check("after deletion the old connector token answers 401", (await mcpStatus(connToken)) === 401);
    const lr = await fetch(URL0 + "/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
    check("after deletion the login fails", lr.status === 401, "status " + lr.status);
    await page.fill("input[type=email]", email);
    await page.fill("input[type=password]", password);
    await page.click("form button[type=submit]");
    await page.waitForFunction(() => ((document.querySelector("form [role=alert]") || {}).textContent || "").length > 0);
    check("the sign-in page says so in words", /wrong/.test(await page.textContent("form [role=alert]")));
  });

  await step("signed in with your organisation (remote user)", async () => {
    const users = (process.env.MIQ_TEST_HTPASSWD_USERS || "").split(",").map((u) => u.split(":"));
    const bob = users.find((u) => u[0] && !u[0].includes("@")) || users[0];
    if (!bob || !bob[1]) { check("htpasswd users for the remote-user step", false, "MIQ_TEST_HTPASSWD_USERS not set"); return; }
    const octx = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: { username: bob[0], password: bob.slice(1).join(":") } });
    const op = await octx.newPage();
    await op.goto(URL0 + "/api/auth/remote-user");
    await op.waitForFunction(() => document.querySelector("main h1") && document.querySelector("main h1").textContent === "Overview", null, { timeout: 15000 });
    check("the header says signed in with your organisation", /signed in with your organisation/.test(await op.textContent("#who")));
    await op.goto(URL0 + "/dashboard/#account");
    await op.waitForSelector("#account-email");
    check("the account page says how you sign in", /signed in with your organisation/i.test(await op.textContent("main")));
    await axeCheck(op, "account-organisation");
    await shots(op, "account-organisation");
    await octx.close();
  });

  check("no CSP violation or script error on any page", cspErrors.length === 0, cspErrors.slice(0, 3).join(" | "));
  await browser.close();
  stripe.close();
}

main().catch((e) => check("browser suite", false, e.stack || String(e))).finally(() => {
  console.log(passed + " passed, " + failed + " failed");
  process.exit(failed ? 1 : 0);
});
