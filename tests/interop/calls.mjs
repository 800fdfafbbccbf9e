// The seven public tools with realistic arguments, shared by both clients.
export const publicCalls = [
  ['momentiq.get_agent_guide', {}],
  ['momentiq.list_endpoints', {}],
  ['momentiq.get_endpoint_schema', { endpoint: 'audio/silence' }],
  ['momentiq.estimate_cost', { endpoint: 'video/scenes', duration_s: 125.5 }],
  ['momentiq.list_workflows', {}],
  ['momentiq.plan_integration', { goal: 'trim silences from podcast episodes', platform: 'python', client: 'backend' }],
  ['momentiq.get_code_example', { endpoint: 'timeline/moments', language: 'javascript' }],
];

export function check(ok, what) {
  if (!ok) {
    console.error('FAILED:', what);
    process.exit(1);
  }
  console.log('ok:', what.slice(0, 120));
}
