-- wrk script for bench/auth.sh: authenticated calls with a revoke in the middle.
--   wrk -tN -cN ... -s bench/auth_revoke.lua URL -- TOKEN MCP_BODY_FILE REVOKED_AT_FILE
-- One connection per thread (-t = -c), so each response belongs to the request
-- sent just before it. Requests alternate between MCP 2026 tools/call
-- momentiq.get_account and GET /v1/account. REVOKED_AT_FILE appears, holding
-- the wall-clock time in ms at which the revoke command returned; every
-- request is classed by when it was SENT: before that time or after it.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } miq_timeval;
  int gettimeofday(miq_timeval *tv, void *tz);
]]
local tv = ffi.new("miq_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local token, body_file = args[1], args[2]
  revoked_file = args[3]
  local f = assert(io.open(body_file, "rb"))
  local body = f:read("*a")
  f:close()
  local auth = "Bearer " .. token
  reqs = {
    wrk.format("POST", "/mcp", {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json, text/event-stream",
      ["MCP-Protocol-Version"] = "2026-07-28",
      ["Mcp-Method"] = "tools/call",
      ["Mcp-Name"] = "momentiq.get_account",
      ["Authorization"] = auth,
    }, body),
    wrk.format("GET", "/v1/account", { ["Authorization"] = auth }),
  }
  n = 0
  sent_at, sent_kind = 0, 1
  revoked_at = nil
  last_check = 0
  pending = {}   -- {sent, kind, ok} until the revoke time is known
  ok_before, bad_before = 0, 0
  ok_after_mcp, ok_after_rest, bad_after_mcp, bad_after_rest = 0, 0, 0, 0
  first_bad_ms = -1
end

function request()
  n = n + 1
  sent_kind = (n % 2) + 1
  sent_at = now_ms()
  return reqs[sent_kind]
end

local function classify(sent, kind, ok)
  if sent <= revoked_at then
    if ok then ok_before = ok_before + 1 else bad_before = bad_before + 1 end
  elseif kind == 1 then
    if ok then ok_after_mcp = ok_after_mcp + 1 else bad_after_mcp = bad_after_mcp + 1 end
  else
    if ok then ok_after_rest = ok_after_rest + 1 else bad_after_rest = bad_after_rest + 1 end
  end
end

local function check_revoked()
  local t = now_ms()
  if revoked_at or t - last_check < 20 then return end
  last_check = t
  local f = io.open(revoked_file, "r")
  if not f then return end
  local v = tonumber(f:read("*l") or "")
  f:close()
  if not v then return end
  revoked_at = v
  for _, p in ipairs(pending) do classify(p[1], p[2], p[3]) end
  pending = {}
end

function response(status, headers, body)
  -- an MCP 200 with isError would not be a success either
  local ok = status >= 200 and status <= 299 and not body:find('"isError":true', 1, true)
  if not ok and first_bad_ms < 0 then first_bad_ms = sent_at end
  check_revoked()
  if revoked_at then classify(sent_at, sent_kind, ok)
  else table.insert(pending, { sent_at, sent_kind, ok }) end
end

function done(summary, latency, requests)
  local t = { ok_before = 0, bad_before = 0, ok_after_mcp = 0, ok_after_rest = 0,
              bad_after_mcp = 0, bad_after_rest = 0, unclassified = 0 }
  local first_bad = -1
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do
      if k ~= "unclassified" then t[k] = t[k] + (th:get(k) or 0) end
    end
    if not th:get("revoked_at") then t.unclassified = t.unclassified + #(th:get("pending") or {}) end
    local fb = th:get("first_bad_ms") or -1
    if fb >= 0 and (first_bad < 0 or fb < first_bad) then first_bad = fb end
  end
  io.write(string.format(
    "REVOKE requests=%d ok_before=%d bad_before=%d ok_after_mcp=%d ok_after_rest=%d " ..
    "bad_after_mcp=%d bad_after_rest=%d unclassified=%d first_bad_sent_ms=%.1f\n",
    summary.requests, t.ok_before, t.bad_before, t.ok_after_mcp, t.ok_after_rest,
    t.bad_after_mcp, t.bad_after_rest, t.unclassified, first_bad))
end
