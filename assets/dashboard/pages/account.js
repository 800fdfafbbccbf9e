// Account: email, password change, sessions and "sign out everywhere",
// export my data, and delete my account with a typed confirmation.
"use strict";
(function () {
  const h = MIQ.h, f = MIQ.fmt;
  MIQ.registerPage({
    id: "account", title: "Account", nav: "Account",
    async render(root) {
      const a = await MIQ.api("GET", "/api/dashboard/account");
      const org = a.signed_in_with === "organisation";
      MIQ.put(root, MIQ.section("You", h("p", {}, "Email: ", h("strong", { id: "account-email" }, a.email || "—")),
        h("p", { class: "muted" }, "Account created " + f.date(a.created_at) + ". " +
          (org ? "You are signed in with your organisation." : "You sign in with a password."))));

      // password
      if (a.has_password === false) {
        MIQ.put(root, MIQ.section("Password", h("p", {}, "Your organisation signs you in, so this account has no password.")));
      } else {
        const cur = h("input", { type: "password", autocomplete: "current-password", required: true });
        const nw = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 10 });
        const msg = h("p", { class: "error", role: "alert" });
        const form = h("form", { novalidate: true }, MIQ.field("Current password", cur), MIQ.field("New password", nw, "At least 10 characters. Your other sessions are signed out."),
          msg, h("div", { class: "actions" }, h("button", { type: "submit" }, "Change password")));
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          msg.textContent = "";
          if (!cur.value || !nw.value) { msg.textContent = "Fill in both passwords."; return; }
          try {
            await MIQ.api("POST", "/api/dashboard/account/password", { current_password: cur.value, new_password: nw.value });
            form.reset();
            MIQ.toast("Password changed. Your other sessions were signed out.");
          } catch (e) { msg.textContent = e.status === 401 ? "The current password is wrong." : e.message; }
        });
        MIQ.put(root, MIQ.section("Password", form));
      }

      // sessions
      const sessBox = h("div", { id: "sessions" });
      MIQ.put(root, MIQ.section("Where you are signed in", sessBox, h("div", { class: "actions" }, MIQ.action("Sign out everywhere", async () => {
        if (!confirm("Sign out of every browser, this one too?")) return;
        await MIQ.api("POST", "/api/dashboard/sessions/revoke-all", {});
        MIQ.session = MIQ.account = null;
        MIQ.updateHeader();
        MIQ.toast("Signed out everywhere.");
        MIQ.navigate("signin");
      }, "secondary"))));
      try {
        const s = await MIQ.api("GET", "/api/dashboard/sessions");
        MIQ.put(sessBox, MIQ.table("Sessions", [
          { label: "Started", get: (x) => f.date(x.created_at) },
          { label: "Last seen", get: (x) => f.date(x.last_seen_at) },
          { label: "Expires", get: (x) => f.date(x.expires_at) },
          { label: "", get: (x) => (x.current ? "this browser" : "") },
        ], MIQ.list(s, "sessions")));
      } catch (e) { MIQ.put(sessBox, h("p", { class: "muted" }, e.message)); }

      // export
      MIQ.put(root, MIQ.section("Your data", h("p", {}, "Everything MomentIQ keeps about you, as one JSON file (no secrets)."),
        h("a", { class: "button secondary", href: "/api/dashboard/account/export", download: "momentiq-export.json", id: "export-link" }, "Export my data")));

      // delete
      const want = a.email || "DELETE";
      const typed = h("input", { type: "text", id: "delete-confirm", autocomplete: "off", spellcheck: "false" });
      const msg = h("p", { class: "error", role: "alert" });
      const del = h("button", { type: "submit", class: "danger" }, "Delete my account");
      const form = h("form", { novalidate: true },
        h("p", {}, "This removes your media, results, tokens, connected apps and personal data, and cancels running jobs. It cannot be undone. ",
          "Billing records are kept in anonymous form for accounting. ", h("a", { href: "/legal/deletion" }, "What is deleted")),
        MIQ.field("Type " + want + " to confirm", typed), msg, h("div", { class: "actions" }, del));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        msg.textContent = "";
        if (typed.value.trim() !== want) { msg.textContent = "Type " + want + " exactly to confirm."; typed.focus(); return; }
        del.disabled = true;
        try {
          await MIQ.api("DELETE", "/api/dashboard/account", { confirm: typed.value.trim() });
          MIQ.session = MIQ.account = null;
          MIQ.updateHeader();
          MIQ.toast("Your account was deleted. Goodbye.");
          MIQ.navigate("signin");
        } catch (e) { msg.textContent = e.message; } finally { del.disabled = false; }
      });
      MIQ.put(root, h("section", { class: "card", id: "danger-zone" }, h("h2", {}, "Delete my account"), form));
    },
  });
})();
