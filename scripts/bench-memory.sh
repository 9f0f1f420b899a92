#!/usr/bin/env bash
# Memory after N events (docs/PERFORMANCE.md, "Memory after a million
# events"). Generates a log of N events through the engine (`accord
# generate`, reporting the generator's peak RSS: a process that appended
# them all), then starts `accord serve` on it with each sled cache size
# given (`--cache-mb`), and reports each server's RSS once ready and after a
# full read of the log (GET /v1/audit/verify). Deletes the data at the end
# (a million events take about 2.5 GB).
#
# Usage: scripts/bench-memory.sh [EVENTS] [CACHE_MB...]   (default: 1000000 1024 128 64)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
shift || true
caches=("$@")
[ ${#caches[@]} -gt 0 ] || caches=(1024 128 64)
port=${ACCORD_BENCH_PORT:-18091}
export ACCORD_ADMIN_TOKEN=bench-token
cargo build --release -p accord --quiet
data=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
server=
echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== accord generate --events $events"
/usr/bin/time -f "generator: %e s, peak RSS %M KiB" ./target/release/accord generate --data "$data/db" --events "$events" 2>&1 >/dev/null | grep -E '^generator'
echo "== data folder: $(du -sh "$data/db" | cut -f1)"
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
for cache in "${caches[@]}"; do
  ./target/release/accord serve --data "$data/db" --listen "127.0.0.1:$port" --cache-mb "$cache" 2>"$data/serve.log" &
  server=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  ready=$(rss)
  curl -sf -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$port/v1/audit/verify" >/dev/null
  verified=$(rss)
  echo "--cache-mb $cache: RSS ready $((ready / 1024)) MiB, after reading the whole log $((verified / 1024)) MiB"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
done
