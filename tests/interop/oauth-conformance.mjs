// @modelcontextprotocol/conformance `authorization` against our issuer: a
// public client is registered dynamically with a loopback redirect for the
// suite's callback server; when the suite prints its authorization URL, the
// person in oauth-user.mjs signs in and approves over HTTP, and the browser
// "lands" on the suite's callback. The suite's output is passed through.
// usage: oauth-conformance.mjs CONFORMANCE_JS ISSUER MCP_URL
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, signUp, answerAuthorization } from './oauth-user.mjs';

const [conformance, issuer, mcpUrl] = process.argv.slice(2);
const port = await new Promise(res => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const reg = await fetch(new URL('/api/auth/oauth/register', issuer), {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    client_name: 'MCP conformance suite', redirect_uris: [`http://127.0.0.1:${port}/callback`],
    token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }),
});
const client = await reg.json();
check(reg.status === 201 && client.client_id, `registered a public client (HTTP ${reg.status})`);
const account = await signUp(issuer);

const outDir = mkdtempSync(join(tmpdir(), 'miq-authz-'));
const child = spawn(process.execPath, [conformance, 'authorization', '--url', issuer,
  '--client-id', client.client_id, '--resource', mcpUrl, '--port', String(port), '-o', outDir],
  { stdio: ['ignore', 'pipe', 'inherit'] });
let pending = '', answered = null;
child.stdout.on('data', chunk => {
  process.stdout.write(chunk);
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    if (!answered && line.startsWith(new URL('/api/auth/oauth/authorize?', issuer).href)) {
      answered = (async () => {
        const back = await answerAuthorization(line, account);
        check(back.startsWith(`http://127.0.0.1:${port}/callback?`), 'redirected to the suite\'s callback');
        const r = await fetch(back); // the browser following the redirect
        check(r.status === 200, `the suite's callback took the code (HTTP ${r.status})`);
      })().catch(e => { console.error('FAILED: answering the authorization:', e); child.kill(); });
    }
  }
});
const code = await new Promise(res => child.on('exit', c => res(c ?? 1)));
await answered;
check(answered !== null, 'the suite asked for an authorization');
// The suite's summary counts only failures; here a warning or a skipped check
// (e.g. no Client ID Metadata Document support) fails its scenario too.
console.log('\n=== STRICT ===');
const walk = d => readdirSync(d, { withFileTypes: true }).flatMap(e =>
  e.isDirectory() ? walk(join(d, e.name)) : e.name === 'checks.json' ? [join(d, e.name)] : []);
let strictFailed = 0, scenarios = 0;
for (const f of walk(outDir)) {
  const checks = JSON.parse(readFileSync(f, 'utf8'));
  const name = f.split('/').at(-2).replace(/^authorization-server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
  const bad = checks.filter(c => c.status !== 'SUCCESS');
  scenarios++;
  if (bad.length) strictFailed++;
  console.log(`${bad.length ? '✗' : '✓'} ${name}: ${checks.length - bad.length} of ${checks.length} checks succeeded` +
              bad.map(c => ` [${c.status} ${c.id}: ${c.errorMessage ?? ''}]`).join(''));
}
rmSync(outDir, { recursive: true, force: true });
process.exit(code || strictFailed || (scenarios === 0 ? 1 : 0));
