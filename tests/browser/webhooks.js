// The Webhooks page in real Chromium against the real stack: a user adds an
// endpoint (a receiver this script runs on loopback), copies the signing
// secret shown once, sends a test event, sees it delivered in the log with
// its HTTP status, disables and deletes the endpoint. The delivery the
// receiver got must verify with the secret the page showed. axe-core (no
// serious or critical violation), no sideways scrolling at 375 px, no CSP
// violation or script error. Prints "N passed, N failed".
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

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log("ok   " + name); }
  else { failed++; console.log("FAIL: " + name + (detail ? ": " + detail : "")); }
  return ok;
}
async function step(name, fn) {
  try { await fn(); } catch (e) { check(name, false, (e && e.message ? e.message : String(e)).split("\n")[0]); }
}

// The receiver: records every POST (headers + raw body), answers 200.
const got = [];
function receiver() {
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
    });
  });
  return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok(srv)));
}

async function main() {
  const shots = path.join(OUT, "screenshots");
  fs.mkdirSync(shots, { recursive: true });
  const srv = await receiver();
  const hookUrl = "http://127.0.0.1:" + srv.address().port + "/momentiq";
  const args = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("dialog", (d) => d.accept());
  const email = "hooks-" + crypto.randomBytes(5).toString("hex") + "@example.com";
  const password = "Correct horse " + crypto.randomBytes(4).toString("hex");
  let secret = null;

  await step("sign up and open the Webhooks page", async () => {
    let r = await ctx.request.post(URL0 + "/api/auth/signup", { data: { email, password } });
    check("signed up", r.status() === 201, String(r.status()));
    r = await ctx.request.post(URL0 + "/api/auth/login", { data: { email, password } });
    check("signed in", r.status() === 200, String(r.status()));
    await page.goto(URL0 + "/dashboard/#webhooks");
    await page.waitForFunction(() => document.querySelector("main h1") && document.querySelector("main h1").textContent === "Webhooks");
    check("the menu links the Webhooks page", await page.isVisible("nav a[href='#webhooks']"));
    await page.waitForSelector("#webhook-list table, #webhook-list .empty, #webhook-list p");
  });

  await step("add an endpoint: the secret is shown once", async () => {
    await page.fill("role=textbox[name='Endpoint URL']", "not a url");
    await page.click("role=button[name='Add endpoint']");
    check("a bad URL is refused in words", /full URL/.test(await page.textContent("form [role=alert]")));
    await page.fill("role=textbox[name='Endpoint URL']", hookUrl);
    await page.check("input[value='usage.alert']");
    await page.click("role=button[name='Add endpoint']");
    await page.waitForSelector(".secret-value");
    secret = (await page.textContent(".secret-value")).trim();
    check("the signing secret is shown", /^whsec_[A-Za-z0-9_-]{43}$/.test(secret), secret);
    await page.waitForFunction((u) => ((document.querySelector("#webhook-list") || {}).textContent || "").includes(u), hookUrl);
    check("the endpoint is listed, enabled", /enabled/.test(await page.textContent("#webhook-list")));
    await page.reload();
    await page.waitForFunction((u) => ((document.querySelector("#webhook-list") || {}).textContent || "").includes(u), hookUrl);
    check("the secret is gone after a reload", !(await page.content()).includes(secret));
  });

  await step("send a test event: delivered, signed, logged", async () => {
    await page.click("role=button[name='Send test event for " + hookUrl + "']");
    for (let i = 0; i < 150 && !got.length; i++) await new Promise((ok) => setTimeout(ok, 200));
    check("the receiver got the test event", got.length === 1, String(got.length));
    if (got.length) {
      const d = got[0], sig = d.headers["momentiq-signature"] || "";
      const t = (sig.match(/t=(\d+)/) || [])[1], v1 = (sig.match(/v1=([0-9a-f]{64})/) || [])[1];
      const want = t && crypto.createHmac("sha256", secret).update(t + ".").update(d.body).digest("hex");
      check("its signature verifies with the secret the page showed", !!v1 && v1 === want, sig);
      const ev = JSON.parse(d.body.toString("utf8"));
      check("a test event: livemode false, the event id in the header",
        ev.livemode === false && ev.id === d.headers["momentiq-event-id"] && ev.type === "job.succeeded", d.body.toString());
    }
    await page.waitForFunction(() => /delivered/.test((document.querySelector("#webhook-log") || {}).textContent || ""), null, { timeout: 20000 });
    const log = await page.textContent("#webhook-log");
    check("the delivery log shows the attempt with its status and latency", /HTTP 200/.test(log) && /\d+ ms/.test(log), log);
    await page.evaluate(AXE);
    const v = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }).then((r) =>
      r.violations.filter((x) => x.impact === "serious" || x.impact === "critical").map((x) => x.id + ": " + x.nodes.length)));
    fs.writeFileSync(path.join(OUT, "axe-webhooks.json"), JSON.stringify(v, null, 2));
    check("axe-core: no serious or critical violation on Webhooks", v.length === 0, v.join(", "));
    await page.screenshot({ path: path.join(shots, "webhooks-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check("no sideways scrolling at 375 px", wide <= 0, String(wide));
    await page.screenshot({ path: path.join(shots, "webhooks-375.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step("disable, then delete", async () => {
    await page.click("role=button[name='Disable for " + hookUrl + "']");
    await page.waitForFunction(() => /disabled/.test(((document.querySelector("#webhook-list") || {}).textContent || "")));
    check("the endpoint shows disabled", true);
    await page.click("role=button[name='Delete for " + hookUrl + "']");
    await page.waitForFunction((u) => !((document.querySelector("#webhook-list") || {}).textContent || "").includes(u), hookUrl);
    check("the endpoint is gone", /No endpoints yet/.test(await page.textContent("#webhook-list")));
  });

  check("no CSP violation or script error", errors.length === 0, errors.join(" | "));
  await browser.close();
  srv.close();
}

main().catch((e) => check("webhooks browser test", false, e.stack || String(e)))
  .finally(() => { console.log(passed + " passed, " + failed + " failed"); process.exit(failed ? 1 : 0); });
