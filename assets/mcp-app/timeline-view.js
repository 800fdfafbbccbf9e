/* The MCP App view: speaks the ui/* protocol with the host over postMessage
 * (JSON-RPC 2.0), draws the job of the tool result with MomentIQTimeline, and
 * keeps it current through the app-only tool momentiq.app_job_timeline (which
 * waits on a running job and signs fresh output URLs) without the model. */
(function () {
  "use strict";
  var APP_TOOL = "momentiq.app_job_timeline";
  var nextId = 1, pending = {}, tl = null, job = null, jobId = null, polls = 0, stopped = false;
  var $ = function (id) { return document.getElementById(id); };

  function post(msg) { window.parent.postMessage(msg, "*"); }
  function request(method, params) {
    var id = nextId++;
    post({ jsonrpc: "2.0", id: id, method: method, params: params || {} });
    return new Promise(function (resolve, reject) { pending[id] = { resolve: resolve, reject: reject }; });
  }
  function notify(method, params) { post({ jsonrpc: "2.0", method: method, params: params || {} }); }
  function answer(id, result) { post({ jsonrpc: "2.0", id: id, result: result || {} }); }

  function fmt(t) {
    var m = Math.floor(t / 60), s = t - m * 60;
    return m + ":" + (s < 10 ? "0" : "") + s.toFixed(1);
  }
  function say(id, text, isError) { var e = $(id); e.textContent = text; e.className = e.className.replace(/ miq-app-error/g, "") + (isError ? " miq-app-error" : ""); }
  function textOf(result) {
    var c = result && Array.isArray(result.content) ? result.content : [];
    for (var i = 0; i < c.length; i++) if (c[i] && c[i].type === "text") return String(c[i].text);
    return "";
  }
  function counts(r) {
    var n = 0;
    if (r && typeof r === "object") Object.keys(r).forEach(function (k) { if (Array.isArray(r[k]) && k !== "outputs") n += r[k].length; });
    return n;
  }

  function draw() {
    var st = job.status || "succeeded";
    $("title").textContent = "Job " + (job.job_id || jobId || "") + (job.endpoint ? " · " + job.endpoint : "");
    var n = job.result ? counts(job.result) : 0;
    say("meta", st === "succeeded" && job.result ? n + (n === 1 ? " moment" : " moments") + (job.result.truncated ? " (shortened: the full result is in the API)" : "")
      : st === "queued" || st === "running" ? st + ", " + (job.progress || 0) + "%" : st);
    var options = {
      height: 220,
      onSeek: function (t, m) {
        /* the component's accessible name of the activated moment says what it is */
        var a = document.activeElement, name = a && a.getAttribute && a.getAttribute("aria-label");
        say("detail", "Moment at " + fmt(t) + (name ? ": " + name : m && m.type ? ": " + m.type : "") +
            (m && typeof m.score === "number" ? ", score " + m.score.toFixed(2) : ""));
      },
      thumbnailUrl: function (m) {
        var u = m && (m.thumbnail_url || m.url);
        return typeof u === "string" && /^https?:/.test(u) && /\.(jpe?g|png|webp)(\?|$)/i.test(u) ? u : null;
      }
    };
    if (tl) tl.update(job); else tl = window.MomentIQTimeline.render($("timeline"), job, options);
  }

  /* Polls a queued or running job (each call waits up to 15 s on the server). */
  function refresh() {
    if (stopped || !jobId) return;
    request("tools/call", { name: APP_TOOL, arguments: { job_id: jobId, wait_s: job && job.status !== "succeeded" ? 15 : 0 } })
      .then(function (res) {
        if (res.isError) { say("meta", textOf(res) || "The job could not be read.", true); return; }
        var sc = res.structuredContent || {};
        if (sc.job) { job = sc.job; draw(); }
        if (job && (job.status === "queued" || job.status === "running") && ++polls < 40) refresh();
      })
      .catch(function (e) { say("meta", "The host could not reach MomentIQ: " + (e && e.message ? e.message : e), true); });
  }

  function onToolResult(res) {
    var sc = res && res.structuredContent;
    if (!res || res.isError || !sc || typeof sc !== "object") {
      say("meta", textOf(res) || "The tool returned no job.", true);
      return;
    }
    if (sc.job && sc.job.job_id) sc = sc.job;
    if (sc.job_id && sc.status) { /* a job (create_job, get_job): fetch its result or follow it */
      job = sc; jobId = sc.job_id; draw();
      if (!job.result) refresh();
    } else { /* a result (get_job_result): the job id came with the tool input */
      job = { job_id: jobId, status: "succeeded", result: sc };
      draw();
      refresh(); /* the job's endpoint and duration, and output URLs signed afresh */
    }
  }

  window.addEventListener("message", function (ev) {
    var m = ev.data;
    if (ev.source !== window.parent || !m || m.jsonrpc !== "2.0") return;
    if (m.id !== undefined && !m.method) {
      var p = pending[m.id];
      delete pending[m.id];
      if (p) { if (m.error) p.reject(new Error(m.error.message || "error")); else p.resolve(m.result); }
      return;
    }
    switch (m.method) {
    case "ui/notifications/tool-input":
      if (m.params && m.params.arguments && typeof m.params.arguments.job_id === "string") jobId = m.params.arguments.job_id;
      break;
    case "ui/notifications/tool-result": onToolResult(m.params); break;
    case "ui/notifications/tool-cancelled": say("meta", "The tool call was cancelled.", true); break;
    case "ui/resource-teardown": stopped = true; answer(m.id); break;
    case "ping": answer(m.id); break;
    default: if (m.id !== undefined) post({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "not supported" } });
    }
  });

  var lastH = 0;
  function reportSize() {
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (h !== lastH) { lastH = h; notify("ui/notifications/size-changed", { width: Math.ceil(document.documentElement.scrollWidth), height: h }); }
  }
  if (typeof ResizeObserver === "function") new ResizeObserver(reportSize).observe(document.body);

  request("ui/initialize", { appCapabilities: { availableDisplayModes: ["inline"] },
                             appInfo: { name: "MomentIQ timeline", version: "1" }, protocolVersion: "2026-01-26" })
    .then(function (r) {
      var vars = r && r.hostContext && r.hostContext.styles && r.hostContext.styles.variables;
      if (vars) Object.keys(vars).forEach(function (k) { if (/^--[a-z0-9-]+$/.test(k) && vars[k]) document.documentElement.style.setProperty(k, vars[k]); });
      notify("ui/notifications/initialized", {});
      reportSize();
    })
    .catch(function (e) { say("meta", "The host did not start the view: " + (e && e.message ? e.message : e), true); });
})();
