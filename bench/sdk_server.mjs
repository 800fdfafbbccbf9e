// The same seven public tools served by the official TypeScript SDK
// (@modelcontextprotocol/sdk 1.x) in its stateless Streamable HTTP mode, for
// bench/mcp.sh to compare against. Run from a directory whose node_modules has
// the SDK (bench/mcp.sh copies it next to $CACHE/sdk1/node_modules).
//   node sdk_server.mjs MOMENTIQ_MCP_URL PORT
// At startup it reads our tools/list and one result per tool over HTTP (2025
// era, one session), so schemas and payloads are the same content. Each handler
// returns its fetched result whatever the (SDK-validated) arguments: the
// benchmark only calls estimate_cost with the sample arguments.
import http from 'node:http';
import * as z from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const [upstream, port] = process.argv.slice(2);
const SAMPLE_ARGS = {
  'momentiq.get_agent_guide': {},
  'momentiq.list_endpoints': {},
  'momentiq.get_endpoint_schema': { endpoint: 'video/scenes' },
  'momentiq.estimate_cost': { endpoint: 'video/scenes', duration_s: 600 },
  'momentiq.list_workflows': {},
  'momentiq.plan_integration': { goal: 'trim silences from our podcast episodes' },
  'momentiq.get_code_example': { endpoint: 'video/scenes', language: 'curl' },
};

let session = null;
let nextId = 0;
async function rpc(method, params) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (session) Object.assign(headers, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
  const id = method.startsWith('notifications/') ? undefined : nextId++;
  const res = await fetch(upstream, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
  if (!session) session = res.headers.get('mcp-session-id');
  if (id === undefined) return null;
  const msg = await res.json();
  if (msg.error) throw new Error(`${method}: ${JSON.stringify(msg.error)}`);
  return msg.result;
}

await rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench-sdk-fixture', version: '1.0.0' } });
await rpc('notifications/initialized', {});
const { tools } = await rpc('tools/list', {});
const results = {};
for (const t of tools) {
  const args = SAMPLE_ARGS[t.name];
  if (!args) continue;
  results[t.name] = { result: await rpc('tools/call', { name: t.name, arguments: args }) };
}
if (Object.keys(results).length !== 7) throw new Error(`expected 7 public tools, got ${Object.keys(results)}`);

// JSON Schema -> zod (zod 4), so the SDK validates arguments and lists schemas as it normally does.
const toZod = (schema) => {
  try { return z.fromJSONSchema(schema); } catch (e) { console.error(`schema kept loose: ${e.message}`); return z.object({}).passthrough(); }
};
const defs = tools.filter((t) => results[t.name]).map((t) => ({
  name: t.name,
  config: {
    title: t.title, description: t.description, annotations: t.annotations,
    inputSchema: toZod(t.inputSchema),
    ...(t.outputSchema ? { outputSchema: toZod(t.outputSchema) } : {}),
    _meta: { securitySchemes: t.securitySchemes },
  },
  fixed: results[t.name],
}));

// One server + transport per request: the SDK's documented stateless pattern.
function getServer() {
  const server = new McpServer({ name: 'momentiq-sdk-bench', version: '0.1.0' });
  for (const d of defs) {
    server.registerTool(d.name, d.config, async () => d.fixed.result);
  }
  return server;
}

http.createServer((req, res) => {
  if (req.method !== 'POST') { res.writeHead(405).end(); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks)); } catch { res.writeHead(400).end(); return; }
    const server = getServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { transport.close(); server.close(); });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    }
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`sdk server on 127.0.0.1:${port}`));
