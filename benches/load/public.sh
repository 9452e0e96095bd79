#!/usr/bin/env bash
# Publication day (issue 38): each public route's requests/s and p99 beside the citizen's form
# page in the same run, with and without gzip, a 304 revalidation, and the resident memory of
# a node after a mixed load (and, with SOAK=seconds, its growth over a soak).
# The node is a release build on a fresh SQLite file (or DATABASE_URL): started once with
# --demo to load and publish the demo district, then stopped and started again without it —
# the node that is measured is a plain one holding published data. PDFs are not printed
# during the run (--chromium off) so that the browser's work does not fall on the figures.
# Usage: benches/load/public.sh [seconds per route] [seconds of mixed load]
#   (needs wrk and curl; builds release unless HAILONG_BIN is given)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-8}
mixed=${2:-120}
soak=${SOAK:-0}
if [ -z "${HAILONG_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${HAILONG_BIN:-${CARGO_TARGET_DIR:-target}/release/hailong}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url=${DATABASE_URL:-sqlite://$dir/bench.db}
base="http://127.0.0.1:$port"
start() { # extra args...
  "$bin" serve --rate-limit off --chromium off --database-url "$url" --bind 127.0.0.1:$port "$@" >>"$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do curl -sf "$base/healthz" >/dev/null && return; sleep 0.1; done
  echo "the node did not start; its log:"; tail -20 "$dir/log"; exit 1
}
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
start --demo
kill "$pid"; wait "$pid" 2>/dev/null || true
start
label=$(curl -sf "$base/reports" | grep -o 'href="/reports/[0-9]\{4\}-Q[1-4]"' | sed 's/.*reports\/\(.*\)"/\1/' | sort | tail -1)
unit=${HAILONG_UNIT:-phuong-an-lac}
form="/s/$unit"
etag=$(curl -sf -o /dev/null -D - -H 'Accept-Encoding: gzip' "$base/reports/$label" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
echo "node: $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$pid/status) resident after start; latest report $label"

rate() { # path ae inm -> "rate p99" line
  HAILONG_AE="$2" HAILONG_INM="${3:-}" wrk -t2 -c32 -d"${secs}s" -s benches/load/public.lua "$base$1" | grep '^requests'
}
number() { sed 's/.*rate \([0-9.]*\)\/s.*/\1/'; }
row() { # name path ae reference-rate [inm]
  local out r
  out=$(rate "$2" "$3" "${5:-}")
  r=$(echo "$out" | number)
  awk -v n="$1" -v r="$r" -v ref="$4" -v o="$out" 'BEGIN { printf "%-34s %s  → %.2f × the form page\n", n, o, r / ref }'
}
for ae in gzip ""; do
  label_ae=${ae:-none}
  fout=$(rate "$form" "$ae")
  f=$(echo "$fout" | number)
  echo "== Accept-Encoding: $label_ae"
  echo "form page $form                 $fout"
  row "published report /reports/$label" "/reports/$label" "$ae" "$f"
  if [ "$ae" = gzip ]; then
    row "  same, brotli" "/reports/$label" "br" "$f"
    row "  same, 304 (If-None-Match)" "/reports/$label" "gzip" "$f" "$etag"
  fi
  row "open data CSV" "/open/indices.csv?period=$label" "$ae" "$f"
  row "open data JSON" "/open/indices.json?period=$label" "$ae" "$f"
  row "front page /" "/" "$ae" "$f"
  row "/reports" "/reports" "$ae" "$f"
  row "/units" "/units" "$ae" "$f"
  row "unit's replies" "/units/$unit/feedback" "$ae" "$f"
  row "/feed.xml" "/feed.xml" "$ae" "$f"
  row "/methodology" "/methodology" "$ae" "$f"
done

# The mixed load: every public route in both languages, and every published revision's report.
paths="$form / /?lang=en /reports /reports?lang=en /units /feed.xml /methodology /units/$unit/feedback"
for l in $(curl -sf "$base/reports" | grep -o 'href="/reports/[0-9]\{4\}-Q[1-4]"' | sed 's/.*reports\/\(.*\)"/\1/' | sort -u); do
  paths="$paths /reports/$l /reports/$l?lang=en /open/indices.csv?period=$l /open/indices.json?period=$l"
done
echo "== mixed load for ${mixed}s over $(echo $paths | wc -w) addresses (gzip)"
HAILONG_AE=gzip HAILONG_PATHS="$paths" wrk -t2 -c32 -d"${mixed}s" -s benches/load/public.lua "$base/" | grep '^requests'
rss() { awk '/VmRSS/ {print $2 / 1024}' /proc/$pid/status; }
echo "resident after the mixed load: $(rss) MB"
if [ "$soak" -gt 0 ]; then
  first=$(rss)
  for i in $(seq 1 $((soak / 60))); do
    HAILONG_AE=gzip HAILONG_PATHS="$paths" wrk -t2 -c32 -d60s -s benches/load/public.lua "$base/" >/dev/null
    echo "soak minute $i: $(rss) MB"
  done
  awk -v a="$first" -v b="$(rss)" 'BEGIN { printf "soak: %.1f MB → %.1f MB (%+.1f MB)\n", a, b, b - a }'
fi
