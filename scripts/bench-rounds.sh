#!/usr/bin/env bash
# scripts/bench.sh several times in a row, then the median of Accord's
# rate, PostgreSQL's rate and their ratio. On a small shared machine one
# run's ratio moves with PostgreSQL's own spread (17,600-26,300 inserts/s
# within one hour here, docs/PERFORMANCE.md): the median of a few rounds,
# each with its own fresh folder, server and table, is the figure to quote.
#
# Usage: scripts/bench-rounds.sh [ROUNDS] [SECONDS] [CONNECTIONS]
# (defaults 5, 15, 64). Environment: as scripts/bench.sh (ACCORD_BIN, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-15}
connections=${3:-64}
if [ -z "${ACCORD_BIN:-}" ]; then
  cargo build --release -p accord --quiet
  export ACCORD_BIN=./target/release/accord
fi
results=$(mktemp)
out=$(mktemp)
trap 'rm -f "$results" "$out"' EXIT
for round in $(seq "$rounds"); do
  echo "######## round $round of $rounds"
  scripts/bench.sh "$seconds" "$connections" >"$out" 2>&1 || { cat "$out"; exit 1; }
  cat "$out"
  awk '/^== Accord [0-9]+ durable commands\/s vs PostgreSQL/ { sub(/x$/, "", $10); print $3, $8, $10 }' "$out" >>"$results"
done
echo "######## $rounds rounds: Accord commands/s, PostgreSQL inserts/s, ratio"
cat "$results"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '== median: Accord %s commands/s, PostgreSQL %s inserts/s, ratio %sx\n' \
  "$(cut -d' ' -f1 "$results" | median)" \
  "$(cut -d' ' -f2 "$results" | median)" \
  "$(cut -d' ' -f3 "$results" | median)"
