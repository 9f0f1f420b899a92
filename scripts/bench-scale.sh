#!/usr/bin/env bash
# The scale curve (docs/PERFORMANCE.md, "Scale"; issue 17): for each size,
# a fresh log from `accord generate --events N` (the real write path), then
# `accord serve` on it with default settings, and:
#
# - time to ready (start to the first 200 of /readyz) and the `models
#   loaded` line (snapshot position, events replayed);
# - RSS once ready, and again after the reads below;
# - GET /v1/reports/cooperation: all time (also as CSV and with lineage=none), one year
#   (from=2020-01-01&to=2020-12-31), and as_of the log's middle event (the
#   first request, which rebuilds the models at that instant, then the
#   median of the repeated ones, served from the as_of cache);
# - the agreement page (GET /v1/agreements/{id}), its history
#   (GET /v1/agreements/{id}/history) and its exchange list
#   (GET /v1/agreements/{id}/exchanges, whose texts are read from the log,
#   ADR 0037) for the agreement with the most events;
# - disk: the data folder's bytes per event, the snapshots apart;
# - generation: `accord generate`'s wall time and peak RSS (/usr/bin/time).
#
# A request that does not answer 200 (a 503 past the server's 30 s request
# timeout, at five million events) is shown with its status in the table
# instead of stopping the run; a server that stops before ready stops it.
#
# Each latency is the median of ROUNDS requests, one at a time, as curl
# measures it (connection to last byte, over loopback), with the answer's
# size. A summary table (one row per size) ends the output.
#
# Usage: [ACCORD_BIN=path] scripts/bench-scale.sh [SIZES...] [--with-5m]
#        default sizes: 10000 100000 1000000; --with-5m adds 5000000 (long:
#        2 minutes 12 s of generation for a million events on machine C,
#        loaded; each size first checks that 3 KB per event are free, 15 GB
#        for five million). Each log is deleted once measured unless kept. ROUNDS (default 10) from ACCORD_BENCH_ROUNDS;
#        ACCORD_BENCH_DATA=DIR keeps the logs generated (reused next time).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=()
for arg in "$@"; do
  case $arg in
    --with-5m) extra_5m=1 ;;
    *) sizes+=("$arg") ;;
  esac
done
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
[ -n "${extra_5m:-}" ] && sizes+=(5000000)
rounds=${ACCORD_BENCH_ROUNDS:-10}
# ACCORD_BENCH_DATA=DIR keeps each generated log in DIR/log-N and reuses it
# when there (to compare two binaries on the same logs).
keep=${ACCORD_BENCH_DATA:-}
[ -z "$keep" ] || mkdir -p "$keep"
port=${ACCORD_BENCH_PORT:-18095}
base="http://127.0.0.1:$port"
export ACCORD_ADMIN_TOKEN=bench-token
auth="Authorization: Bearer $ACCORD_ADMIN_TOKEN"
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
work=$(mktemp -d "${ACCORD_BENCH_TMP:-${TMPDIR:-/tmp}}/bench-scale.XXXXXX")
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
api() { curl -sf -H "$auth" "$base$1"; }
# median URL: the median of $rounds answer times in ms, then the size in bytes.
median() {
  local out code time size times=()
  for _ in $(seq "$rounds"); do
    out=$(curl -s -o /dev/null -H "$auth" -w '%{http_code} %{time_total} %{size_download}' "$base$1")
    read -r code time size <<<"$out"
    # A failed answer is reported in the table, not taken for a latency.
    if [ "$code" != 200 ]; then echo "$1 answered $code" >&2; echo "($code) 0"; return; fi
    times+=("$time")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk -v size="$size" \
    '{ t[NR] = $1 * 1000 } END { printf "%.1f %d\n", t[int((NR + 1) / 2)], size }'
}
# once URL: one answer time in ms (followed by the status when not 200,
# e.g. a 503 past the server's request timeout).
once() {
  curl -s -o /dev/null -H "$auth" -w '%{http_code} %{time_total}' "$base$1" |
    awk '{ printf "%.1f", $2 * 1000; if ($1 != 200) printf " (%s)", $1 }'
}

echo "== machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== binary: $bin; rounds per latency: $rounds; $(date -u +%Y-%m-%dT%H:%MZ)"
summary=("| events | report all time (JSON / CSV / lineage=none) | one year | as_of first / repeated | agreement / history / exchanges | ready | RSS ready / after reads | bytes per event (snapshots apart) | generate: time, peak RSS |"
  "|---|---|---|---|---|---|---|---|---|")
for n in "${sizes[@]}"; do
  dir="${keep:-$work}/log-$n"
  if [ -n "$keep" ] && [ -f "$dir.events" ]; then
    echo "== $n events: the log kept in $dir"
    generated="(kept)"
  else
    # Room first: 3 KB per event covers a folder of data format 1 (2.1-2.6 KB
    # per event) and generation's transient files; format 2 takes less.
    need_kb=$((n * 3))
    free_kb=$(df -Pk "$(dirname "$dir")" | awk 'NR == 2 {print $4}')
    if [ "$free_kb" -lt "$need_kb" ]; then
      echo "== $n events: $((free_kb / 1024)) MiB free where $((need_kb / 1024)) MiB are needed; stopping" >&2
      exit 1
    fi
    echo "== $n events: accord generate --events $n (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    /usr/bin/time -f '%e %M' -o "$work/generate.time" "$bin" generate --data "$dir" --events "$n" 2>/dev/null \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])' >"$dir.events"
    read -r gen_s gen_kib <"$work/generate.time"
    echo "-- generated in $gen_s s, peak RSS $((gen_kib / 1024)) MiB (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    generated="$gen_s s, $((gen_kib / 1024)) MiB"
  fi
  events=$(cat "$dir.events")
  total=$(du -sb "$dir" | cut -f1)
  snaps=$(du -sb "$dir/snapshots" 2>/dev/null | cut -f1 || echo 0)
  per_event=$((total / events))
  per_event_log=$(((total - snaps) / events))
  echo "-- data folder: $total bytes for $events events: $per_event bytes per event, $per_event_log without the snapshots ($snaps bytes)"

  t0=$(date +%s.%N)
  "$bin" serve --data "$dir" --listen "127.0.0.1:$port" >/dev/null 2>"$work/serve.log" &
  server=$!
  until curl -sf "$base/readyz" >/dev/null; do
    kill -0 "$server" 2>/dev/null || { echo "accord serve stopped:" >&2; tail -5 "$work/serve.log" >&2; exit 1; }
    sleep 0.01
  done
  ready=$(echo "$(date +%s.%N) - $t0" | bc | awk '{printf "%.2f", $1}')
  rss_ready=$(rss_mib "$server")
  loaded=$(grep 'models loaded' "$work/serve.log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g; s/.*INFO//')
  echo "-- ready in $ready s, RSS $rss_ready MiB;$loaded"

  read -r agreement < <(api "/v1/agreements?limit=1000" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(max(items, key=lambda a: a.get("version", 0))["agreement_id"])')
  mid=$(api "/v1/events?limit=1&after=$((events / 2))" | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["items"][0]["recorded_at"]))')
  report=/v1/reports/cooperation
  read -r all all_size < <(median "$report")
  read -r year year_size < <(median "$report?from=2020-01-01&to=2020-12-31")
  as_of_first=$(once "$report?as_of=$mid")
  read -r as_of as_of_size < <(median "$report?as_of=$mid")
  read -r csv csv_size < <(median "$report?format=csv")
  read -r bare bare_size < <(median "$report?lineage=none")
  read -r page page_size < <(median "/v1/agreements/$agreement")
  read -r history history_size < <(median "/v1/agreements/$agreement/history")
  read -r listed listed_size < <(median "/v1/agreements/$agreement/exchanges")
  rss_after=$(rss_mib "$server")
  echo "-- report, all time: $all ms ($all_size bytes); as CSV: $csv ms ($csv_size bytes); lineage=none: $bare ms ($bare_size bytes)"
  echo "-- report, 2020: $year ms ($year_size bytes)"
  echo "-- report as_of the middle event: first $as_of_first ms, then $as_of ms ($as_of_size bytes)"
  echo "-- agreement $agreement: $page ms ($page_size bytes); history $history ms ($history_size bytes); exchanges $listed ms ($listed_size bytes)"
  echo "-- RSS after the reads: $rss_after MiB"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  summary+=("| $events | $all / $csv / $bare ms | $year ms | $as_of_first / $as_of ms | $page / $history / $listed ms | $ready s | $rss_ready / $rss_after MiB | $per_event ($per_event_log) | $generated |")
  [ -n "$keep" ] || rm -rf "$dir" "$dir.events"
done
echo
printf '%s\n' "${summary[@]}"
