// The dashboard's script: a file, not inline, so the CSP allows script from 'self' only.
"use strict";
let csrf = null;
const $ = (id) => document.getElementById(id);
const say = (text, error) => { $("msg").textContent = text || ""; $("msg").className = error ? "error" : ""; };

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const r = await fetch(path, { method, headers, credentials: "same-origin",
                                body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error((data.error && data.error.message) || ("HTTP " + r.status));
    e.status = r.status;
    throw e;
  }
  return data;
}

function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

async function loadTokens(kind, listId) {
  const data = await api("GET", "/api/dashboard/" + kind);
  const body = $(listId);
  body.textContent = "";
  for (const t of data.tokens) {
    const tr = document.createElement("tr");
    cell(tr, t.name); cell(tr, t.prefix + "…"); cell(tr, t.scopes.join(" "));
    cell(tr, t.last_used_at || "never"); cell(tr, t.revoked_at ? "revoked" : "active");
    const td = document.createElement("td");
    if (!t.revoked_at) {
      const b = document.createElement("button");
      b.className = "secondary"; b.textContent = "Revoke";
      b.onclick = async () => {
        try { await api("POST", "/api/dashboard/" + kind + "/" + encodeURIComponent(t.token_id) + "/revoke", {});
              say("Revoked " + t.name + ": the next request with it is refused."); loadTokens(kind, listId); }
        catch (e) { say(e.message, true); }
      };
      td.appendChild(b);
    }
    tr.appendChild(td); body.appendChild(tr);
  }
}

async function showApp(session) {
  csrf = session.csrf_token;
  $("who").textContent = session.email || ("account " + session.account_id);
  $("signin").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("account").textContent = "Signed in as " + (session.email || session.account_id) +
    ". Session expires " + session.expires_at + ".";
  await Promise.all([loadTokens("connectors", "conn-list"), loadTokens("keys", "key-list")]);
}

async function start() {
  try { await showApp(await api("GET", "/api/auth/session")); } catch (e) { /* not signed in */ }
}

// Signup never starts a session and answers alike whether the email is new or
// taken (it must not reveal which emails have accounts): the dashboard then
// signs in with the same credentials, and login is the only way in.
async function signIn(signup) {
  const f = $("login-form"), creds = { email: f.email.value, password: f.password.value };
  try {
    if (signup) await api("POST", "/api/auth/signup", creds);
    const s = await api("POST", "/api/auth/login", creds);
    f.password.value = ""; say(""); await showApp(s);
  } catch (e) {
    say(signup && e.status === 401
        ? "Could not sign in. If this email already has an account, sign in with its password."
        : e.message, true);
  }
}

$("login-form").onsubmit = (ev) => { ev.preventDefault(); signIn(false); };
$("signup").onclick = () => signIn(true);
$("logout").onclick = async () => { try { await api("POST", "/api/auth/logout", {}); } catch (e) {} location.reload(); };

async function create(kind, form, secretId, listId, body) {
  try {
    const t = await api("POST", "/api/dashboard/" + kind, body);
    const box = $(secretId);
    box.textContent = "Copy it now, it is shown once: " + t.token;
    box.hidden = false; form.reset(); loadTokens(kind, listId);
  } catch (e) { say(e.message, true); }
}
$("conn-form").onsubmit = (ev) => {
  ev.preventDefault();
  const f = ev.target, scopes = [...f.querySelectorAll("input[name=scope]:checked")].map((i) => i.value);
  create("connectors", f, "conn-secret", "conn-list", { name: f.name.value, scopes });
};
$("key-form").onsubmit = (ev) => {
  ev.preventDefault();
  create("keys", ev.target, "key-secret", "key-list", { name: ev.target.name.value });
};
start();
