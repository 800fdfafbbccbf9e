// Sign in / create an account. Password rules come from the server
// (GET /api/auth/password-rules) so the form shows the policy it enforces.
"use strict";
MIQ.registerPage({
  id: "signin", title: "Sign in", nav: false, public: true,
  async render(root, ctx) {
    const h = MIQ.h;
    let rules = { min_length: 10, rules: [] };
    try { rules = await MIQ.api("GET", "/api/auth/password-rules"); } catch (e) { /* the fallback below */ }
    const ruleList = (rules.rules && rules.rules.length ? rules.rules
      : ["At least " + (rules.min_length || 10) + " characters"]).map((r) => h("li", {}, typeof r === "string" ? r : r.text || r.message || JSON.stringify(r)));
    let mode = ctx.args[0] === "new" ? "signup" : "signin";
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, maxlength: 254 });
    const pw = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true,
                            minlength: rules.min_length || 10, maxlength: rules.max_length || 1024 });
    const msg = h("p", { class: "error", role: "alert" });
    const submit = h("button", { type: "submit" }, "Sign in");
    const rulesBox = h("div", { id: "pw-rules" }, h("p", { class: "hint" }, "Password rules:"), h("ul", { class: "rules" }, ruleList));
    const tabIn = h("button", { type: "button", role: "tab" }, "Sign in");
    const tabUp = h("button", { type: "button", role: "tab" }, "Create an account");
    const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "signin-title" },
      h("h2", { id: "signin-title" }, "Sign in"),
      MIQ.field("Email", email), MIQ.field("Password", pw), rulesBox, msg, h("div", { class: "actions" }, submit));
    function setMode(m) {
      mode = m;
      const up = m === "signup";
      tabIn.setAttribute("aria-selected", String(!up));
      tabUp.setAttribute("aria-selected", String(up));
      form.querySelector("h2").textContent = up ? "Create an account" : "Sign in";
      submit.textContent = up ? "Create account and sign in" : "Sign in";
      pw.autocomplete = up ? "new-password" : "current-password";
      rulesBox.hidden = !up;
      if (up) pw.setAttribute("aria-describedby", "pw-rules"); else pw.removeAttribute("aria-describedby");
      msg.textContent = "";
    }
    tabIn.addEventListener("click", () => setMode("signin"));
    tabUp.addEventListener("click", () => setMode("signup"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      msg.textContent = "";
      if (!email.value || !email.validity.valid) { msg.textContent = "Enter your email address, like name@example.com."; email.focus(); return; }
      const min = rules.min_length || 10;
      if (pw.value.length < min) { msg.textContent = "The password must be at least " + min + " characters."; pw.focus(); return; }
      submit.disabled = true;
      try {
        if (mode === "signup") await MIQ.signUp(email.value.trim(), pw.value);
        else await MIQ.signIn(email.value.trim(), pw.value);
        pw.value = "";
        MIQ.toast(mode === "signup" ? "Welcome to MomentIQ." : "Signed in.");
        MIQ.navigate(location.hash && !/^#\/?signin/.test(location.hash) ? location.hash : "overview");
      } catch (e) {
        msg.textContent = e.status === 401 && mode === "signin" ? "The email or the password is wrong." : e.message;
      } finally { submit.disabled = false; }
    });
    MIQ.put(root, h("div", { class: "tabs", role: "tablist", "aria-label": "Sign in or create an account" }, tabIn, tabUp), form,
      h("p", { class: "muted" }, "MomentIQ finds the moments in your audio and video: silences, scene changes, loudness peaks and highlights."));
    setMode(mode);
  },
});
