#!/usr/bin/env bash
# Soak: MINUTES of steady mixed load on a release build serving a fresh
# data folder with the demo, then the checks that nothing went wrong
# (docs/PERFORMANCE.md, "Soak"). Runs at once:
# - durable RecordExchange commands: wrk, 4 connections, each waiting
#   SOAK_COMMAND_DELAY_MS (100) between requests (bench/soak.lua);
# - reads: wrk, 4 connections, each waiting SOAK_READ_DELAY_MS (50): the
#   agreement pages (also at a past date), their history, a diff, the
#   cooperation report as JSON and CSV, lists and the global log;
# - three SSE clients following GET /v1/events/stream for the whole run,
#   and a fourth that disconnects every 20 s and resumes with
#   Last-Event-ID;
# - a webhook subscription delivering every event to a real local HTTP
#   receiver (bench/soak_receiver.py) that checks each signature.
# The server's RSS is sampled every minute.
#
# At the end it prints the RSS at start, at end and the maximum; the
# answers by status of both wrk runs (counted by wrk's `response` callback
# on every answer) and the errors: every answer that is not 2xx/3xx except
# a 503 (overload, counted apart), every socket error (connect, read, write,
# timeout), every command outcome other than `created` in the server's
# /metrics, and every ERROR line of the server's log; the events each SSE
# client received against those recorded; the webhook deliveries received
# (distinct events, bad signatures, out of order) against the events
# recorded since the subscription, once delivery has caught up; and
# `accord verify` on the folder after a clean stop. Exits non-zero when
# any of these is wrong.
#
# Usage: scripts/soak.sh [MINUTES]   (default 30)
# Environment: ACCORD_SOAK_PORT (18391; the receiver takes the next port),
# ACCORD_BIN (a binary instead of this checkout's release build),
# SOAK_COMMAND_DELAY_MS, SOAK_READ_DELAY_MS, SOAK_KEEP=1 (keep the folder).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
port=${ACCORD_SOAK_PORT:-18391}
rport=$((port + 1))
export ACCORD_ADMIN_TOKEN=soak-token
base="http://127.0.0.1:$port"
auth="Authorization: Bearer $ACCORD_ADMIN_TOKEN"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
ulimit -n 65536 2>/dev/null || true
work=$(mktemp -d)
data="$work/data"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${SOAK_KEEP:-0}" = 1 ]; then echo "== kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$bin" serve --data "$data" --listen "127.0.0.1:$port" --demo --webhook-allow-private 2>"$work/server.log" &
server=$!
pids+=("$server")
for _ in $(seq 600); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "$base/readyz" >/dev/null || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
head() { curl -s "$base/readyz" | sed 's/.*"position":\([0-9]*\).*/\1/'; }
mib() { echo $(( $1 / 1024 )); }

subscription=$(curl -sf -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$rport/hook\",\"description\":\"soak\"}" "$base/v1/webhooks")
python3 bench/soak_receiver.py "$rport" "$(jq -r .secret <<<"$subscription")" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$rport/stats" >/dev/null && break; sleep 0.1; done
receiver() { curl -s "http://127.0.0.1:$rport/stats" | jq -r ".$1"; }

echo "== machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); binary $bin"
echo "== $(date -u '+%F %T') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg); soak of $minutes minutes"
start=$(head)
rss_start=$(rss)
# Command outcomes by the server's count, before the load (the demo's own
# commands may be counted).
outcomes() {
  curl -s "$base/metrics" | awk -F'} ' -v created="$1" '
    /^accord_commands_total\{/ && (/outcome="created"/ == (created == "yes")) && !/outcome="busy"/ { n += $2 }
    END { print n + 0 }'
}
created_start=$(outcomes yes)
other_start=$(outcomes no)
echo "== head $start (the demo), RSS at start $(mib "$rss_start") MiB"

for i in 1 2 3; do
  curl -sN -H "$auth" "$base/v1/events/stream?after=$start" >"$work/sse.$i" 2>/dev/null &
  pids+=($!)
done
# The fourth SSE client: 20 s per connection, resuming after the last id.
(
  last=$start
  while :; do
    rc=0
    curl -sN --max-time 20 -H "$auth" -H "Last-Event-ID: $last" "$base/v1/events/stream" >"$work/churn.part" 2>/dev/null || rc=$?
    grep '^id:' "$work/churn.part" >>"$work/churn.ids" || true
    last=$(tail -1 "$work/churn.ids" 2>/dev/null | cut -d' ' -f2 || true)
    last=${last:-$start}
    # 28: the 20 s ran out, as meant; anything else ended the stream early.
    [ "$rc" = 28 ] || echo "$rc" >>"$work/churn.errors"
    echo >>"$work/churn.connections"
  done
) &
pids+=($!)

(
  minute=0
  while sleep 60; do
    minute=$((minute + 1))
    sample=$(rss)
    echo "$sample" >>"$work/rss"
    echo "   minute $minute: RSS $(mib "$sample") MiB, head $(head), deliveries $(receiver distinct), load $(cut -d' ' -f1 /proc/loadavg)"
  done
) &
sampler=$!
pids+=("$sampler")

SOAK_MODE=commands SOAK_DELAY_MS=${SOAK_COMMAND_DELAY_MS:-100} \
  wrk -t1 -c4 -d"${minutes}m" --timeout 30s -s bench/soak.lua "$base" >"$work/commands.wrk" &
commands=$!
SOAK_MODE=reads SOAK_DELAY_MS=${SOAK_READ_DELAY_MS:-50} \
  wrk -t1 -c4 -d"${minutes}m" --timeout 30s -s bench/soak.lua "$base" >"$work/reads.wrk" &
reads=$!
pids+=("$commands" "$reads")
wait "$commands" "$reads"
kill "$sampler" 2>/dev/null || true
rss_end=$(rss)
end=$(head)
recorded=$((end - start))
echo "$rss_end" >>"$work/rss"
rss_max=$(sort -n "$work/rss" | tail -1)

failed=0
fail() { echo "!! $*"; failed=1; }

echo "== $(date -u '+%F %T') UTC: load over; head $end, $recorded events recorded during the soak"
echo "== RSS at start $(mib "$rss_start") MiB, at end $(mib "$rss_end") MiB, max $(mib "$rss_max") MiB (samples each minute: $(tr '\n' ' ' <"$work/rss" | awk '{ for (i = 1; i <= NF; i++) printf "%d ", $i / 1024 }')MiB)"

errors=0
for kind in commands reads; do
  summary=$(awk '/^status/ { printf "%s: %s  ", $2, $3 }' "$work/$kind.wrk")
  wrong=$(awk '/^status/ && ($2 < 200 || $2 >= 400) && $2 != 503 { n += $3 } END { print n + 0 }' "$work/$kind.wrk")
  busy=$(awk '/^status/ && $2 == 503 { n += $3 } END { print n + 0 }' "$work/$kind.wrk")
  sockets=$(awk '/^socket_errors/ { print $2 }' "$work/$kind.wrk")
  echo "== $kind: $(awk '/requests in/ { print $1 }' "$work/$kind.wrk") answers by status: $summary(503 overload: $busy); errors: $wrong by status, $sockets socket; $(grep p50_ms "$work/$kind.wrk")"
  errors=$((errors + wrong + sockets))
done
created=$(( $(outcomes yes) - created_start ))
other=$(( $(outcomes no) - other_start ))
logged=$(grep -c 'ERROR' "$work/server.log" || true)
echo "== server: $created commands created, $other answered otherwise (refused, conflict, error, …), $logged ERROR lines in its log"
errors=$((errors + other + logged))
[ "$created" = "$recorded" ] || fail "the server created $created commands but the log grew by $recorded events"
[ "$errors" = 0 ] || fail "$errors errors"

for _ in $(seq 600); do
  complete=1
  for i in 1 2 3; do [ "$(grep -c '^id:' "$work/sse.$i")" -ge "$recorded" ] || complete=0; done
  [ $complete = 1 ] && break
  sleep 0.1
done
for i in 1 2 3; do
  got=$(grep -c '^id:' "$work/sse.$i" || true)
  last=$(grep '^id:' "$work/sse.$i" | tail -1 | cut -d' ' -f2 || true)
  echo "== SSE client $i: $got events, last id ${last:-none}"
  [ "$got" = "$recorded" ] && [ "$last" = "$end" ] || fail "SSE client $i received $got events of $recorded"
done
for _ in $(seq 300); do
  [ "$(tail -1 "$work/churn.ids" | cut -d' ' -f2)" = "$end" ] && break
  sleep 0.1
done
churned=$(cut -d' ' -f2 "$work/churn.ids" | sort -n | uniq | wc -l)
expected=$(seq $((start + 1)) "$end" | cmp -s - <(cut -d' ' -f2 "$work/churn.ids") && echo yes || echo no)
echo "== SSE client 4: $(wc -l <"$work/churn.connections") connections of 20 s, $churned distinct events, every position once and in order: $expected, streams ended early: $(cat "$work/churn.errors" 2>/dev/null | wc -l)"
[ "$expected" = yes ] || fail "the resuming SSE client missed or repeated events"
[ ! -s "$work/churn.errors" ] || fail "SSE streams ended early (curl exit codes: $(sort "$work/churn.errors" | uniq -c | xargs))"

caught_up=$(date +%s)
for _ in $(seq 6000); do
  [ "$(receiver distinct)" -ge "$recorded" ] && break
  sleep 0.1
done
echo "== webhooks: $(receiver deliveries) deliveries, $(receiver distinct) distinct events of $recorded recorded, $(receiver bad_signatures) bad signatures, $(receiver out_of_order) out of order, last position $(receiver max_position); caught up $(( $(date +%s) - caught_up )) s after the load"
[ "$(receiver distinct)" = "$recorded" ] || fail "webhook deliveries: $(receiver distinct) distinct events of $recorded"
[ "$(receiver bad_signatures)" = 0 ] && [ "$(receiver out_of_order)" = 0 ] || fail "webhook deliveries badly signed or out of order"

echo "== RSS after the deliveries caught up: $(mib "$(rss)") MiB"
kill -TERM "$server"
wait "$server" 2>/dev/null || true
echo "== accord verify --data (after a clean stop):"
"$bin" verify --data "$data" || fail "accord verify failed"
echo "== data folder: $(du -sh "$data" | cut -f1)"
[ $failed = 0 ] && echo "== soak passed" || { echo "== soak FAILED" >&2; tail -20 "$work/server.log" >&2; }
exit $failed
