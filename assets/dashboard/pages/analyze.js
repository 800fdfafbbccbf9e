// New analysis: an upload and an endpoint, the endpoint's parameters built
// from its JSON schema (defaults and ranges shown), the live estimate in
// credits, and a max_credits guard sent with the job.
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;

  function rangeText(s) {
    const bits = [];
    if (s.minimum !== undefined && s.maximum !== undefined) bits.push(s.minimum + " to " + s.maximum);
    else if (s.minimum !== undefined) bits.push("at least " + s.minimum);
    else if (s.maximum !== undefined) bits.push("at most " + s.maximum);
    if (s.default !== undefined && typeof s.default !== "object") bits.push("default " + s.default);
    return bits.length ? " (" + bits.join(", ") + ")" : "";
  }
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // A form for a JSON schema object; read() returns only what differs from the defaults.
  function paramForm(schema, path) {
    const props = (schema && schema.properties) || {};
    const readers = [], nodes = [];
    for (const name of Object.keys(props)) {
      const s = props[name], id = "p-" + (path + name).replace(/[^a-z0-9_-]/gi, "-");
      const label = name.replace(/_/g, " ");
      const hint = (s.description || "") + rangeText(s);
      if (s.type === "object" && s.properties) {
        const sub = paramForm(s, path + name + "-");
        nodes.push(h("fieldset", {}, h("legend", {}, label), s.description ? h("p", { class: "hint" }, s.description) : null, sub.node));
        readers.push((o) => { const v = sub.read(); if (Object.keys(v).length) o[name] = v; });
      } else if ((s.type === "number" || s.type === "integer")) {
        const i = h("input", { type: "number", id, name, step: s.type === "integer" ? 1 : "any",
                               min: s.minimum, max: s.maximum, value: s.default !== undefined ? s.default : null });
        nodes.push(MIQ.field(label, i, hint));
        readers.push((o) => {
          if (i.value === "") return;
          const v = Number(i.value);
          if (!isFinite(v)) throw new Error(label + " must be a number" + rangeText(s) + ".");
          if ((s.minimum !== undefined && v < s.minimum) || (s.maximum !== undefined && v > s.maximum))
            throw new Error(label + " must be" + rangeText(s).replace(/, default.*\)/, ")") + ".");
          if (!same(v, s.default)) o[name] = v;
        });
      } else if (s.type === "boolean") {
        const i = h("input", { type: "checkbox", id, name, checked: s.default === true });
        nodes.push(h("div", { class: "field" }, h("label", { class: "inline", for: id }, i, label), hint ? h("small", { class: "hint" }, hint) : null));
        readers.push((o) => { if (i.checked !== (s.default === true)) o[name] = i.checked; });
      } else if (s.type === "string" && Array.isArray(s.enum)) {
        const i = h("select", { id, name }, s.enum.map((v) => h("option", { value: v, selected: v === s.default }, v)));
        nodes.push(MIQ.field(label, i, hint));
        readers.push((o) => { if (i.value !== s.default) o[name] = i.value; });
      } else if (s.type === "array" && s.items && Array.isArray(s.items.enum)) {
        const boxes = s.items.enum.map((v) => h("input", { type: "checkbox", value: v, checked: (s.default || []).includes(v) }));
        nodes.push(h("fieldset", {}, h("legend", {}, label), boxes.map((b) => h("label", { class: "inline" }, b, b.value)),
          hint ? h("p", { class: "hint" }, hint) : null));
        readers.push((o) => { const v = boxes.filter((b) => b.checked).map((b) => b.value); if (!same(v, s.default)) o[name] = v; });
      } else if (s.type === "array" && s.items && s.items.type === "number") {
        const i = h("input", { type: "text", id, name, inputmode: "decimal", placeholder: "e.g. 1.5, 10, 42" });
        nodes.push(MIQ.field(label, i, (hint ? hint + ". " : "") + "Seconds, separated by commas."));
        readers.push((o) => {
          if (!i.value.trim()) return;
          const v = i.value.split(/[,\s]+/).filter(Boolean).map(Number);
          if (v.some((x) => !isFinite(x) || x < 0)) throw new Error(label + ": give times in seconds separated by commas, like 1.5, 10.");
          o[name] = v;
        });
      } else {
        const i = h("textarea", { id, name, rows: 3, placeholder: s.type === "array" ? '[{"start": 0, "end": 10}]' : "" });
        nodes.push(MIQ.field(label + " (JSON)", i, hint));
        readers.push((o) => {
          if (!i.value.trim()) return;
          try { o[name] = JSON.parse(i.value); } catch (e) { throw new Error(label + " is not valid JSON: " + e.message); }
        });
      }
    }
    return { node: h("div", {}, nodes), read: () => { const o = {}; readers.forEach((r) => r(o)); return o; } };
  }

  MIQ.registerPage({
    id: "analyze", title: "New analysis", nav: "New analysis",
    async render(root, ctx) {
      const [cat, ups] = await Promise.all([MIQ.api("GET", "/api/dashboard/endpoints"), MIQ.api("GET", "/api/dashboard/uploads")]);
      const endpoints = MIQ.list(cat, "endpoints");
      const uploads = MIQ.list(ups, "uploads", "items").filter((u) => !u.status || u.status === "ready");
      if (!uploads.length) {
        MIQ.put(root, MIQ.section("Nothing to analyse yet", h("p", {}, "Upload a file first."), h("a", { class: "button", href: "#media" }, "Upload media")));
        return;
      }
      const upSel = h("select", { id: "an-upload", name: "upload_id" }, uploads.map((u) =>
        h("option", { value: u.upload_id, selected: u.upload_id === ctx.args[0] }, (u.filename || u.upload_id) + " (" + f.dur(u.duration_s) + ")")));
      const epName = (e) => e.name || e.endpoint;
      const epSel = h("select", { id: "an-endpoint", name: "endpoint" }, endpoints.map((e) =>
        h("option", { value: epName(e), selected: epName(e) === (ctx.query.get("endpoint") || "timeline/moments") }, epName(e) + (e.title ? " — " + e.title : ""))));
      const paramsBox = h("div", { id: "an-params" });
      const maxc = h("input", { type: "number", id: "an-max", name: "max_credits", min: 1, step: 1 });
      const est = h("p", { id: "an-estimate", role: "status", "aria-live": "polite", class: "stat" }, "—");
      const estNote = h("p", { class: "hint", id: "an-estimate-note" });
      const msg = h("p", { class: "error", role: "alert" });
      const start = h("button", { type: "submit", id: "an-start" }, "Start analysis");
      const form = h("form", { novalidate: true },
        MIQ.section("What to analyse", MIQ.field("Upload", upSel), MIQ.field("Analysis", epSel, null), h("p", { class: "hint", id: "an-desc" })),
        MIQ.section("Parameters", paramsBox),
        MIQ.section("Cost", h("p", {}, "Estimate before starting:"), est, estNote,
          MIQ.field("Stop if it would cost more than (credits)", maxc, "Optional guard: the job is refused rather than charged more than this."),
          msg, h("div", { class: "actions" }, start)));
      MIQ.put(root, form);
      let pf = null, timer = null, seq = 0;
      function showEndpoint() {
        const e = endpoints.find((x) => epName(x) === epSel.value) || {};
        root.querySelector("#an-desc").textContent = e.description || "";
        pf = paramForm(e.params_schema || e.params || {}, "");
        paramsBox.textContent = "";
        MIQ.put(paramsBox, Object.keys((e.params_schema || e.params || {}).properties || {}).length ? pf.node : h("p", { class: "muted" }, "No parameters."));
        estimate();
      }
      function body() {
        const b = { endpoint: epSel.value, upload_id: upSel.value, params: pf.read() };
        if (maxc.value) b.max_credits = Number(maxc.value);
        return b;
      }
      async function estimate() {
        const mine = ++seq;
        let b;
        try { b = body(); } catch (e) { est.textContent = "—"; estNote.textContent = e.message; return; }
        delete b.max_credits;
        try {
          const r = await MIQ.api("POST", "/api/dashboard/estimate", b);
          if (mine !== seq) return;
          est.textContent = f.credits(r.credits);
          estNote.textContent = r.duration_s ? "For " + f.dur(r.duration_s) + " of media." : "";
          if (maxc.value && r.credits > Number(maxc.value)) estNote.textContent += " This is above your limit: the job would be refused.";
        } catch (e) {
          if (mine !== seq) return;
          est.textContent = "—";
          estNote.textContent = e.message;
        }
      }
      const soon = () => { clearTimeout(timer); timer = setTimeout(estimate, 300); };
      form.addEventListener("input", (e) => { if (e.target !== epSel) soon(); });
      epSel.addEventListener("change", showEndpoint);
      ctx.onLeave(() => clearTimeout(timer));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        msg.textContent = "";
        let b;
        try { b = body(); } catch (e) { msg.textContent = e.message; return; }
        if (b.max_credits !== undefined && !(b.max_credits >= 1)) { msg.textContent = "The limit must be a whole number of credits, 1 or more."; return; }
        b.idempotency_key = "dash-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
        start.disabled = true;
        try {
          const j = await MIQ.api("POST", "/api/dashboard/jobs", b);
          MIQ.toast("Analysis started.");
          MIQ.navigate("jobs/" + encodeURIComponent(j.job_id));
        } catch (e) {
          msg.textContent = e.code === "insufficient_credits" || e.status === 402
            ? e.message + " Top up on the Billing page." : e.message;
        } finally { start.disabled = false; }
      });
      showEndpoint();
    },
  });
})();
