// Connections: connector tokens (scope choice, shown once, revoke), API keys,
// and the OAuth apps the user approved (revoke ends the connection).
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;
  const SCOPES = [["all", "Everything"], ["audio/*", "Audio analyses"], ["video/*", "Video analyses"], ["timeline/*", "Timelines"]];

  function tokenBlock(kind, what, intro, withScopes) {
    const box = h("div", { id: kind + "-list" }), secret = h("div", { id: kind + "-secret" });
    const name = h("input", { type: "text", name: "name", required: true, maxlength: 100, placeholder: kind === "connectors" ? "Claude desktop" : "backend" });
    const boxes = withScopes ? SCOPES.map(([v, label], i) => h("input", { type: "checkbox", name: "scope", value: v, checked: i === 0 })) : [];
    const msg = h("p", { class: "error", role: "alert" });
    const form = h("form", { novalidate: true }, MIQ.field("Name", name),
      withScopes ? h("fieldset", {}, h("legend", {}, "What it may do"), boxes.map((b, i) => h("label", { class: "inline" }, b, SCOPES[i][1] + " (" + b.value + ")"))) : null,
      msg, h("div", { class: "actions" }, h("button", { type: "submit" }, "Create " + what)));
    async function load() {
      const data = await MIQ.api("GET", "/api/dashboard/" + kind);
      const rows = MIQ.list(data, "tokens", kind);
      box.textContent = "";
      MIQ.put(box, MIQ.table(what + "s", [
        { label: "Name", get: (t) => t.name },
        { label: "Starts with", get: (t) => h("code", {}, t.prefix + "…") },
        { label: "Scopes", get: (t) => (t.scopes || []).join(" ") },
        { label: "Last used", get: (t) => f.date(t.last_used_at) },
        { label: "Status", get: (t) => (t.revoked_at ? "revoked" : "active") },
        { label: "Actions", get: (t) => t.revoked_at ? "" : MIQ.action("Revoke", async (b) => {
          if (!confirm("Revoke " + t.name + "? Anything using it stops working at once.")) return;
          await MIQ.api("POST", "/api/dashboard/" + kind + "/" + encodeURIComponent(t.token_id) + "/revoke", {});
          MIQ.toast("Revoked " + t.name + ": the next request with it is refused.");
          await load();
        }, "danger") },
      ], rows, "None yet."));
      box.querySelectorAll("button.danger").forEach((b) => {
        const row = b.closest("tr");
        b.setAttribute("aria-label", "Revoke " + row.cells[0].textContent);
      });
    }
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      msg.textContent = "";
      if (!name.value.trim()) { msg.textContent = "Give it a name you will recognise, like the app it is for."; name.focus(); return; }
      const body = { name: name.value.trim() };
      if (withScopes) {
        body.scopes = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!body.scopes.length) { msg.textContent = "Choose at least one thing it may do."; return; }
      }
      try {
        const t = await MIQ.api("POST", "/api/dashboard/" + kind, body);
        secret.textContent = "";
        MIQ.put(secret, MIQ.secretBox(what, t.token));
        form.reset();
        await load();
      } catch (e) { msg.textContent = e.message; }
    });
    return { node: MIQ.section(what + "s", h("p", {}, intro), form, secret, box), load };
  }

  MIQ.registerPage({
    id: "connections", title: "Connections", nav: "Connections",
    async render(root) {
      const conn = tokenBlock("connectors", "Connector token",
        "For ChatGPT, Claude, Cursor or any MCP client: paste the token where the client asks for a bearer token.", true);
      const keys = tokenBlock("keys", "API key", "For your own code calling the REST API (/v1/…).", false);
      const apps = h("div", { id: "oauth-apps" });
      MIQ.put(root, conn.node, keys.node, MIQ.section("Apps you approved",
        h("p", {}, "Apps that connected through the sign-in screen (OAuth). Revoking ends the connection at once."), apps));
      async function loadApps() {
        const data = await MIQ.api("GET", "/api/dashboard/oauth-apps");
        const rows = MIQ.list(data, "apps", "grants", "oauth_apps");
        apps.textContent = "";
        MIQ.put(apps, MIQ.table("Approved apps", [
          { label: "App", get: (a) => a.client_name || a.client_id },
          { label: "Scopes", get: (a) => (Array.isArray(a.scopes) ? a.scopes.join(" ") : a.scope || "") },
          { label: "First used", get: (a) => f.date(a.first_used_at || a.created_at) },
          { label: "Last used", get: (a) => f.date(a.last_used_at) },
          { label: "Actions", get: (a) => {
            const b = MIQ.action("Revoke", async () => {
              if (!confirm("Disconnect " + (a.client_name || a.client_id) + "?")) return;
              await MIQ.api("POST", "/api/dashboard/oauth-apps/" + encodeURIComponent(a.grant_id) + "/revoke", {});
              MIQ.toast((a.client_name || a.client_id) + " is disconnected.");
              await loadApps();
            }, "danger");
            b.setAttribute("aria-label", "Revoke " + (a.client_name || a.client_id));
            return b;
          } },
        ], rows, "No apps connected."));
      }
      await Promise.all([conn.load(), keys.load(), loadApps()]);
    },
  });
})();
