// The dashboard's framework: page registry, hash router, JSON API client,
// toasts, and small DOM helpers the pages share. Plain script (no modules, no
// build step); every page is pages/<name>.js calling MIQ.registerPage. See
// README.md in this folder.
"use strict";
(function () {
  const MIQ = (window.MIQ = window.MIQ || {});
  const pages = [];
  const byId = Object.create(null);
  let current = null; // {page, leave: [fn…]}
  let firstRoute = true;

  MIQ.session = null; // GET /api/auth/session when signed in
  MIQ.account = null; // GET /api/dashboard/account when it answers

  // ---- pages --------------------------------------------------------------
  // {id, title, nav (menu label, or false), public (shown signed out), render(root, ctx)}
  MIQ.registerPage = function (page) {
    if (!page || !/^[a-z][a-z0-9-]*$/.test(page.id || "") || typeof page.render !== "function")
      throw new Error("MIQ.registerPage needs {id, title, render}");
    if (byId[page.id]) throw new Error("page " + page.id + " registered twice");
    byId[page.id] = page;
    pages.push(page);
    if (document.readyState !== "loading" && MIQ.started) MIQ.renderNav();
  };
  MIQ.pages = () => pages.slice();

  // ---- DOM helpers --------------------------------------------------------
  // MIQ.h("button", {class: "secondary", onclick: fn, type: "button"}, "Text", child, [more])
  MIQ.h = function (tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k === "value" || k === "checked" || k === "selected") e[k] = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    const add = (c) => {
      if (c === null || c === undefined || c === false) return;
      if (Array.isArray(c)) c.forEach(add);
      else e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    };
    kids.forEach(add);
    return e;
  };
  const h = MIQ.h;

  // parent.append(...) that skips null/false, so pages can write `cond ? node : null`.
  MIQ.put = function (parent, ...kids) {
    for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) parent.append(k);
    return parent;
  };

  // A labelled control: the label wraps the input so it is always named.
  MIQ.field = function (label, input, hint) {
    const id = input.id || "f" + Math.random().toString(36).slice(2, 9);
    input.id = id;
    const parts = [h("label", { for: id }, label), input];
    if (hint) {
      const hid = id + "-hint";
      input.setAttribute("aria-describedby", hid);
      parts.push(h("small", { id: hid, class: "hint" }, hint));
    }
    return h("div", { class: "field" }, parts);
  };

  // A table: cols = [{label, get(row) -> text|Node}], rows = objects.
  MIQ.table = function (caption, cols, rows, empty) {
    if (!rows || !rows.length) return h("p", { class: "empty" }, empty || "Nothing here yet.");
    return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
      h("table", {}, h("caption", { class: "sr-only" }, caption),
        h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c.label)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => h("td", { "data-label": c.label }, c.get(r))))))));
  };

  MIQ.section = (title, ...kids) => h("section", { class: "card" }, h("h2", {}, title), kids);

  // First array found under one of the keys (the list APIs name them differently).
  MIQ.list = function (obj, ...keys) {
    if (Array.isArray(obj)) return obj;
    for (const k of keys) if (obj && Array.isArray(obj[k])) return obj[k];
    return [];
  };

  // ---- formatting ---------------------------------------------------------
  MIQ.fmt = {
    credits: (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en") + " credits"),
    num: (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en")),
    date: (s) => {
      if (!s) return "never";
      const d = new Date(s);
      return isNaN(d) ? String(s) : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
    },
    dur: (s) => {
      if (s === null || s === undefined || !isFinite(s)) return "—";
      const m = Math.floor(s / 60), r = s - m * 60;
      return m ? m + " min " + r.toFixed(0) + " s" : r.toFixed(1) + " s";
    },
    bytes: (n) => {
      if (!isFinite(n)) return "—";
      const u = ["B", "KB", "MB", "GB", "TB"];
      let i = 0;
      while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
      return (i ? n.toFixed(1) : n) + " " + u[i];
    },
    money: (minor, cur) => (minor === null || minor === undefined ? "—"
      : (minor / 100).toLocaleString("en", { style: "currency", currency: (cur || "usd").toUpperCase() })),
  };

  // ---- API ----------------------------------------------------------------
  // JSON in and out; X-CSRF-Token on every change; errors carry status + code
  // and a message in words.
  MIQ.api = async function (method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && method !== "HEAD" && MIQ.session && MIQ.session.csrf_token)
      headers["X-CSRF-Token"] = MIQ.session.csrf_token;
    let r;
    try {
      r = await fetch(path, { method, headers, credentials: "same-origin", cache: "no-store",
                              body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      const err = new Error("The server could not be reached. Check your connection and try again.");
      err.status = 0;
      throw err;
    }
    const text = await r.text();
    let data = {};
    try { data = text ? JSON.parse(text) : {}; } catch (e) { data = { raw: text }; }
    if (!r.ok) {
      const e = new Error(MIQ.errorWords(r.status, data));
      e.status = r.status;
      e.code = data.error && data.error.code;
      e.data = data;
      throw e;
    }
    return data;
  };

  MIQ.errorWords = function (status, data) {
    const msg = data && data.error && (data.error.message || data.error_description);
    if (msg) return msg.charAt(0).toUpperCase() + msg.slice(1);
    if (status === 401) return "You are signed out. Sign in again.";
    if (status === 403) return "This was refused. Reload the page and try again.";
    if (status === 404) return "Not found: it may have been deleted.";
    if (status === 429) return "Too many attempts. Wait a minute and try again.";
    if (status >= 500) return "The server had a problem. Try again in a moment.";
    return "The request failed (HTTP " + status + ").";
  };

  // ---- toasts -------------------------------------------------------------
  MIQ.toast = function (text, kind) {
    const box = document.getElementById(kind === "error" ? "alerts" : "toasts");
    const t = h("div", { class: "toast " + (kind || "info") }, h("span", {}, text),
      h("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => t.remove() }, "×"));
    box.appendChild(t);
    if (kind !== "error") setTimeout(() => t.remove(), 8000);
    return t;
  };

  // ---- router -------------------------------------------------------------
  // Hashes: #<page>[/<arg>…] (e.g. #jobs/job_123); #billing is what the API's
  // readiness warnings link to.
  MIQ.navigate = function (hash) {
    hash = String(hash || "").replace(/^#/, "");
    if (location.hash.replace(/^#/, "") === hash) MIQ.route();
    else location.hash = hash;
  };

  MIQ.renderNav = function () {
    const nav = document.getElementById("nav-list");
    if (!nav) return;
    nav.textContent = "";
    if (!MIQ.session) return;
    for (const p of pages) {
      if (!p.nav) continue;
      const active = current && current.page.id === p.id;
      nav.appendChild(h("li", {}, h("a", { href: "#" + p.id, "aria-current": active ? "page" : null }, p.nav)));
    }
  };

  MIQ.route = async function () {
    const raw = location.hash.replace(/^#\/?/, "");
    const parts = raw.split("/").filter(Boolean).map(decodeURIComponent);
    let page = byId[parts[0]] || null;
    if (!MIQ.session && (!page || !page.public)) page = byId.signin;
    else if (MIQ.session && (!page || page.id === "signin")) page = byId.overview;
    if (!page) return;
    if (current) current.leave.forEach((fn) => { try { fn(); } catch (e) { /* page already gone */ } });
    const leave = [];
    current = { page, leave };
    const view = document.getElementById("view");
    view.textContent = "";
    document.title = page.title + " · MomentIQ";
    const h1 = h("h1", { tabindex: -1 }, page.title);
    const root = h("div", { class: "page page-" + page.id });
    view.append(h1, root);
    MIQ.renderNav();
    if (!firstRoute) h1.focus();
    firstRoute = false;
    const ctx = {
      session: MIQ.session,
      account: MIQ.account,
      args: page.id === parts[0] ? parts.slice(1) : [],
      query: new URLSearchParams(location.search),
      heading: h1,
      onLeave: (fn) => leave.push(fn),
      alive: () => current && current.leave === leave,
    };
    try {
      await page.render(root, ctx);
    } catch (e) {
      if (e.status === 401 && page.id !== "signin") {
        MIQ.session = null;
        MIQ.updateHeader();
        MIQ.toast("Your session has ended. Sign in again.", "error");
        MIQ.navigate("signin");
        return;
      }
      root.appendChild(h("p", { class: "error", role: "alert" }, e.message || String(e)));
    }
  };

  // Repeats fn every ms while the page is shown (live progress), never overlapping.
  MIQ.poll = function (ctx, ms, fn) {
    let timer = null, stopped = false;
    const tick = async () => {
      if (stopped || !ctx.alive()) return;
      let again = true;
      try { again = (await fn()) !== false; } catch (e) { again = e.status !== 401; }
      if (again && !stopped && ctx.alive()) timer = setTimeout(tick, ms);
    };
    ctx.onLeave(() => { stopped = true; clearTimeout(timer); });
    timer = setTimeout(tick, ms);
    return () => { stopped = true; clearTimeout(timer); };
  };

  // A button that runs an async action once at a time, with errors as toasts.
  MIQ.action = function (label, fn, cls) {
    const b = h("button", { type: "button", class: cls || null }, label);
    b.addEventListener("click", async () => {
      if (b.disabled) return;
      b.disabled = true;
      try { await fn(b); } catch (e) { MIQ.toast(e.message, "error"); } finally { b.disabled = false; }
    });
    return b;
  };

  // A secret shown once, with a copy button.
  MIQ.secretBox = function (what, secret) {
    const code = h("code", { class: "secret-value" }, secret);
    return h("div", { class: "secret", role: "status" },
      h("p", {}, h("strong", {}, "Copy this " + what + " now: it is shown once and never again.")), code,
      h("p", {}, MIQ.action("Copy", async () => {
        await navigator.clipboard.writeText(secret);
        MIQ.toast("Copied.");
      }, "secondary")));
  };
})();
