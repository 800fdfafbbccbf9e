// 2025 era: @modelcontextprotocol/sdk 1.x connects, lists tools, calls every
// public tool and reads a resource. Exits non-zero on any failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { publicCalls, check } from './calls.mjs';

const url = new URL(process.argv[2]);
const client = new Client({ name: 'momentiq-interop-sdk1', version: '1.0.0' }, { capabilities: {} });
const transport = new StreamableHTTPClientTransport(url);
await client.connect(transport);
console.log('protocol', transport.protocolVersion ?? '(sdk default)', 'session', transport.sessionId);
const { tools } = await client.listTools();
check(tools.length >= 7, `listTools returned ${tools.length} tools`);
for (const [name, args] of publicCalls) {
  check(tools.some(t => t.name === name), `${name} is listed`);
  const r = await client.callTool({ name, arguments: args });
  check(!r.isError, `${name} succeeded: ${JSON.stringify(r).slice(0, 300)}`);
  check(r.structuredContent && typeof r.structuredContent === 'object', `${name} has structuredContent`);
  check(r.content?.[0]?.text?.length > 0, `${name} has text content`);
}
const res = await client.listResources();
check(res.resources.length > 0, 'listResources is not empty');
const read = await client.readResource({ uri: 'momentiq://guide' });
check(read.contents?.[0]?.text?.length > 100, 'the agent guide resource reads');
await transport.terminateSession();
await client.close();
console.log('sdk1 client: all checks passed');
