// The OAuth connector journey (oauth-flow.mjs) with @modelcontextprotocol/client
// 2.x, pinned to 2026-07-28: the callback's parameters go to finishAuth whole, so
// the SDK checks iss against the issuer it discovered (RFC 9207).
// usage: client2-oauth.mjs MCP_URL
import { Client, StreamableHTTPClientTransport, UnauthorizedError, auth } from '@modelcontextprotocol/client';
import { oauthJourney } from './oauth-flow.mjs';

await oauthJourney(new URL(process.argv[2]), {
  label: 'client2', Client, StreamableHTTPClientTransport, UnauthorizedError, auth,
  clientOptions: { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  finish: (transport, back) => transport.finishAuth(back.searchParams),
});
