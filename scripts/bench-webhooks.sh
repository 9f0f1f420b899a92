#!/usr/bin/env bash
# Webhook delivery benchmark (docs/PERFORMANCE.md): deliveries/s to a local
# receiver that answers at once, with 1 and with 10 subscriptions; the delay
# from a command's durable commit to its delivery (p50/p99); and durable
# command throughput with 10 subscriptions active against none, and how long
# the deliveries of that saturating load take to catch up once it stops.
#
# Starts a release build with the demo and `--webhook-allow-private`, the
# example receiver (crates/accord-webhooks/examples/bench_receiver.rs) and
# drives commands with wrk (bench/record_exchange.lua), as scripts/bench.sh.
#
# The server's environment applies, for comparisons (ADR 0018):
# `ACCORD_WEBHOOK_NICE=0` runs the deliveries at the server's priority,
# `ACCORD_WEBHOOK_GIVE_WAY_MS=0` never makes them give way to commands.
#
# ACCORD_BENCH_ROUNDS (default 3) sets how many times the write path is
# measured without and with subscriptions, alternately.
#
# Usage: scripts/bench-webhooks.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
port=${ACCORD_BENCH_PORT:-18290}
rport=$((port + 1))
export ACCORD_ADMIN_TOKEN=bench-token
base="http://127.0.0.1:$port"
auth="Authorization: Bearer $ACCORD_ADMIN_TOKEN"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
# Two builds: `--example` alone would leave the `accord` binary unbuilt.
cargo build --release -p accord --quiet
cargo build --release -p accord-webhooks --example bench_receiver --quiet
data=$(mktemp -d)
cleanup() {
  kill "$server" "$receiver" 2>/dev/null || true
  wait "$server" "$receiver" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
./target/release/accord serve --data "$data" --listen "127.0.0.1:$port" --demo --webhook-allow-private 2>"$data.log" &
server=$!
./target/release/examples/bench_receiver "127.0.0.1:$rport" &
receiver=$!
for _ in $(seq 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
sleep 0.5; kill -0 "$receiver" || { echo "the receiver could not start on port $rport" >&2; exit 1; }

head() { curl -s "$base/readyz" | sed 's/.*"position":\([0-9]*\).*/\1/'; }
stats() { curl -s "http://127.0.0.1:$rport/stats${1:-}"; }
subscribe() {
  curl -s -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$rport/hook\"}" "$base/v1/webhooks" | sed 's/.*"id":"\([^"]*\)".*/\1/'
}
# Durable RecordExchange commands flat out; prints wrk's figures, sets $rps.
durable() { # $1: label
  echo "== durable RecordExchange, $1: wrk -t2 -c64 -d${seconds}s ($(cut -d' ' -f1-3 /proc/loadavg))"
  local out; out=$(wrk -t2 -c64 -d"${seconds}s" -s bench/record_exchange.lua "$base")
  grep -E 'Requests/sec|p50_ms' <<<"$out"
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
}
unsubscribe() {
  for id in $ids; do curl -s -o /dev/null -X DELETE -H "$auth" "$base/v1/webhooks/$id"; done
  ids=""
}
# Waits until the receiver has `$1` deliveries (at most `$2` tenths of a
# second, default 1200), then prints its stats and starts a new measure.
drain() {
  for _ in $(seq "${2:-1200}"); do
    count=$(stats | sed 's/.*"count":\([0-9]*\).*/\1/')
    [ "$count" -ge "$1" ] && break
    sleep 0.1
  done
  stats '?reset'; echo
}
# One client writing while `$1` subscriptions deliver; the delay of every
# delivery of those commands, once all have arrived.
delay() {
  echo "== delay commit → delivery, $1 subscription(s), one client (wrk -t1 -c1 -d${seconds}s)"
  local from; from=$(head)
  wrk -t1 -c1 -d"${seconds}s" -s bench/record_exchange.lua "$base" | grep -E 'Requests/sec'
  drain $(( ($(head) - from) * $1 ))
}

echo "== machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load: $(uptime)"
# Also the backlog the replays below deliver.
durable "no subscription"

echo "== deliveries/s, 1 subscription: replay of 5,000 events"
ids=$(subscribe)
curl -s -o /dev/null -H "$auth" -H 'Content-Type: application/json' -d "{\"from_position\":$(( $(head) - 5000 + 1 ))}" "$base/v1/webhooks/$ids/replay"
drain 5000

delay 1

echo "== deliveries/s, 10 subscriptions: replay of 5,000 events each (50,000 deliveries)"
for _ in $(seq 9); do ids="$ids $(subscribe)"; done
replay_from=$(( $(head) - 5000 + 1 ))
for id in $ids; do
  curl -s -o /dev/null -H "$auth" -H 'Content-Type: application/json' -d "{\"from_position\":$replay_from}" "$base/v1/webhooks/$id/replay"
done
drain 50000

delay 10

# The write path with 10 subscriptions against none, in alternating rounds
# so that a change of the machine's load hits both sides alike.
# ACCORD_BENCH_ROUND_SUBSCRIPTIONS=0 compares none with none: the noise.
rounds=${ACCORD_BENCH_ROUNDS:-3}
subs=${ACCORD_BENCH_ROUND_SUBSCRIPTIONS:-10}
unsubscribe
ratios=""
for round in $(seq "$rounds"); do
  durable "no subscription (round $round/$rounds)"
  none=$rps
  for _ in $(seq "$subs"); do ids="$ids $(subscribe)"; done
  stats '?reset' >/dev/null
  from=$(head)
  durable "$subs subscriptions delivering every event (round $round/$rounds)"
  ratios="$ratios $(awk -v a="$rps" -v b="$none" 'BEGIN { printf "%.3f", a / b }')"
  echo "   $(stats | sed 's/.*"count":\([0-9]*\).*/\1/') deliveries during the load; with / without: ${ratios##* }"
  if [ "$round" -lt "$rounds" ]; then unsubscribe; fi
done
echo "== with $subs subscriptions / without, by round:$ratios (median $(tr ' ' '\n' <<<"$ratios" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'))"

backlog=$(( ($(head) - from) * subs ))
stopped=$(date +%s.%N)
echo "== catch-up: the $backlog deliveries of the last round's commands (at most 10 minutes)"
drain "$backlog" 6000
echo "   all delivered $(awk -v a="$stopped" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the load stopped"
echo "== server RSS: $(ps -o rss= -p $server) KiB"
echo "== load: $(uptime)"
