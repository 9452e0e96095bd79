-- wrk script for the public pages (issue 38): GET the URL's path, or one of HAILONG_PATHS
-- (space-separated) at random for a mixed load; Accept-Encoding from HAILONG_AE (none when
-- empty) and If-None-Match from HAILONG_INM (a revalidation).
-- Usage: HAILONG_AE=gzip wrk -t2 -c32 -d10s -s benches/load/public.lua http://127.0.0.1:8080/
local ae = os.getenv("HAILONG_AE") or ""
local inm = os.getenv("HAILONG_INM") or ""
local paths = {}
for p in string.gmatch(os.getenv("HAILONG_PATHS") or "", "%S+") do
  table.insert(paths, p)
end
local headers = {}
if ae ~= "" then headers["Accept-Encoding"] = ae end
if inm ~= "" then headers["If-None-Match"] = inm end
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
request = function()
  if #paths > 0 then
    return wrk.format("GET", paths[math.random(#paths)], headers)
  end
  return wrk.format("GET", nil, headers)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d, rate %.0f/s, p50 %.2f ms, p99 %.2f ms\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1000000),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
