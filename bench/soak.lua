-- wrk script of scripts/soak.sh, in one of two modes (SOAK_MODE):
--   commands: durable RecordExchange commands against the demo's tripartite
--             program, each a new command (the server mints its id);
--   reads:    the agreement pages, their history, the cooperation report
--             (JSON and CSV), lists and the global log, in turn.
-- Each connection waits SOAK_DELAY_MS between its requests, so that the
-- soak is a steady load, not a saturating one. Every answer's status is
-- counted (a `response` callback: the rates are low enough for wrk to parse
-- each answer), and `done` prints one `status <code> <count>` line per
-- status and the socket errors, which scripts/soak.sh adds up.
local token = os.getenv("ACCORD_ADMIN_TOKEN") or "bench-token"
local mode = os.getenv("SOAK_MODE") or "commands"
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "100")
local bilateral = "0190f0a0-2007-7000-8000-000000002007"
local tripartite = "0190f0a0-2013-7000-8000-000000002013"
local areas = {"experience_exchange", "investment_promotion", "labour_recruitment", "scheme_30", "regional_linkage"}
local reads = {
  "/v1/agreements/" .. tripartite,
  "/v1/agreements/" .. bilateral .. "?at=2013-07-05",
  "/v1/agreements/" .. tripartite .. "/history?limit=50",
  "/v1/agreements/" .. bilateral .. "/history",
  "/v1/reports/cooperation?from=2013-01-01&to=2015-12-31",
  "/v1/reports/cooperation?from=2007-01-01&to=2015-12-31&format=csv",
  "/v1/agreements",
  "/v1/parties/binh-phuoc-eza",
  "/v1/events?limit=100",
  "/v1/agreements/" .. bilateral .. "/diff?from=2013-07-03&to=2013-07-05",
}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

statuses = {}
local counter = 0

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. token
  if mode == "commands" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  if mode == "reads" then
    return wrk.format("GET", reads[(counter % #reads) + 1])
  end
  local body = string.format(
    '{"type":"RecordExchange","data":{"agreement_id":"%s","occurred_on":"%04d-%02d-%02d","area":"%s","kind":"meeting","parties":["dong-nai-iza","binh-phuoc-eza"],"summary":"Trao đổi kinh nghiệm xúc tiến đầu tư số %d"}}',
    tripartite, 2014 + (counter % 2), (counter % 12) + 1, (counter % 28) + 1, areas[(counter % #areas) + 1], counter)
  return wrk.format(nil, "/v1/commands", nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
  io.write(string.format("socket_errors %d\n",
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
