-- wrk script: durable RecordExchange commands against the demo's tripartite
-- program (term 2013-07-04 .. 2015-12-31). Every request is a new command
-- (no command_id: the server generates one), so each 201 is one durable event.
-- No `response` callback: wrk would then parse every response into Lua,
-- taking CPU from the server on the same cores; non-2xx answers are counted
-- by wrk itself (summary.errors.status).
local token = os.getenv("ACCORD_ADMIN_TOKEN") or "bench-token"
local agreement = "0190f0a0-2013-7000-8000-000000002013"
local areas = {"experience_exchange", "investment_promotion", "labour_recruitment", "scheme_30", "regional_linkage"}

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

local counter = 0
request = function()
  counter = counter + 1
  local month = (counter % 12) + 1
  local day = (counter % 28) + 1
  local year = 2014 + (counter % 2)
  local body = string.format(
    '{"type":"RecordExchange","data":{"agreement_id":"%s","occurred_on":"%04d-%02d-%02d","area":"%s","kind":"meeting","parties":["dong-nai-iza","binh-phuoc-eza"],"summary":"Trao đổi kinh nghiệm xúc tiến đầu tư số %d"}}',
    agreement, year, month, day, areas[(counter % #areas) + 1], counter)
  return wrk.format(nil, "/v1/commands", nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("non_2xx=%d errors_connect=%d errors_timeout=%d\n",
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
