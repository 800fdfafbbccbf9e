// The dashboard's session and start: sign in, sign up, sign out, the header,
// then the router. Loaded last, after app.js and every pages/*.js. A file, not
// inline, so the CSP allows script from 'self' only.
"use strict";
(function () {
  const h = MIQ.h;

  MIQ.updateHeader = function () {
    const who = document.getElementById("who"), out = document.getElementById("signout");
    who.textContent = "";
    out.hidden = !MIQ.session;
    if (MIQ.session) {
      const org = MIQ.account && MIQ.account.signed_in_with === "organisation";
      MIQ.put(who, h("span", {}, MIQ.session.email || MIQ.account && MIQ.account.email || "account " + MIQ.session.account_id),
        org ? h("span", { class: "badge" }, "signed in with your organisation") : null);
    }
    MIQ.renderNav();
  };

  MIQ.loadSession = async function () {
    try {
      MIQ.session = await MIQ.api("GET", "/api/auth/session");
    } catch (e) {
      MIQ.session = null;
      if (e.status !== 401) MIQ.toast(e.message, "error");
    }
    MIQ.account = null;
    if (MIQ.session) {
      try { MIQ.account = await MIQ.api("GET", "/api/dashboard/account"); } catch (e) { /* older server */ }
    }
    MIQ.updateHeader();
  };

  // Login starts the session; the answer carries the CSRF token.
  MIQ.signIn = async function (email, password) {
    await MIQ.api("POST", "/api/auth/login", { email, password });
    await MIQ.loadSession();
    if (!MIQ.session) throw new Error("Signed in, but the session did not start: are cookies blocked?");
  };

  // Signup never starts a session and answers alike whether the email is new
  // or taken (it must not reveal which emails have accounts): sign in after.
  MIQ.signUp = async function (email, password) {
    await MIQ.api("POST", "/api/auth/signup", { email, password });
    try {
      await MIQ.signIn(email, password);
    } catch (e) {
      if (e.status === 401) throw new Error("Could not sign in. If this email already has an account, sign in with its password.");
      throw e;
    }
  };

  MIQ.signOut = async function () {
    try { await MIQ.api("POST", "/api/auth/logout", {}); } catch (e) { /* already gone */ }
    MIQ.session = MIQ.account = null;
    MIQ.updateHeader();
    MIQ.navigate("signin");
  };

  async function start() {
    MIQ.started = true;
    document.getElementById("signout").addEventListener("click", () => MIQ.signOut());
    window.addEventListener("hashchange", () => MIQ.route());
    await MIQ.loadSession();
    await MIQ.route();
  }
  start();
})();
