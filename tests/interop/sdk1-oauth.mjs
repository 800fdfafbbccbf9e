// The OAuth connector journey (oauth-flow.mjs) with @modelcontextprotocol/sdk 1.x.
// usage: sdk1-oauth.mjs MCP_URL
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { oauthJourney } from './oauth-flow.mjs';

await oauthJourney(new URL(process.argv[2]), {
  label: 'sdk1', Client, StreamableHTTPClientTransport, UnauthorizedError, auth,
  clientOptions: { capabilities: {} },
  finish: (transport, back) => transport.finishAuth(back.searchParams.get('code')),
});
