-- bench/run.py drives its plain scenarios with wrk; this prints what it reads, as one JSON
-- line. WRK_BODY, when set, makes the request a POST of that JSON; WRK_TOKENS (bearer tokens
-- separated by commas), when set, makes each request one user's in turn.
local body = os.getenv("WRK_BODY")
if body then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local tokens = {}
for token in string.gmatch(os.getenv("WRK_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local sent = 0
if #tokens > 0 then
  request = function()
    sent = sent + 1
    wrk.headers["Authorization"] = "Bearer " .. tokens[sent % #tokens + 1]
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
