-- wrk script of scripts/bench-exchange-cache.sh: durable exchange commands
-- spread over every agreement of a generated log, so that the writer finds
-- most agreements' exchanges unloaded (ADR 0054) when the bound
-- (`--exchange-cache`) holds fewer exchanges than the log.
--
-- EXCHANGE_SPREAD_FILE names a file of one agreement a line, made by the
-- script from the API: `agreement_id first_year party,party exchange_id`
-- (exchange_id: one exchange the agreement holds, or `-`). Every request
-- goes to the next agreement in a fixed stride through the list (each wrk
-- thread from its own offset): EXCHANGE_SPREAD_CORRECT in ten (default 1)
-- correct the agreement's existing exchange (its area, in turn), which
-- reads the agreement's exchanges; the others record a new exchange (a
-- fresh id minted by the server), which reads them too where the writer
-- needs them to decide a new exchange (ADR 0054). No `response` callback (wrk would parse every answer in Lua,
-- taking CPU from the server on the same cores); non-2xx answers are
-- counted by wrk itself.
local token = os.getenv("ACCORD_ADMIN_TOKEN") or "bench-token"
local file = os.getenv("EXCHANGE_SPREAD_FILE") or "exchange_spread.txt"
local areas = {"experience_exchange", "state_management_information", "investment_promotion",
  "labour_recruitment", "decree_29_2008", "scheme_30"}
local kinds = {"meeting", "visit", "information", "support", "training"}
local correct = tonumber(os.getenv("EXCHANGE_SPREAD_CORRECT") or "1")

local agreements = {}
for line in io.lines(file) do
  local id, year, parties, exchange = line:match("^(%S+) (%d+) (%S+) (%S+)$")
  if id then
    local list = {}
    for p in parties:gmatch("[^,]+") do list[#list + 1] = '"' .. p .. '"' end
    agreements[#agreements + 1] = {id = id, year = tonumber(year), parties = table.concat(list, ","),
      exchange = exchange ~= "-" and exchange or nil}
  end
end
assert(#agreements > 0, "no agreement in " .. file)

local threads = 0
setup = function(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

local counter = 0
request = function()
  counter = counter + 1
  -- A stride prime to any list size under 100,003: every agreement in turn,
  -- neighbours in the list far apart in time.
  local a = agreements[((offset or 0) + counter * 100003) % #agreements + 1]
  local body
  if counter % 10 < correct and a.exchange then
    body = string.format(
      '{"type":"CorrectExchange","data":{"agreement_id":"%s","exchange_id":"%s","reason":"Điều chỉnh lĩnh vực hợp tác %d","area":"%s"}}',
      a.id, a.exchange, counter, areas[math.floor(counter / 10) % #areas + 1])
  else
    body = string.format(
      '{"type":"RecordExchange","data":{"agreement_id":"%s","occurred_on":"%04d-%02d-%02d","area":"%s","kind":"%s","parties":[%s],"summary":"Trao đổi kinh nghiệm quản lý nhà nước số %d"}}',
      a.id, a.year + 1 + counter % 4, counter % 12 + 1, counter % 28 + 1, areas[counter % #areas + 1],
      kinds[counter % #kinds + 1], a.parties, counter)
  end
  return wrk.format(nil, "/v1/commands", nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("non_2xx=%d errors_connect=%d errors_timeout=%d\n",
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
