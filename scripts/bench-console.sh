#!/usr/bin/env bash
# The console's pages on a large register (docs/PERFORMANCE.md, "Console
# pages"). Generates a log of EVENTS events holding about AGREEMENTS
# agreements through the engine (`accord generate`), starts `accord serve`
# on it with default settings, signs in as an admin the way a browser does
# (the sign-in form's CSRF token, the session cookie), then requests each
# main page ROUNDS times, one at a time, and prints the median, p95 and
# maximum of the server's answer time as curl measures it (connection to
# last byte, on loopback). Pages the binary does not serve fail the run.
# Deletes the data at the end (a million events take about 2.5 GB) unless
# ACCORD_BENCH_DATA names where to keep it.
#
# Usage: [ACCORD_BIN=path] scripts/bench-console.sh [EVENTS] [AGREEMENTS] [ROUNDS]
#        (default: 1000000 10000 50)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
agreements=${2:-10000}
rounds=${3:-50}
port=${ACCORD_BENCH_PORT:-18093}
base="http://127.0.0.1:$port"
export ACCORD_ADMIN_TOKEN=bench-token
# ACCORD_BIN: a binary already built (default: build the release one).
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
# ACCORD_BENCH_DATA: a folder to keep the generated log in (reused when it
# holds one already; not deleted), for measuring again without generating.
data=${ACCORD_BENCH_DATA:-}
server=
if [ -z "$data" ]; then
  data=$(mktemp -d)
  trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
else
  mkdir -p "$data"
  trap 'kill $server 2>/dev/null || true' EXIT
fi
echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -d "$data/db" ]; then
  echo "== accord generate --events $events --agreements $agreements"
  "$bin" generate --data "$data/db" --events "$events" --agreements "$agreements" >/dev/null
fi
"$bin" serve --data "$data/db" --listen "127.0.0.1:$port" 2>"$data/serve.log" &
server=$!
for _ in $(seq 600); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
api() { curl -sf -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "$base$1"; }
echo "== data folder: $(du -sh "$data/db" | cut -f1)"

# Sign in as a browser would: the form's token, then the session cookie.
jar="$data/cookies"
csrf=$(curl -sf -c "$jar" "$base/sign-in" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -sf -o /dev/null -b "$jar" -c "$jar" -H "Origin: $base" \
  --data-urlencode "token=$ACCORD_ADMIN_TOKEN" --data-urlencode "csrf=$csrf" "$base/sign-in"

# The agreement with the most events, and a party of it: the heaviest pages.
read -r agreement party year < <(api "/v1/agreements?limit=1000" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
a = max(items, key=lambda a: a.get("version", 0))
print(a["agreement_id"], a["parties"][0], a["term"]["start"][:4])')
as_of=$(api "/v1/events?limit=1&after=$((events / 2))" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["recorded_at"])')
as_of_q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$as_of")

pages=(
  "/"
  "/agreements"
  "/agreements?status=active&at=$((year + 2))-06-30"
  "/agreements/$agreement"
  "/agreements/$agreement?at=$((year + 2))-06-30&as_of=$as_of_q"
  "/agreements/$agreement/diff?from=$year-12-31&to=$((year + 4))-12-31"
  "/parties"
  "/parties/$party"
  "/docs"
)
for extra in "/reports/cooperation" "/reports/cooperation?from=2015-01-01&to=2015-12-31" "/audit" "/admin/tokens" "/admin/webhooks"; do
  # Pages of areas a build may not have yet are measured when served.
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$base$extra")
  [ "$code" = 200 ] && pages+=("$extra")
done

printf '%-72s %8s %8s %8s %9s\n' page p50_ms p95_ms max_ms bytes
for page in "${pages[@]}"; do
  times=()
  bytes=0
  for _ in $(seq "$rounds"); do
    out=$(curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total} %{size_download}' "$base$page")
    read -r code time size <<<"$out"
    if [ "$code" != 200 ]; then echo "$page answered $code" >&2; exit 1; fi
    times+=("$time")
    bytes=$size
  done
  printf '%s\n' "${times[@]}" | sort -g | awk -v page="$page" -v bytes="$bytes" '
    { t[NR] = $1 * 1000 }
    END { printf "%-72s %8.1f %8.1f %8.1f %9d\n", page, t[int((NR + 1) / 2)], t[int(NR * 0.95 + 0.5)], t[NR], bytes }'
done
