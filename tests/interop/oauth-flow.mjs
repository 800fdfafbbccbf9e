// One OAuth connector journey, run with an official SDK client: the MCP
// endpoint answers 401 (MomentIQRequireToken, switched on by a test header),
// the SDK discovers the protected-resource and authorization-server metadata,
// registers dynamically with a loopback redirect on a random port (as Claude
// does) and sends the user to the consent screen, which oauth-user.mjs answers
// over HTTP. Then: an authenticated tool call, a refresh through the SDK, and a
// revoke that the next connect must feel.
// sdk: { label, Client, StreamableHTTPClientTransport, UnauthorizedError, auth,
//        clientOptions, finish(transport, callbackUrl) }
import { check, signUp, answerAuthorization } from './oauth-user.mjs';

export async function oauthJourney(url, { label, Client, StreamableHTTPClientTransport, UnauthorizedError,
                                          auth, clientOptions, finish }) {
  const issuer = new URL('/', url).href.replace(/\/$/, '');
  const redirect = `http://127.0.0.1:${20000 + Math.floor(Math.random() * 40000)}/callback`;
  const requestInit = { headers: { 'X-Require-Token-Test': '1' } };

  class Provider {
    get redirectUrl() { return redirect; }
    get clientMetadata() {
      return { client_name: `${label} interop`, redirect_uris: [redirect], token_endpoint_auth_method: 'none',
               grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
    }
    clientInformation() { return this.client; }
    saveClientInformation(c) { this.client = c; }
    tokens() { return this.saved; }
    saveTokens(t) { this.saved = t; }
    redirectToAuthorization(u) { this.authorizationUrl = u; }
    saveCodeVerifier(v) { this.verifier = v; }
    codeVerifier() { return this.verifier; }
    saveDiscoveryState(d) { this.discovery = d; }
    discoveryState() { return this.discovery; }
    // The SDK calls this on invalid_grant (drop tokens) or invalid_client (drop all).
    invalidateCredentials(scope) {
      if (scope === 'all' || scope === 'tokens') this.saved = undefined;
      if (scope === 'all' || scope === 'client') this.client = undefined;
      this.invalidated = scope;
    }
  }
  const provider = new Provider();
  const account = await signUp(issuer);

  const connect = async () => {
    const client = new Client({ name: `momentiq-interop-${label}-oauth`, version: '1.0.0' }, clientOptions);
    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, requestInit });
    await client.connect(transport);
    return { client, transport };
  };

  let first = null;
  try { await connect(); } catch (e) { first = e; }
  check(first instanceof UnauthorizedError, `the first connect needs authorization (${first})`);
  check(provider.client?.client_id?.startsWith('mcp_'), `the SDK registered dynamically (${provider.client?.client_id})`);
  const asked = provider.authorizationUrl;
  check(asked && asked.href.startsWith(`${issuer}/api/auth/oauth/authorize?`), `the SDK sent the user to our authorize endpoint`);
  check(asked.searchParams.get('code_challenge_method') === 'S256', 'with PKCE S256');
  check(asked.searchParams.get('resource') === url.href, `for the resource ${asked.searchParams.get('resource')}`);

  const back = new URL(await answerAuthorization(asked.href, account));
  check(back.href.startsWith(redirect + '?'), 'the browser is sent back to the loopback redirect');
  check(back.searchParams.get('iss') === issuer, 'with iss (RFC 9207)');
  check(back.searchParams.get('state') === asked.searchParams.get('state'), 'and the SDK\'s state');
  const t0 = new StreamableHTTPClientTransport(url, { authProvider: provider, requestInit });
  await finish(t0, back);
  check(provider.tokens()?.access_token?.startsWith('miq_conn_'), 'the code was exchanged for a connector token');
  check(provider.tokens()?.refresh_token, 'and a refresh token');

  let { client, transport } = await connect();
  const { tools } = await client.listTools();
  check(tools.some(t => t.name === 'momentiq.create_job'), 'an authorized tools/list includes momentiq.create_job');
  const me = async () => {
    const r = await client.callTool({ name: 'momentiq.get_account', arguments: {} });
    check(!r.isError, `momentiq.get_account succeeded: ${JSON.stringify(r).slice(0, 200)}`);
    return r.structuredContent;
  };
  check((await me()).account?.email === account.email, 'momentiq.get_account is the signed-in user');

  const before = provider.tokens();
  check(await auth(provider, { serverUrl: url }) === 'AUTHORIZED', 'the SDK refreshed the token');
  const after = provider.tokens();
  check(after.access_token !== before.access_token && after.refresh_token !== before.refresh_token,
        'refresh rotated both tokens');
  check((await me()).account?.email === account.email, 'a call with the refreshed token works');
  await transport.terminateSession?.().catch(() => {});
  await client.close();

  const rv = await fetch(`${issuer}/api/auth/oauth/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: after.refresh_token, client_id: provider.client.client_id }).toString(),
  });
  check(rv.status === 200, `revoked the refresh token's family (HTTP ${rv.status})`);
  provider.authorizationUrl = undefined;
  let denied = null;
  try { await connect(); } catch (e) { denied = e; }
  check(denied instanceof UnauthorizedError, `after the revoke the SDK is asked to authorize again (${denied})`);
  check(provider.invalidated === 'tokens', 'because the refresh answered invalid_grant, the SDK dropped its tokens');
  check(provider.authorizationUrl, 'and it went back to the consent screen, not on with a dead token');
  console.log(`${label} oauth: all checks passed`);
}
