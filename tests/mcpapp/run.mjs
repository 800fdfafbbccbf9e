// The MCP App end to end: a real job on the test stack, its tool result passed
// through a host page built on @modelcontextprotocol/ext-apps into the
// ui://momentiq/timeline view in Chromium; then the policy pages. Screenshots
// go to RESULTS/screenshots/. Prints "mcpapp: N passed, N failed".
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";

const [, , BASE, OUT, DIR] = process.argv;
const TOKEN = process.env.MIQ_APP_TOKEN;
const HERE = path.dirname(new URL(import.meta.url).pathname);
const req = createRequire(DIR + "/node_modules/");
const load = async (m) => { const x = await import(pathToFileURL(req.resolve(m)).href); return x.default && !x.Client && !x.chromium ? x.default : x; };

let passed = 0, failed = 0;
function check(name, cond, detail) {
  if (cond) { passed++; console.log("ok: " + name); }
  else { failed++; console.log("FAIL: " + name + (detail !== undefined ? ": " + String(detail).slice(0, 400) : "")); }
  return !!cond;
}
const shot = (name) => path.join(OUT, "screenshots", name);

async function main() {
  const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await load("@modelcontextprotocol/sdk/client/streamableHttp.js");
  const { chromium } = await load("playwright-core");
  const client = new Client({ name: "momentiq-mcpapp-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(BASE + "/mcp"),
    { requestInit: { headers: { Authorization: "Bearer " + TOKEN } } }));
  const call = (name, args) => client.callTool({ name, arguments: args });

  // ---- what the server declares --------------------------------------------
  const { tools } = await client.listTools();
  const tool = (n) => tools.find((t) => t.name === n) || {};
  for (const n of ["momentiq.create_job", "momentiq.get_job", "momentiq.get_job_result"])
    check(n + " points at the view", tool(n)._meta?.ui?.resourceUri === "ui://momentiq/timeline", JSON.stringify(tool(n)._meta));
  check("the app tool is app-only", JSON.stringify(tool("momentiq.app_job_timeline")._meta?.ui?.visibility) === '["app"]');
  const read = await client.readResource({ uri: "ui://momentiq/timeline" });
  const item = read.contents[0] || {};
  const csp = item._meta?.ui?.csp || {};
  check("the view is text/html;profile=mcp-app", item.mimeType === "text/html;profile=mcp-app", item.mimeType);
  check("its CSP lists only our origin", JSON.stringify(csp.connectDomains) === JSON.stringify([BASE]) &&
        JSON.stringify(csp.resourceDomains) === JSON.stringify([BASE]), JSON.stringify(csp));
  check("the view is self-contained", /MomentIQTimeline/.test(item.text) && !/<script[^>]+src=/i.test(item.text));

  // ---- real jobs on generated media ----------------------------------------
  async function upload() {
    const u = await call("momentiq.create_upload", { filename: "tone-gap.wav" });
    const url = u.structuredContent?.upload_url;
    if (!check("create_upload gives a signed upload URL", !!url, JSON.stringify(u))) return null;
    const put = await fetch(url, { method: "PUT", body: fs.readFileSync(path.join(OUT, "mcpapp", "tone-gap.wav")),
                                   headers: { "Content-Type": "audio/wav" } });
    check("the media is uploaded", put.ok, put.status + " " + (await put.text()).slice(0, 200));
    return u.structuredContent.upload_id;
  }
  async function finish(jobId) {
    let j;
    for (let i = 0; i < 8; i++) {
      j = await call("momentiq.get_job", { job_id: jobId, wait_s: 30 });
      if (["succeeded", "failed", "canceled"].includes(j.structuredContent?.status)) break;
    }
    return j;
  }
  const uploadId = await upload();
  if (!uploadId) return;
  const created = await call("momentiq.create_job", { endpoint: "audio/silence", upload_id: uploadId,
    params: { min_silence_s: 1 }, idempotency_key: "mcpapp-silence-" + Date.now(), max_credits: 10 });
  const jobId = created.structuredContent?.job_id;
  check("create_job queues a job", !!jobId && !created.isError, JSON.stringify(created));
  const done = await finish(jobId);
  check("the job succeeds", done.structuredContent?.status === "succeeded", JSON.stringify(done.structuredContent));
  const result = await call("momentiq.get_job_result", { job_id: jobId });
  check("get_job_result answers text and structured content", !result.isError && result.content?.[0]?.text &&
        typeof result.structuredContent === "object", JSON.stringify(result).slice(0, 300));

  // ---- the view in Chromium, through AppBridge ------------------------------
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [] });
  const hostPage = "<!DOCTYPE html><html><head><meta charset=utf-8><title>MCP Apps test host</title>" +
    "<style>body{font:14px system-ui;margin:16px;background:#f3f4f6}iframe{width:760px;height:420px;" +
    "border:1px solid #cbd5e1;border-radius:10px;background:#fff}</style></head><body>" +
    "<p>MCP Apps test host (@modelcontextprotocol/ext-apps AppBridge)</p><div id=slot></div>" +
    "<script>" + fs.readFileSync(path.join(OUT, "mcpapp", "host-bridge.js"), "utf8") + "</script>" +
    "<script>" + fs.readFileSync(path.join(HERE, "host.js"), "utf8") + "</script></body></html>";

  async function show(label, toolArgs, toolResult, waitFor) {
    const page = await browser.newPage({ viewport: { width: 820, height: 560 }, deviceScaleFactor: 2 });
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.exposeFunction("mcpRequest", async (method, params) =>
      method === "tools/call" ? client.callTool(params) : client.readResource(params));
    await page.setContent(hostPage);
    await page.evaluate(([h, c, a, r]) => window.startHost(h, c, a, r), [item.text, csp, toolArgs, toolResult]);
    const view = page.frameLocator("#view");
    let drawn = 0;
    try {
      await view.locator(waitFor).first().waitFor({ timeout: 60000 });
      drawn = await view.locator(".miq-tl-m").count();
    } catch (e) { errors.push("not drawn: " + e.message.split("\n")[0]); }
    check(label + ": the view initialized through the bridge", await page.evaluate(() => window.viewInitialized));
    check(label + ": the timeline is drawn with focusable moments", drawn > 0, errors.join(" | "));
    if (drawn > 0) {
      await view.locator(".miq-tl-m").first().focus();
      await page.keyboard.press("Enter");
      const detail = await view.locator("#detail").textContent();
      check(label + ": a moment is activated from the keyboard", /^Moment at \d+:\d/.test(detail || ""), detail);
      const name = await view.locator(".miq-tl-m").first().getAttribute("aria-label");
      check(label + ": moments have accessible names", !!name && name.length > 3, name);
    }
    check(label + ": no errors in the page (CSP included)", errors.length === 0, errors.join(" | "));
    await page.screenshot({ path: shot("mcpapp-" + label + ".png"), fullPage: true });
    const appCalls = await page.evaluate(() => window.appToolCalls);
    await page.close();
    return appCalls;
  }
  await show("result", { job_id: jobId, format: "json" }, result, ".miq-tl-m");

  // a running job: the view follows it through the app-only tool, without the model
  const created2 = await call("momentiq.create_job", { endpoint: "audio/energy", upload_id: uploadId,
    idempotency_key: "mcpapp-energy-" + Date.now(), max_credits: 10 });
  check("a second job is queued", !!created2.structuredContent?.job_id, JSON.stringify(created2));
  const appCalls = await show("running-job", { endpoint: "audio/energy", upload_id: uploadId }, created2, ".miq-tl-energy, .miq-tl-m");
  check("the view polled the job with the app-only tool", appCalls >= 1, appCalls);

  // ---- the policy pages, as a person sees them -------------------------------
  for (const p of ["privacy", "terms", "retention", "deletion", "billing"]) {
    const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    const resp = await page.goto(BASE + "/legal/" + p);
    const h1 = await page.locator("h1").first().textContent();
    const logo = await page.locator("header img").evaluate((img) => img.naturalWidth);
    check("/legal/" + p + " renders", resp.status() === 200 && h1 && h1.length > 3 && logo > 0 && errors.length === 0,
          resp.status() + " " + h1 + " logo " + logo + " " + errors.join(" | "));
    await page.screenshot({ path: shot("legal-" + p + ".png"), fullPage: true });
    await page.close();
  }
  await browser.close();
  await client.close();
  inspector();
}

// The MCP Inspector CLI's app probe (--app-info) and resources, as a host sees them.
function inspector() {
  const home = path.join(OUT, "mcpapp", "inspector-home"); // it keeps a catalog and secrets in HOME
  fs.mkdirSync(home, { recursive: true });
  const run = (...args) => {
    try {
      return { code: 0, out: execFileSync(process.env.MIQ_NODE22, [process.env.MIQ_INSPECTOR_CLI, BASE + "/mcp", ...args],
                                          { env: { ...process.env, HOME: home }, timeout: 60000, encoding: "utf8" }) };
    } catch (e) { return { code: e.status, out: String(e.stdout || "") + String(e.stderr || e.message) }; }
  };
  const probe = run("--method", "tools/list", "--app-info", "--advertise-apps");
  const lines = probe.out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const app = (n) => lines.find((l) => l.toolName === n) || {};
  check("Inspector --app-info: the job tools have the app", ["momentiq.create_job", "momentiq.get_job", "momentiq.get_job_result"]
        .every((n) => app(n).hasApp && app(n).resourceUri === "ui://momentiq/timeline" &&
               app(n).resourceMimeType === "text/html;profile=mcp-app" &&
               JSON.stringify(app(n).csp?.connectDomains) === JSON.stringify([BASE])), probe.out.slice(0, 400));
  check("Inspector --app-info: the helper is app-only", JSON.stringify(app("momentiq.app_job_timeline").visibility) === '["app"]');
  check("Inspector --app-info: other tools have no app", app("momentiq.list_endpoints").hasApp === false);
  const list = run("--method", "resources/list");
  check("Inspector resources/list shows the view", list.code === 0 && list.out.includes('"ui://momentiq/timeline"'), list.out.slice(0, 300));
  const read = run("--method", "resources/read", "--uri", "ui://momentiq/timeline");
  check("Inspector resources/read gets the view", read.code === 0 && read.out.includes("text/html;profile=mcp-app"), read.out.slice(0, 300));
}

main().catch((e) => { failed++; console.log("FAIL: " + (e && e.stack ? e.stack : e)); })
  .finally(() => { console.log("mcpapp: " + passed + " passed, " + failed + " failed"); process.exit(failed ? 1 : 0); });
