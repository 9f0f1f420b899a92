#!/usr/bin/env bash
# Memory after N events (docs/PERFORMANCE.md, "Memory after a million
# events" and "Per-exchange state out of memory"). Generates a log of N
# events through the engine (`accord generate`, reporting the generator's
# peak RSS: a process that appended them all), then starts `accord serve`
# on it with each sled cache size given (`--cache-mb`), and reports each
# server's time to ready (start to the first 200 of /readyz), its RSS once
# ready, 5 s later and after a full read of the log (GET /v1/audit/verify);
# then, with the first cache size, 5 s after a snapshot (one RegisterParty
# command with `--snapshot-every 1`: the snapshotter's copy of the models
# made, encoded and dropped). Deletes the data at the end (a million
# events take about 2.5 GB).
#
# Usage: scripts/bench-memory.sh [EVENTS] [CACHE_MB...]   (default: 1000000 1024 128 64)
# ACCORD_BIN=path: that binary instead of building this checkout's.
# ACCORD_BENCH_DATA=DIR: serve that data folder (made by `accord generate`)
#   instead of generating one; it is kept, and the snapshot step adds a
#   party and a snapshot to it (pruning none).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
shift || true
caches=("$@")
[ ${#caches[@]} -gt 0 ] || caches=(1024 128 64)
port=${ACCORD_BENCH_PORT:-18091}
export ACCORD_ADMIN_TOKEN=bench-token
bin=${ACCORD_BIN:-./target/release/accord}
[ -n "${ACCORD_BIN:-}" ] || cargo build --release -p accord --quiet
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=
echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${ACCORD_BENCH_DATA:-}" ]; then
  db=$ACCORD_BENCH_DATA
  echo "== data folder $db (kept)"
else
  db=$work/db
  echo "== accord generate --events $events"
  /usr/bin/time -f "generator: %e s, peak RSS %M KiB" "$bin" generate --data "$db" --events "$events" 2>&1 >/dev/null | grep -E '^generator'
fi
echo "== data folder: $(du -sh "$db" | cut -f1)"
rss() { echo $(($(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024)); }
base="http://127.0.0.1:$port"
auth="Authorization: Bearer $ACCORD_ADMIN_TOKEN"
start() {
  started=$(date +%s%N)
  "$bin" serve --data "$db" --listen "127.0.0.1:$port" "$@" 2>"$work/serve.log" &
  server=$!
  for _ in $(seq 12000); do
    kill -0 "$server" 2>/dev/null || { echo "accord serve stopped (port $port taken?):"; tail -3 "$work/serve.log"; exit 1; }
    curl -sf "$base/readyz" >/dev/null && break
    sleep 0.05
  done
  ready_ms=$((($(date +%s%N) - started) / 1000000))
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }
for cache in "${caches[@]}"; do
  start --cache-mb "$cache"
  ready=$(rss)
  sleep 5
  later=$(rss)
  threads=$(ls "/proc/$server/task" | wc -l)
  # The full read may pass the server's request timeout on a loaded machine:
  # its status is then shown, and the RSS is what the read left so far.
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$base/v1/audit/verify")
  verified=$(rss)
  [ "$code" = 200 ] || verified="$verified (verify answered $code)"
  echo "--cache-mb $cache: ready in $ready_ms ms; RSS ready $ready MiB, 5 s later $later MiB ($threads threads), after reading the whole log $verified MiB"
  grep -o 'decode_ms[^ ]* [^ ]*derive_ms[^ ]*' "$work/serve.log" | sed 's/\x1b\[[0-9;]*m//g' | sed 's/^/  start-up: /' || true
  stop
done
# A snapshot at the head: one command past the latest snapshot, a snapshot
# every event (so one starts as soon as the server is ready), a rest long
# enough that no second one starts, and no snapshot pruned.
start --cache-mb "${caches[0]}" --snapshot-every 1 --snapshot-rest 100 --snapshot-keep-recent 0
curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"type\": \"RegisterParty\", \"data\": {\"party_id\": \"bench-memory-$(date +%s%N)\", \"name\": \"Bench\", \"kind\": \"other\"}}" \
  "$base/v1/commands"
for _ in $(seq 1200); do grep -q 'snapshot written' "$work/serve.log" && break; sleep 0.1; done
sleep 5
echo "--cache-mb ${caches[0]}: RSS 5 s after a snapshot $(rss) MiB"
stop
