#!/usr/bin/env bash
# PostgreSQL against SQLite in one run (issue 22): both servers up at once, wrk drives poster
# submissions at one and then the other, ROUNDS times in turn, so that the machine's noise
# falls on both alike; prints each round's rates and PostgreSQL's share of SQLite's.
# Usage: benches/load/backends.sh [seconds per run] [rounds]
#   DATABASE_URL      an empty PostgreSQL database (default: creates hailong_bench on 127.0.0.1)
#   HAILONG_BIN       the binary (default: builds release)
#   HAILONG_BENCH_RATE_LIMIT   N/SECS keeps the per-address limits on (default off)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-8}
rounds=${2:-3}
if [ -z "${HAILONG_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${HAILONG_BIN:-${CARGO_TARGET_DIR:-target}/release/hailong}
dir=$(mktemp -d)
if [ -z "${DATABASE_URL:-}" ]; then
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS hailong_bench" -c "CREATE DATABASE hailong_bench"
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/hailong_bench
fi
limit=${HAILONG_BENCH_RATE_LIMIT:-off}
sport=$((20000 + RANDOM % 20000)); pport=$((sport + 1))
"$bin" serve --demo --rate-limit "$limit" --database-url "sqlite://$dir/bench.db" --bind 127.0.0.1:$sport >"$dir/s.log" 2>&1 &
spid=$!
"$bin" serve --demo --rate-limit "$limit" --database-url "$DATABASE_URL" --bind 127.0.0.1:$pport >"$dir/p.log" 2>&1 &
ppid=$!
trap 'kill $spid $ppid 2>/dev/null; rm -rf "$dir"' EXIT
for port in $sport $pport; do
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done
unit=${HAILONG_UNIT_PATH:-/s/phuong-an-lac}
rate() { wrk -t2 -c64 -d"${secs}s" -s benches/load/submit.lua "http://127.0.0.1:$1$unit" |
  awk -v s="$secs" '/^requests/ {gsub(",", "", $2); printf "%.0f", $2 / s}'; }
# Warm both (connections, caches, the first batches) before anything counts.
secs_was=$secs; secs=2; rate $sport >/dev/null; rate $pport >/dev/null; secs=$secs_was
for r in $(seq 1 "$rounds"); do
  s=$(rate $sport); p=$(rate $pport)
  awk -v r="$r" -v s="$s" -v p="$p" 'BEGIN { printf "round %d: SQLite %d/s, PostgreSQL %d/s, PostgreSQL / SQLite %.2f\n", r, s, p, p / s }'
done
