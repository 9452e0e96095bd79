-- wrk script: GET the form page (what a citizen's phone loads), gzip accepted.
-- Usage: wrk -t2 -c64 -d10s -s benches/load/form.lua http://127.0.0.1:8080/s/phuong-an-lac
request = function()
  return wrk.format("GET", nil, {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d, p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
