-- wrk script: POST the full sipas-2017 form to a unit's poster route.
-- Each request carries a fresh submission_id, as a served form page would.
-- Usage: wrk -t2 -c64 -d20s -s benches/load/submit.lua http://127.0.0.1:8080/s/phuong-an-lac
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local counter = 0
local body = "access.1=4&access.2=4&access.3=4&access.4=4&procedure.1=4&procedure.2=4&procedure.3=4&procedure.4=4&procedure.5=4&staff.1=4&staff.2=4&staff.3=4&staff.4=4&staff.5=4&staff.6=4&result.1=4&result.2=4&result.3=4&feedback.1=4&feedback.2=4&feedback.3=4&feedback.4=4&overall=4&channel=in_person&expect=staff"
request = function()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", os.time() % 0x7fffffff, tid, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body .. "&submission_id=" .. id)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (non-2xx/3xx %d), p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
