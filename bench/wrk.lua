-- wrk script for bench/mcp.sh: one request shape per run, and one RESULT line.
--   wrk ... -s bench/wrk.lua URL -- METHOD [BODY_FILE|-] ["Header: value" ...]
-- Counts responses whose status is not 2xx (wrk's own summary only counts >= 400).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local method = args[1] or "GET"
  local body = nil
  if args[2] and args[2] ~= "-" then
    local f = assert(io.open(args[2], "rb"))
    body = f:read("*a")
    f:close()
  end
  local headers = {}
  for i = 3, #args do
    local k, v = args[i]:match("^([^:]+):%s*(.*)$")
    if k then headers[k] = v end
  end
  non2xx = 0
  req = wrk.format(method, nil, headers, body)
end

function request()
  return req
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d sock_errors=%d\n",
    summary.requests, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad, e.connect + e.read + e.write + e.timeout))
end
