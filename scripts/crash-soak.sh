#!/usr/bin/env bash
# N rounds of the kill -9 harness (tests/crash_harness.rs): each round runs
# the real binary under eight concurrent clients, kills it with SIGKILL at a
# random moment, restarts it and compares every acknowledged command's
# stored events with its answer and with what was sent. Prints each round
# and, last, the totals: acknowledged and "maybe acknowledged" (answer cut
# off by the kill) commands, and the lost, duplicated and torn ones (all
# three must be 0; the run fails otherwise, naming the seed to replay with
# ACCORD_CRASH_SEED). docs/PERFORMANCE.md reports a 1,000-round run.
#
# Usage: scripts/crash-soak.sh [N]   (default 1000; CI runs 20 within scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1000}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
status=0
ACCORD_CRASH_ROUNDS=$rounds cargo test --quiet --test crash_harness -- --nocapture 2>&1 | tee "$log" \
  | grep -E '^(round|  acknowledged|crash rounds)' || true
grep -q '^test result: ok' "$log" || status=1
echo "== $(grep '^crash rounds=' "$log" || echo 'no totals: the harness failed before its end') in $(( $(date +%s) - start )) s"
[ $status = 0 ] || { grep -A20 'panicked' "$log" >&2; echo "FAILED" >&2; }
exit $status
