#!/usr/bin/env bash
# The cost of the write model's exchange cache missing (docs/PERFORMANCE.md,
# "The exchange cache missing at a million events"; ADR 0054): durable
# exchange commands spread over every agreement of a generated log
# (bench/exchange_spread.lua: by default nine in ten RecordExchange, one
# in ten CorrectExchange of an exchange the agreement holds;
# EXCHANGE_SPREAD_CORRECT=N makes N in ten corrections), commands that read
# their agreement's exchanges, which the writer loads from the agreement's
# stream when they are not held.
#
# For each `--exchange-cache` size given, in order, on a fresh copy of DATA
# (so that every run starts from the same log): `accord serve` with that
# bound, then `wrk -t2 -cCONNECTIONS -dSECONDS`, and the commands per
# second, p50/p99, answers other than 2xx, the agreements loaded
# (`accord_exchange_loads_total` from /metrics, its growth during the run)
# and the RSS once ready and after the run. Give the sizes alternating
# (e.g. `100000 2000000 100000 2000000`) to compare them on a loaded machine.
#
# Usage: [ACCORD_BIN=path] scripts/bench-exchange-cache.sh DATA [SECONDS] [CACHE...]
#        DATA: a data folder made by `accord generate` (copied, never served
#        in place); SECONDS default 30; CACHE default `100000 2000000`.
#        CONNECTIONS from ACCORD_BENCH_CONNECTIONS (default 64); the copies
#        go to ACCORD_BENCH_TMP (default $TMPDIR or /tmp) and are deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/bench-exchange-cache.sh DATA [SECONDS] [CACHE...]}
seconds=${2:-30}
shift $(($# >= 2 ? 2 : 1))
caches=("$@")
[ ${#caches[@]} -gt 0 ] || caches=(100000 2000000)
connections=${ACCORD_BENCH_CONNECTIONS:-64}
port=${ACCORD_BENCH_PORT:-18097}
base="http://127.0.0.1:$port"
export ACCORD_ADMIN_TOKEN=bench-token
auth="Authorization: Bearer $ACCORD_ADMIN_TOKEN"
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
work=$(mktemp -d "${ACCORD_BENCH_TMP:-${TMPDIR:-/tmp}}/bench-exchange-cache.XXXXXX")
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "${ACCORD_BENCH_KEEP_LIST:-}" ] && cp "$work/agreements.txt" "$ACCORD_BENCH_KEEP_LIST"; rm -rf "$work"' EXIT

rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
loads() { curl -sf "$base/metrics" | awk '/^accord_exchange_loads_total / {print $2}'; }

echo "== machine: $(nproc) cores, $(uname -r); binary $bin; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== data: $data ($(du -sh "$data" | cut -f1)); wrk -t2 -c$connections -d${seconds}s -s bench/exchange_spread.lua (corrections: ${EXCHANGE_SPREAD_CORRECT:-1} in 10)"
summary=("| --exchange-cache | commands/s | p50 / p99 | non-2xx | agreements loaded (per command) | RSS ready / after | load average at start |"
  "|---|---|---|---|---|---|---|")
for cache in "${caches[@]}"; do
  rm -rf "$work/data"
  cp -a "$data" "$work/data"
  "$bin" serve --data "$work/data" --listen "127.0.0.1:$port" --exchange-cache "$cache" >/dev/null 2>"$work/serve.log" &
  server=$!
  until curl -sf "$base/readyz" >/dev/null; do
    kill -0 "$server" 2>/dev/null || { echo "accord serve stopped:" >&2; tail -5 "$work/serve.log" >&2; exit 1; }
    sleep 0.05
  done
  rss_ready=$(rss_mib "$server")
  if [ ! -s "$work/agreements.txt" ]; then
    # Every agreement with its first year, its parties and one of its
    # exchanges (the first listed), from the API.
    BASE=$base python3 - >"$work/agreements.txt" <<'EOF'
import json, os, urllib.request
base, token = os.environ["BASE"], os.environ["ACCORD_ADMIN_TOKEN"]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)
items = get("/v1/agreements?limit=10000")["items"]
for a in items:
    full = get("/v1/agreements/" + a["agreement_id"])
    parties = [m["party_id"] if isinstance(m, dict) else m for m in full.get("parties") or full.get("members")]
    year = int(full["term"]["start"][:4])
    listed = get("/v1/agreements/" + a["agreement_id"] + "/exchanges?limit=1").get("items") or []
    exchange = listed[0]["exchange_id"] if listed else "-"
    print(a["agreement_id"], year, ",".join(parties), exchange)
EOF
    echo "-- $(wc -l <"$work/agreements.txt") agreements listed"
  fi
  before=$(loads)
  load=$(cut -d' ' -f1 /proc/loadavg)
  EXCHANGE_SPREAD_FILE="$work/agreements.txt" wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s bench/exchange_spread.lua "$base" >"$work/wrk.out"
  after=$(loads)
  rss_after=$(rss_mib "$server")
  rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
  p50=$(sed -n 's/^p50_ms=\([^ ]*\) p99_ms=.*/\1/p' "$work/wrk.out")
  p99=$(sed -n 's/.*p99_ms=\([^ ]*\)$/\1/p' "$work/wrk.out")
  non2xx=$(sed -n 's/^non_2xx=\([0-9]*\).*/\1/p' "$work/wrk.out")
  loaded=$((${after%.*} - ${before%.*}))
  per=$(awk -v l="$loaded" -v r="$requests" 'BEGIN { printf "%.2f", (r > 0 ? l / r : 0) }')
  echo "-- --exchange-cache $cache: $rate commands/s ($requests), p50 $p50 ms, p99 $p99 ms, $non2xx not 2xx; $loaded agreements loaded ($per per command); RSS $rss_ready MiB ready, $rss_after MiB after"
  summary+=("| $cache | $rate | $p50 / $p99 ms | $non2xx | $loaded ($per) | $rss_ready / $rss_after MiB | $load |")
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  rm -rf "$work/data"
done
echo
printf '%s\n' "${summary[@]}"
