// @modelcontextprotocol/client 2.x: connects (pinned to 2026-07-28, or 'auto'),
// lists tools, calls every public tool and reads a resource.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { publicCalls, check } from './calls.mjs';

const url = new URL(process.argv[2]);
const mode = process.argv[3] ?? '2026-07-28';
const versionNegotiation = mode === 'auto' ? { mode: 'auto' } : { mode: { pin: mode } };
const client = new Client({ name: 'momentiq-interop-client2', version: '1.0.0' },
                          { capabilities: {}, versionNegotiation });
await client.connect(new StreamableHTTPClientTransport(url));
const proto = client.getNegotiatedProtocolVersion();
console.log('negotiated', proto, JSON.stringify(client.getServerVersion()));
check(proto === '2026-07-28', `negotiated 2026-07-28 (got ${proto})`);
const { tools } = await client.listTools();
check(tools.length >= 7, `listTools returned ${tools.length} tools`);
for (const [name, args] of publicCalls) {
  const r = await client.callTool({ name, arguments: args });
  check(!r.isError, `${name} succeeded: ${JSON.stringify(r).slice(0, 300)}`);
  check(r.structuredContent && typeof r.structuredContent === 'object', `${name} has structuredContent`);
}
const read = await client.readResource({ uri: 'momentiq://guide' });
check(read.contents?.[0]?.text?.length > 100, 'the agent guide resource reads');
await client.close();
console.log('client2: all checks passed');
