#!/usr/bin/env bash
# Overload: ten times more connections than the writer's queue holds, all
# sending durable RecordExchange commands (bench/record_exchange.lua), to
# show what happens beyond capacity: the excess is refused with 503 and
# Retry-After instead of queueing without bound, the answered commands keep
# a bounded latency, and the server's memory stays flat.
#
# Starts the server with --queue-capacity QUEUE on a fresh data folder with
# the demo, samples its RSS every second while wrk runs with 10 x QUEUE
# connections, then prints: requests, the share answered 503, wrk's p50/p99
# over every answer (201 and 503), the p99 of the durable appends from the
# server's own histogram (/metrics, what a 201 waited for once decided),
# RSS at start, peak and end, and whether the chain verifies.
#
# Usage: scripts/bench-overload.sh [SECONDS] [QUEUE]   (defaults 20, 64)
# Environment: ACCORD_BENCH_PORT (18091), ACCORD_BIN (a binary instead of
# this checkout's release build).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
queue=${2:-64}
connections=$((10 * queue))
port=${ACCORD_BENCH_PORT:-18091}
export ACCORD_ADMIN_TOKEN=bench-token

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
ulimit -n 65536 2>/dev/null || true
data=$(mktemp -d)
trap 'kill $sampler 2>/dev/null || true; kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data" "$data".*' EXIT
"$bin" serve --data "$data" --listen "127.0.0.1:$port" --demo --queue-capacity "$queue" >/dev/null 2>"$data.log" &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk '/^VmRSS/ {print $2}' /proc/"$server"/status; }

echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); binary $bin"
echo "== RSS at start: $(( $(rss) / 1024 )) MiB"
( while sleep 1; do rss; done >"$data.rss" ) &
sampler=$!
echo "== wrk -t2 -c$connections -d${seconds}s against --queue-capacity $queue"
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s --latency -s bench/record_exchange.lua \
  "http://127.0.0.1:$port" | tee "$data.wrk"
kill $sampler 2>/dev/null || true
requests=$(awk '/requests in/ {print $1}' "$data.wrk")
refused=$(awk -F'[= ]' '/^non_2xx=/ {print $2}' "$data.wrk")
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
busy=$(echo "$metrics" | awk -F'} ' '/^accord_commands_total\{type="RecordExchange",outcome="busy"\}/ {print $2}')
created=$(echo "$metrics" | awk -F'} ' '/^accord_commands_total\{type="RecordExchange",outcome="created"\}/ {print $2}')
echo "== answers: $requests; non-2xx $refused ($(awk -v r="$refused" -v n="$requests" 'BEGIN { printf "%.1f", 100 * r / n }') %); by the server's count: $created created, $busy refused busy (503)"
echo "$metrics" | awk '
  /^accord_append_duration_seconds_bucket/ { split($1, l, "\""); le[++n] = l[2]; c[n] = $2 }
  /^accord_append_duration_seconds_count/ { total = $2 }
  END { for (i = 1; i <= n; i++) if (c[i] >= 0.99 * total) { printf "== durable appends: %d, p99 at most %s s (histogram bucket)\n", total, le[i]; exit } }'
echo "== RSS peak $(( $(sort -n "$data.rss" | tail -1) / 1024 )) MiB, end $(( $(rss) / 1024 )) MiB"
curl -s -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$port/v1/audit/verify"; echo
