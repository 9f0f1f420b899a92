#!/usr/bin/env bash
# One run, one machine: durable RecordExchange throughput over HTTP with 64
# connections (and its p50/p99), the read path against /healthz, the
# server's memory, and the PostgreSQL baseline — the same event rows
# appended to a conventional events table by 64 pgbench clients with
# synchronous commit — then Accord's rate as a multiple of PostgreSQL's.
#
# Starts a release build on a fresh data folder with the demo, drives it
# with wrk, checks that the chain verifies, then runs pgbench on a fresh
# table (created and dropped here) in the `test` database of the local
# PostgreSQL, starting PostgreSQL if it is installed but down.
#
# Then the same commands against Accord on PostgreSQL (a fresh database per
# run, created and dropped here), with one node and with two nodes on the
# one database (the connections split between them): durable commands per
# second, p99, and the CPU the database's processes spent per command, as
# for the pgbench baseline.
#
# Usage: scripts/bench.sh [SECONDS] [CONNECTIONS]
# Environment: ACCORD_BENCH_PORT (18090), ACCORD_CACHE_MB (sled's cache),
# ACCORD_BENCH_PG ("postgresql://postgres@127.0.0.1:5432/test"; "off" skips it),
# ACCORD_BENCH_PG_NODES (the node counts to run on PostgreSQL, "1 2"; "" skips them),
# ACCORD_BIN (a binary to measure instead of this checkout's release build,
# e.g. an older build for a before/after comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-64}
port=${ACCORD_BENCH_PORT:-18090}
pg=${ACCORD_BENCH_PG:-postgresql://postgres@127.0.0.1:5432/test}
export ACCORD_ADMIN_TOKEN=bench-token

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
bin=${ACCORD_BIN:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
data=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data" "$data".*' EXIT
"$bin" serve --data "$data" --listen "127.0.0.1:$port" --demo >/dev/null 2>"$data.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

echo "== machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU ticks of the server's threads, grouped by name (sled-io-3 -> sled-io).
thread_ticks() {
  for task in /proc/"$server"/task/*; do
    echo "$(sed 's/-[0-9]*$//' "$task/comm" | tr ' ' _) $(cut -d')' -f2 "$task/stat" | awk '{print $12 + $13}')"
  done
}
thread_ticks >"$data.ticks0"
written0=$(awk '/^write_bytes/ {print $2}' /proc/"$server"/io)
head -1 /proc/stat >"$data.cpu0"
head_before=$(curl -s "http://127.0.0.1:$port/readyz" | sed 's/.*"position":\([0-9]*\).*/\1/')
echo "== durable RecordExchange: wrk -t2 -c$connections -d${seconds}s (script bench/record_exchange.lua)"
# `times` in the subshell: the CPU of its one child, wrk (the load's own cost).
( wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/record_exchange.lua "http://127.0.0.1:$port"
  times >"$data.times" ) | tee "$data.wrk"
accord_rate=$(awk '/Requests\/sec/ {print $2}' "$data.wrk")
head_after=$(curl -s "http://127.0.0.1:$port/readyz" | sed 's/.*"position":\([0-9]*\).*/\1/')
echo "== events appended: $((head_after - head_before))"
thread_ticks >"$data.ticks1"
written1=$(awk '/^write_bytes/ {print $2}' /proc/"$server"/io)
head -1 /proc/stat >"$data.cpu1"
echo "== server CPU per command, by thread (from /proc; $(getconf CLK_TCK) ticks/s)"
awk -v n=$((head_after - head_before)) -v hz="$(getconf CLK_TCK)" '
  NR == FNR { t[$1] -= $2; next } { t[$1] += $2 }
  END { for (k in t) { if (t[k] > 0) { printf "  %-16s %6.1f us\n", k, 1e6 * t[k] / hz / n; all += t[k] } }
        printf "  %-16s %6.1f us\n", "all", 1e6 * all / hz / n }' "$data.ticks0" "$data.ticks1" | sort -k2 -n -r
awk -v n="$(awk '/requests in/ {print $1}' "$data.wrk")" 'NR == 2 {
    split($1, u, /[ms]/); split($2, k, /[ms]/)
    printf "  %-16s %6.1f us per request (wrk itself, not the server)\n", "wrk", 1e6 * (60 * u[1] + u[2] + 60 * k[1] + k[2]) / n }' "$data.times"
echo "== bytes the server wrote to disk per command (sled, snapshots): $(( (written1 - written0) / (head_after - head_before) ))"
cat "$data.cpu0" "$data.cpu1" | awk '{ idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i }
  NR == 1 { i0 = idle; t0 = total } NR == 2 { printf "== the machine'"'"'s cores were busy %.0f %% of the run (wrk included)\n", 100 * (1 - (idle - i0) / (total - t0)) }'
curl -s -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$port/v1/audit/verify"; echo
echo "== /metrics: group commit, append (write to durable) and sync (flush + fdatasync) latency"
curl -s "http://127.0.0.1:$port/metrics" | awk '
  /^accord_batch_commands_(sum|count)/ { b[$1] = $2 }
  /^accord_append_duration_seconds_(sum|count)/ { a[$1] = $2 }
  /^accord_sync_duration_seconds_(sum|count)/ { s[$1] = $2 }
  END {
    printf "batches %d, mean %.1f commands per batch, mean append %.2f ms, mean sync %.2f ms\n",
      b["accord_batch_commands_count"], b["accord_batch_commands_sum"] / b["accord_batch_commands_count"],
      1000 * a["accord_append_duration_seconds_sum"] / a["accord_append_duration_seconds_count"],
      1000 * s["accord_sync_duration_seconds_sum"] / s["accord_sync_duration_seconds_count"] }'

agreement=0190f0a0-2013-7000-8000-000000002013
echo "== GET /healthz: wrk -t1 -c64 -d10s"
wrk -t1 -c64 -d10s "http://127.0.0.1:$port/healthz" | tee "$data.health" | grep -E 'Requests/sec|Latency'
echo "== GET /v1/agreements/{id} (an agreement with $((head_after - head_before)) exchanges): wrk -t1 -c64 -d10s"
wrk -t1 -c64 -d10s -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$port/v1/agreements/$agreement" | tee "$data.read" | grep -E 'Requests/sec|Latency'
awk -v h="$(awk '/Requests\/sec/ {print $2}' "$data.health")" '/Requests\/sec/ {r = $2} END {printf "== read path: %.0f %% of /healthz\n", 100 * r / h}' "$data.read"
echo "== server RSS: $(ps -o rss= -p $server) KiB after $head_after events (sled cache: ${ACCORD_CACHE_MB:-128} MiB)"
kill $server; wait $server 2>/dev/null || true

if [ "$pg" = off ]; then echo "== PostgreSQL: skipped (ACCORD_BENCH_PG=off)"; exit 0; fi
if ! command -v pgbench >/dev/null; then echo "== PostgreSQL: skipped (pgbench is not installed)"; exit 0; fi
if ! pg_isready -q -d "$pg" && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 50); do pg_isready -q -d "$pg" && break; sleep 0.2; done
fi
# CPU ticks of the database server: its live processes, and the backends
# that ended (the postmaster's children's ticks).
pg_ticks() {
  local postmaster
  postmaster=$(pgrep -o -x postgres)
  { for p in $(pgrep -x postgres); do cut -d')' -f2 "/proc/$p/stat" | awk '{print $12 + $13}'; done
    cut -d')' -f2 "/proc/$postmaster/stat" | awk '{print $14 + $15}'; } 2>/dev/null | awk '{t += $1} END {print t}'
}
pg_cpu() { # ticks before, ticks after, rows
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f us", 1e6 * (b - a) / hz / n}'
}
echo "== PostgreSQL baseline: $(psql "$pg" -Atc 'select version()' | cut -d, -f1), synchronous_commit=$(psql "$pg" -Atc 'show synchronous_commit'), fsync=$(psql "$pg" -Atc 'show fsync')"
psql "$pg" -q -f bench/pg_schema.sql 2>/dev/null
echo "pgbench -n -M prepared -c $connections -j 2 -T $seconds -D version=0 -f bench/pg_append.sql"
ticks0=$(pg_ticks)
pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -D version=0 -f bench/pg_append.sql "$pg" 2>&1 \
  | grep -E 'processed|failed|latency|tps' | tee "$data.pg"
ticks1=$(pg_ticks)
rows=$(psql "$pg" -Atc 'select count(*) from accord_bench_events')
psql "$pg" -Atc "select 'rows ' || count(*) || ', streams ' || count(distinct stream) || ', table ' || pg_size_pretty(pg_total_relation_size('accord_bench_events')) from accord_bench_events"
echo "== the database's CPU per insert: $(pg_cpu "$ticks0" "$ticks1" "$rows")"
psql "$pg" -q -c 'DROP TABLE accord_bench_events'
pg_rate=$(awk '/^tps/ {print $3}' "$data.pg")
awk -v a="$accord_rate" -v p="$pg_rate" 'BEGIN {printf "== Accord on sled %.0f durable commands/s vs PostgreSQL %.0f inserts/s: %.2fx\n", a, p, a / p}'

# Accord on PostgreSQL: NODES servers on one fresh database, the
# connections split between them, each driven by its own wrk.
on_postgresql() {
  local nodes=$1 database="accord_bench_$$_$1" url pids=() wrks=() n
  url=$(sed "s|/[^/]*$|/$database|" <<<"$pg")
  psql "$pg" -q -c "CREATE DATABASE $database"
  for n in $(seq "$nodes"); do
    mkdir -p "$data/pg-$n"
    # The first node loads the demo; the others find it in the database.
    "$bin" serve --database-url "$url" --data "$data/pg-$n" --listen "127.0.0.1:$((port + n))" \
      $([ "$n" = 1 ] && echo --demo) >/dev/null 2>"$data.pg-$n.log" &
    pids+=($!)
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$((port + n))/readyz" >/dev/null && break; sleep 0.1; done
  done
  local before after ticks0 ticks1
  before=$(psql "$url" -Atc 'select position from accord_head')
  ticks0=$(pg_ticks)
  echo "== Accord on PostgreSQL, $nodes node(s): wrk -t$((2 / nodes > 0 ? 2 / nodes : 1)) -c$((connections / nodes)) -d${seconds}s on each"
  for n in $(seq "$nodes"); do
    wrk -t$((2 / nodes > 0 ? 2 / nodes : 1)) -c$((connections / nodes)) -d"${seconds}s" --latency -s bench/record_exchange.lua \
      "http://127.0.0.1:$((port + n))" >"$data.pgwrk-$n" &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  ticks1=$(pg_ticks)
  after=$(psql "$url" -Atc 'select position from accord_head')
  for n in $(seq "$nodes"); do
    echo "  node $n: $(awk '/Requests\/sec/ {printf "%s commands/s", $2} /^p50_ms/ {printf ", %s", $0} /^non_2xx/ {printf ", %s", $0}' "$data.pgwrk-$n")"
  done
  awk '/Requests\/sec/ {r += $2} END {printf "  all nodes: %.0f durable commands/s\n", r}' "$data".pgwrk-*
  echo "  events appended $((after - before)); the database's CPU per command: $(pg_cpu "$ticks0" "$ticks1" "$((after - before))")"
  curl -s -H "Authorization: Bearer $ACCORD_ADMIN_TOKEN" "http://127.0.0.1:$((port + 1))/v1/audit/verify"; echo
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  rm -f "$data".pgwrk-*
  psql "$pg" -q -c "DROP DATABASE $database"
}
for nodes in ${ACCORD_BENCH_PG_NODES-1 2}; do on_postgresql "$nodes"; done
