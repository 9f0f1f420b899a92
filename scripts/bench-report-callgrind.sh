#!/usr/bin/env bash
# The report's cost in instructions (docs/PERFORMANCE.md, "The report's
# cost per answer byte", ADR 0060): `accord serve` under callgrind on a
# data folder (instrumentation off while it starts), then for each request
# of `GET /v1/reports/cooperation` (all time with its lineage,
# `lineage=none`, CSV, 2020, `as_of` the log's middle event with and
# without its lineage): one warming request, then ROUNDS requests counted,
# and the instructions per request with the answer's bytes. Instruction
# counts do not move with the machine's load, so two binaries compare on a
# shared machine.
#
# Usage: scripts/bench-report-callgrind.sh BIN DATA_FOLDER EVENTS [ROUNDS]
#        (EVENTS: how many events the folder holds, to find its middle;
#        ROUNDS default 5; port from ACCORD_BENCH_PORT, default 18096).
#        Serve a copy of a shared folder, never the folder itself.
set -euo pipefail
bin=$1 data=$2 events=$3 rounds=${4:-5}
port=${ACCORD_BENCH_PORT:-18096}
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-report.XXXXXX")
export ACCORD_ADMIN_TOKEN=bench-token
auth="Authorization: Bearer $ACCORD_ADMIN_TOKEN"
base="http://127.0.0.1:$port"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/cg.out" \
  "$bin" serve --data "$data" --listen "127.0.0.1:$port" >/dev/null 2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$out"' EXIT
until curl -sf "$base/readyz" >/dev/null; do sleep 0.5; done
mid=$(curl -sf -H "$auth" "$base/v1/events?limit=1&after=$((events / 2))" | python3 -c \
  'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["items"][0]["recorded_at"]))')
r=/v1/reports/cooperation
urls=("$r" "$r?lineage=none" "$r?format=csv" "$r?from=2020-01-01&to=2020-12-31"
  "$r?as_of=$mid" "$r?as_of=$mid&lineage=none")
echo "== $bin on $data ($events events), $rounds requests each, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| request | instructions per request | answer bytes | instructions per byte |"
echo "|---|---|---|---|"
i=0
for u in "${urls[@]}"; do
  size=$(curl -s -o /dev/null -H "$auth" -w '%{size_download}' "$base$u")
  callgrind_control -i on "$server" >/dev/null
  callgrind_control -z "$server" >/dev/null
  for _ in $(seq "$rounds"); do curl -s -o /dev/null -H "$auth" "$base$u"; done
  callgrind_control -d "request$i" "$server" >/dev/null
  callgrind_control -i off "$server" >/dev/null
  dump=$(ls -t "$out"/cg.out* | head -1)
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
  echo "| ${u#"$r"} | $((ir / rounds)) | $size | $(echo "scale=1; $ir / $rounds / $size" | bc) |"
  i=$((i + 1))
done
