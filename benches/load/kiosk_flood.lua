-- wrk script: one tablet floods POST /kiosk/rate (a stuck button, or a script with its cookie).
-- Each post is a fresh rating (a new random UUID). Usage:
--   HAILONG_KIOSK_COOKIE=… wrk -t1 -c4 -d10s -s benches/load/kiosk_flood.lua http://127.0.0.1:8080/kiosk/rate
local cookie = "hailong_kiosk=" .. (os.getenv("HAILONG_KIOSK_COOKIE") or "")
local counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  local id = string.format("%08x-%04x-4%03x-8%03x-%012x", math.random(0, 0x7fffffff), counter % 0x10000,
    math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0x7fffffff))
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = cookie,
  }, "id=" .. id .. "&score=1")
end
local statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("flood: requests %d, p50 %.2f ms, p99 %.2f ms\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
