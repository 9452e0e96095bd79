-- Issue 18, B-3: every request from another IPv6 /64 (through X-Forwarded-For; the server
-- runs with --trust-proxy), against the tracking page's rate limit.
local threads = 0
function setup(t) t:set("tid", threads); threads = threads + 1 end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/feedback/track/ABCDEABCDEABCDE",
    {["X-Forwarded-For"] = string.format("2001:db8:%x:%x:%x::1", tid + 10, math.floor(n / 65536), n % 65536)})
end
