#!/usr/bin/env bash
# CPU time per respondent (issue: throughput): one form page (gzip) + one submission,
# and the same load on POST /api/v1/responses.
# Starts a release `hailong serve --demo` on a fresh SQLite file (or DATABASE_URL), drives it
# with wrk (limits off unless HAILONG_BENCH_RATE_LIMIT), and divides the server's CPU time (utime+stime from /proc/PID/stat) by the
# requests wrk completed. Usage: benches/load/cpu.sh [seconds]   (needs wrk; builds release)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
# HAILONG_BIN=path measures another build (e.g. an older commit's) against the same floor.
if [ -z "${HAILONG_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${HAILONG_BIN:-${CARGO_TARGET_DIR:-target}/release/hailong}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url=${DATABASE_URL:-sqlite://$dir/bench.db}
# HAILONG_BENCH_RATE_LIMIT=N/SECS keeps the per-address limits on (all of wrk's requests
# come from one address, so give a count it never reaches): their cost is then measured too.
"$bin" serve --demo --rate-limit "${HAILONG_BENCH_RATE_LIMIT:-off}" --database-url "$url" --bind 127.0.0.1:$port >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# The same ward's form in every run (the front page now links every unit; their forms differ).
unit=${HAILONG_UNIT_PATH:-/s/phuong-an-lac}
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
run() { # name script [path]
  local before after out n
  before=$(cpu)
  out=$(wrk -t2 -c64 -d"${secs}s" -s "benches/load/$2" "http://127.0.0.1:$port${3:-$unit}")
  after=$(cpu)
  n=$(echo "$out" | awk '/^requests/ {gsub(",", "", $2); print $2}')
  echo "$1: $(echo "$out" | grep '^requests')"
  awk -v t=$((after - before)) -v hz="$ticks" -v n="$n" -v name="$1" \
    'BEGIN { printf "%s: %.3f ms CPU per request (%d requests, %.2f s CPU)\n", name, 1000 * t / hz / n, n, t / hz }'
  echo "$1: resident $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$pid/status)"
}
run "form page (gzip)" form.lua
run "submission" submit.lua
HAILONG_TOKEN=$("$bin" tokens create "load-$port" --database-url "$url" | tail -1) \
HAILONG_UNIT=${unit#/s/} run "API response" api.lua /api/v1/responses | tee "$dir/api"

# The floor: a bare actix handler that parses the same JSON and answers 201 (benches/floor.rs),
# loaded the same way in the same run; durable submissions/s are reported as a ratio to it.
floor=$(cargo bench --bench floor --no-run --message-format=json 2>/dev/null |
  grep -o '"executable":"[^"]*floor[^"]*"' | tail -1 | cut -d'"' -f4)
fport=$((port + 1))
"$floor" --bench "$fport" >"$dir/floor.log" 2>&1 &
fpid=$!
trap 'kill $pid $fpid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q listening "$dir/floor.log" && break; sleep 0.1; done
fout=$(HAILONG_TOKEN=x wrk -t2 -c64 -d"${secs}s" -s benches/load/api.lua "http://127.0.0.1:$fport/api/v1/responses")
echo "floor (bare actix, same JSON, 201): $(echo "$fout" | grep '^requests')"
api_n=$(awk '/^API response: requests/ {gsub(",", "", $4); print $4; exit}' "$dir/api")
floor_n=$(echo "$fout" | awk '/^requests/ {gsub(",", "", $2); print $2}')
awk -v a="$api_n" -v f="$floor_n" 'BEGIN { printf "durable API submissions / floor: %.3f\n", a / f }'
