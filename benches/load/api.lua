-- wrk script: POST one kiosk response as JSON to /api/v1/responses with a bearer token.
-- Each request carries a fresh submission_id.
-- Usage: HAILONG_TOKEN=hl_… HAILONG_UNIT=phuong-an-lac \
--   wrk -t2 -c64 -d20s -s benches/load/api.lua http://127.0.0.1:8080/api/v1/responses
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local counter = 0
local token = os.getenv("HAILONG_TOKEN") or ""
local unit = os.getenv("HAILONG_UNIT") or "phuong-an-lac"
local answers = '"access.1":4,"access.2":4,"access.3":4,"access.4":4,"procedure.1":4,"procedure.2":4,"procedure.3":4,"procedure.4":4,"procedure.5":4,"staff.1":4,"staff.2":4,"staff.3":4,"staff.4":4,"staff.5":4,"staff.6":4,"result.1":4,"result.2":4,"result.3":4,"feedback.1":4,"feedback.2":4,"feedback.3":4,"feedback.4":4,"overall":4,"channel":"in_person","expect":["staff"]'
request = function()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-9000-%012x", os.time() % 0x7fffffff, tid, counter)
  local body = '{"submission_id":"' .. id .. '","unit":"' .. unit .. '","answers":{' .. answers .. '}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (non-2xx/3xx %d), p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
