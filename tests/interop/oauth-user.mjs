// A person at a browser, for the OAuth interop runs: signs up on the dashboard
// API, then answers an authorization URL the way the HTML pages ask (sign-in
// form, then the consent form with its hidden fields and scope boxes) using only
// HTTP, and returns where the server redirects the browser in the end.
import { randomBytes } from 'node:crypto';

export function check(ok, what) {
  if (!ok) { console.error('FAILED:', what); process.exit(1); }
  console.log('ok:', what);
}

export async function signUp(base) {
  const email = `interop-${randomBytes(6).toString('hex')}@example.com`;
  const password = randomBytes(18).toString('base64url');
  const r = await fetch(new URL('/api/auth/signup', base), {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  check(r.status === 201, `signed up ${email} (HTTP ${r.status})`);
  return { email, password };
}

const decode = s => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The fields a browser would submit from the page's single form: hidden
// inputs and checked boxes (a button's name=value comes from the click).
function formFields(html) {
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input ([^>]*)>/g)) {
    const attr = n => { const a = m[1].match(new RegExp(`${n}="([^"]*)"`)); return a ? decode(a[1]) : null; };
    const type = attr('type');
    if (type === 'hidden' || (type === 'checkbox' && /\bchecked\b/.test(m[1])))
      form.append(attr('name'), attr('value') ?? 'on');
  }
  return form;
}

// decision: 'approve' | 'deny'. Returns the final Location (the client's redirect URI).
export async function answerAuthorization(authorizeUrl, account, decision = 'approve') {
  const cookies = new Map();
  const keep = r => {
    for (const c of r.headers.getSetCookie?.() ?? []) {
      const [kv] = c.split(';'); const i = kv.indexOf('=');
      cookies.set(kv.slice(0, i), kv.slice(i + 1));
    }
  };
  const go = async (url, init = {}) => {
    const headers = { ...(init.headers ?? {}) };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await fetch(url, { ...init, headers, redirect: 'manual' });
    keep(r);
    return r;
  };
  const post = (form) => go(new URL('/api/auth/oauth/authorize', authorizeUrl), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
  });
  let r = await go(authorizeUrl);
  let html = await r.text();
  check(r.status === 200 && /Sign in to connect/.test(html), `the authorization URL shows a sign-in page (HTTP ${r.status})`);
  const login = formFields(html);
  login.set('email', account.email); login.set('password', account.password);
  r = await post(login);
  check(r.status === 303 && r.headers.get('location'), `sign-in answers 303 back to the consent screen (HTTP ${r.status})`);
  r = await go(new URL(r.headers.get('location'), authorizeUrl));
  html = await r.text();
  check(r.status === 200 && /<h1>Connect /.test(html), `the consent screen is shown after sign-in (HTTP ${r.status})`);
  const consent = formFields(html);
  check(consent.get('csrf_token'), 'the consent form carries a CSRF token');
  consent.set('decision', decision);
  r = await post(consent);
  const loc = r.headers.get('location');
  check(r.status === 303 && loc, `the decision redirects to the client (HTTP ${r.status})`);
  return loc;
}
