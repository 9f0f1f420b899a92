#!/usr/bin/env bash
# What the snapshotter costs the write path on a large log (ADR 0011,
# docs/PERFORMANCE.md "What snapshotting costs the write path"): generates a
# log of EVENTS events once, then for each setting given, on a fresh copy of
# it, serves it with the demo and drives durable RecordExchange commands with
# wrk -t2 -c64 for SECONDS, printing commands/s, the mean append and sync
# latencies from /metrics and the snapshots written meanwhile.
#
# Usage: scripts/bench-snapshot-cost.sh EVENTS SECONDS SETTING...
#   a SETTING is a space-separated list of environment assignments, e.g.
#   scripts/bench-snapshot-cost.sh 1000000 40 ACCORD_SNAPSHOT_REST=0 ACCORD_SNAPSHOT_REST=4 ACCORD_SNAPSHOT_EVERY=0
# ACCORD_BIN: a binary to measure instead of this checkout's release build
# (an older build, for a before/after comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:?EVENTS}
seconds=${2:?SECONDS}
shift 2
[ "$#" -gt 0 ] || { echo "give at least one SETTING" >&2; exit 2; }
port=${ACCORD_BENCH_PORT:-18095}
export ACCORD_ADMIN_TOKEN=bench-token
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

echo "== machine: $(nproc) cores, $(uname -r); generating $events events"
$bin generate --data "$work/log" --events "$events" >/dev/null 2>&1
metric() { awk -v name="$1" '$1 == name { print $2 }' "$work/metrics"; }
for setting in "$@"; do
  rm -rf "$work/copy" && cp -r "$work/log" "$work/copy"
  env $setting $bin serve --data "$work/copy" --listen "127.0.0.1:$port" --demo >/dev/null 2>"$work/serve.log" &
  server=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
  rate=$(wrk -t2 -c64 -d"${seconds}s" -s bench/record_exchange.lua "http://127.0.0.1:$port" | awk '/Requests\/sec/ { print $2 }')
  curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics"
  append=$(awk -v s="$(metric accord_append_duration_seconds_sum)" -v n="$(metric accord_append_duration_seconds_count)" 'BEGIN { printf "%.2f", 1000 * s / n }')
  sync=$(awk -v s="$(metric accord_sync_duration_seconds_sum)" -v n="$(metric accord_sync_duration_seconds_count)" 'BEGIN { printf "%.2f", 1000 * s / n }')
  written=$(sed 's/\x1b\[[0-9;]*m//g' "$work/serve.log" | sed -n 's/.*snapshot written position=\([0-9]*\).*encode_ms=\([0-9]*\).*/\1 (\2 ms)/p' | paste -sd, -)
  echo "$setting: $rate commands/s; mean append $append ms, mean sync $sync ms; snapshots written: ${written:-none}"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
done
