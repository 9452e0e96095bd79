#!/usr/bin/env bash
# The rate limiter under a flood of distinct addresses (issue 18, B-3): /healthz latency alone,
# then while wrk sends requests from ever new IPv6 /64s (X-Forwarded-For, --trust-proxy) to a
# rate-limited route, and the server's resident memory after. Usage: benches/load/limiter.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
if [ -z "${HAILONG_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${HAILONG_BIN:-${CARGO_TARGET_DIR:-target}/release/hailong}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$bin" serve --trust-proxy --database-url "sqlite://$dir/l.db" --bind 127.0.0.1:$port >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
health() { # label: median and p95 of 200 /healthz requests, one at a time
  for _ in $(seq 1 200); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/healthz"; done |
    sort -n | awk -v l="$1" '{a[NR]=$1} END {printf "%s: /healthz median %.2f ms, p95 %.2f ms\n", l, 1000*a[int(NR/2)], 1000*a[int(NR*0.95)]}'
}
health "alone"
wrk -t2 -c16 -d"${secs}s" -s benches/load/xff_flood.lua "http://127.0.0.1:$port" >"$dir/flood" &
sleep $((secs / 2))
health "during the flood"
wait %2 2>/dev/null || true
grep -E '^Requests/sec|^  [0-9]+ requests' "$dir/flood" | sed 's/^/flood: /'
echo "resident memory after: $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$pid/status)"
