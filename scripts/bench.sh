#!/usr/bin/env bash
# Durable RecordExchange throughput over HTTP with 64 connections, and the
# read path against /healthz. Starts a release build on a fresh data folder
# with the demo, drives it with wrk, then checks that the log holds exactly
# the acknowledged commands and that the chain verifies.
#
# Usage: scripts/bench.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-64}
port=${ACCORD_BENCH_PORT:-18090}
export ACCORD_ADMIN_TOKEN=bench-token

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p accord --quiet
data=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
./target/release/accord serve --data "$data" --listen "127.0.0.1:$port" --demo 2>"$data.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

echo "== machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
head_before=$(curl -s "http://127.0.0.1:$port/readyz" | sed 's/.*"position":\([0-9]*\).*/\1/')
echo "== durable RecordExchange: wrk -t2 -c$connections -d${seconds}s (script bench/record_exchange.lua)"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/record_exchange.lua "http://127.0.0.1:$port" | tee "$data.wrk"
head_after=$(curl -s "http://127.0.0.1:$port/readyz" | sed 's/.*"position":\([0-9]*\).*/\1/')
echo "== events appended: $((head_after - head_before))"
curl -s -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$port/v1/audit/verify"; echo

agreement=0190f0a0-2013-7000-8000-000000002013
echo "== GET /healthz: wrk -t1 -c64 -d10s"
wrk -t1 -c64 -d10s "http://127.0.0.1:$port/healthz" | grep -E 'Requests/sec|Latency'
echo "== GET /v1/agreements/{id} (an agreement with $((head_after - head_before)) exchanges): wrk -t1 -c64 -d10s"
wrk -t1 -c64 -d10s -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$port/v1/agreements/$agreement" | grep -E 'Requests/sec|Latency'
echo "== server RSS: $(ps -o rss= -p $server) KiB"
