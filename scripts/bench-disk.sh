#!/usr/bin/env bash
# Disk per event (docs/PERFORMANCE.md, "Disk per event"; issue 17 item 4).
#
# For each size N: a fresh log from `accord generate --events N` (the real
# write path: group commits, snapshots), then, with the log stopped,
# `examples/disk_usage` on it: the folder's files in bytes on disk (as `du`
# counts them) per event, and the records of the log's sled tree by kind
# (event, stream index, command record, ...) with the bytes of their keys
# and values per event, and sled's `db` file against their sum; then
# `examples/sled_segments` on the same folder: where sled's file goes (live
# pages, superseded copies not yet reclaimed, empty space, by kind of page,
# ADR 0055). Then the
# same log exported (`accord export`: one NDJSON line per event, the
# canonical bytes) and imported into a new folder (`accord import`, the
# migration between data formats), and that folder's bytes per event.
#
# Usage: [ACCORD_BIN=path] [ACCORD_DISK_USAGE=path] [ACCORD_SLED_SEGMENTS=path]
#        scripts/bench-disk.sh [N...]
#        default N: 100000. ACCORD_BIN: the accord binary to measure
#        (default: this checkout's release build); ACCORD_DISK_USAGE: the
#        disk_usage example built with the same store (default: this
#        checkout's); ACCORD_SLED_SEGMENTS: the sled_segments example
#        (default: this checkout's; it reads any data format). Work files
#        go under ACCORD_BENCH_TMP (default $TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=()
for arg in "$@"; do
  case $arg in
    '' | *[!0-9]*) echo "usage: scripts/bench-disk.sh [EVENTS...] (numbers only; got '$arg')" >&2; exit 2 ;;
    *) sizes+=("$arg") ;;
  esac
done
[ ${#sizes[@]} -eq 0 ] && sizes=(100000)
bin=${ACCORD_BIN:-}
usage=${ACCORD_DISK_USAGE:-}
if [ -z "$bin" ]; then cargo build --release -p accord --quiet; bin=./target/release/accord; fi
segments=${ACCORD_SLED_SEGMENTS:-}
if [ -z "$usage" ]; then
  cargo build --release -p accord-store --example disk_usage --quiet
  usage=./target/release/examples/disk_usage
fi
if [ -z "$segments" ]; then
  cargo build --release -p accord-store --example sled_segments --quiet
  segments=./target/release/examples/sled_segments
fi
work=$(mktemp -d "${ACCORD_BENCH_TMP:-${TMPDIR:-/tmp}}/bench-disk.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ACCORD_ADMIN_TOKEN=bench-token

echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== binary: $bin"
for n in "${sizes[@]}"; do
  data="$work/log-$n"
  echo
  echo "== accord generate --events $n"
  "$bin" generate --data "$data" --events "$n"
  events=$("$usage" "$data" | tee "$work/usage-$n" | awk 'NR == 1 {print $1}')
  echo "== du -sb: $(du -sb "$data" | cut -f1) bytes apparent, du -sk: $(du -sk "$data" | cut -f1) KiB on disk"
  echo "== the generated log, $events events"
  cat "$work/usage-$n"
  echo
  echo "== where sled's file goes (sled_segments)"
  "$segments" "$data" "$events"
  "$bin" export --data "$data" --out "$work/export-$n.ndjson" >/dev/null
  export_bytes=$(stat -c %s "$work/export-$n.ndjson")
  gzip_bytes=$(gzip -c "$work/export-$n.ndjson" | wc -c)
  echo
  echo "== accord export: $((export_bytes / events)) bytes per event ($((gzip_bytes / events)) gzipped)"
  rm -rf "$data"
  "$bin" import --data "$data" "$work/export-$n.ndjson" >/dev/null
  rm -f "$work/export-$n.ndjson"
  echo "== the same log imported into a new folder (accord import)"
  "$usage" "$data"
  rm -rf "$data"
done
