#!/usr/bin/env bash
# A flood from one rating tablet must not slow the citizens' form (issue 30): the p95 of
# POST /s/{unit} under a steady citizen load, alone and while one tablet posts to /kiosk/rate
# as fast as it can, in the same run on the same server; reported as a ratio (target ≤ 2).
# Starts a release `hailong serve` on a fresh SQLite file (or DATABASE_URL) with one unit and one
# paired tablet. Usage: benches/load/kiosk_flood.sh [seconds]   (needs wrk; builds release)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
if [ -z "${HAILONG_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${HAILONG_BIN:-${CARGO_TARGET_DIR:-target}/release/hailong}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url=${DATABASE_URL:-sqlite://$dir/bench.db}
printf 'code,name,name_en,parent,form,valid_from,valid_to,predecessors\nphuong-an-lac,Phường An Lạc,An Lac Ward,,sipas-2017,,,\n' >"$dir/units.csv"
"$bin" --database-url "$url" units import "$dir/units.csv" >/dev/null
code=$("$bin" --database-url "$url" kiosks add --unit phuong-an-lac --counter "Quầy 1" | tail -1)
"$bin" serve --rate-limit off --database-url "$url" --bind 127.0.0.1:$port >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -o /dev/null -D - -d "code=$code" "http://127.0.0.1:$port/kiosk/pair" |
  sed -n 's/^[Ss]et-[Cc]ookie: hailong_kiosk=\([^;]*\).*/\1/p' | head -1)
[ -n "$cookie" ] || { echo "pairing failed"; exit 1; }
citizens() { wrk -t1 -c8 -d"${secs}s" -s benches/load/submit.lua "http://127.0.0.1:$port/s/phuong-an-lac"; }
p95() { awk '/^requests/ {for (i = 1; i <= NF; i++) if ($i == "p95") print $(i + 1)}'; }
# Warm up, then the citizens alone.
wrk -t1 -c8 -d2s -s benches/load/submit.lua "http://127.0.0.1:$port/s/phuong-an-lac" >/dev/null
alone=$(citizens)
echo "citizens alone:      $(echo "$alone" | grep '^requests')"
# The same citizens while one tablet floods.
HAILONG_KIOSK_COOKIE=$cookie wrk -t1 -c4 -d"$((secs + 2))s" -s benches/load/kiosk_flood.lua \
  "http://127.0.0.1:$port/kiosk/rate" >"$dir/flood" &
fpid=$!
sleep 1
flooded=$(citizens)
wait $fpid
echo "citizens with flood: $(echo "$flooded" | grep '^requests')"
grep '^flood' "$dir/flood"
stored=$("$bin" --database-url "$url" export desk --from "$(date -u -d '+7 hours' +%F)" --to "$(date -u -d '+7 hours' +%F)" |
  awk -F, '$4 == "phuong-an-lac" && $6 == "Quầy 1" {print $7 + $8}')
echo "ratings stored from the flood: $stored (the tablet's limit: 60 a minute)"
a=$(echo "$alone" | p95); f=$(echo "$flooded" | p95)
awk -v a="$a" -v f="$f" 'BEGIN { printf "POST /s/{unit} p95: alone %.1f ms, during the flood %.1f ms: ratio %.2f (target ≤ 2)\n", a, f, f / a }'
