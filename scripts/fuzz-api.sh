#!/usr/bin/env bash
# Drives every documented route of the real binary with schemathesis, from
# the served OpenAPI document, and fails on any finding.
#
#   scripts/fuzz-api.sh [path/to/accord]     (default: target/debug/accord)
#
# Starts `accord serve --demo` on a fresh data folder and a free port, with
# an admin token, and stops it afterwards. Bounded: ACCORD_FUZZ_EXAMPLES test
# cases per operation (default 25) and ACCORD_FUZZ_MAX_TIME seconds overall
# (default 150). Needs `schemathesis` on PATH (`.ci/run` installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/debug/accord}
examples=${ACCORD_FUZZ_EXAMPLES:-25}
max_time=${ACCORD_FUZZ_MAX_TIME:-150}
token="acc_fuzz_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# --webhook-paused: the fuzzer creates subscriptions to whatever URLs it
# invents; none may ever be contacted.
ACCORD_ADMIN_TOKEN="$token" "$binary" serve --demo --webhook-paused --data "$work/data" \
  --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

# The SSE stream never ends, so it is left to the black-box tests.
status=0
schemathesis run "$base/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --header "Authorization: Bearer $token" \
  --exclude-path /v1/events/stream \
  --max-examples "$examples" \
  --max-time "$max_time" \
  --request-timeout 20 \
  --seed 2013 \
  --workers 2 \
  --no-color \
  --warnings off || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (tail) ---"
  tail -n 50 "$work/server.log"
fi
exit "$status"
