#!/usr/bin/env bash
# Runs every test of the project: unit, store, API (oneshot) and the
# black-box tests that start the real binary. Installs what the tests need
# besides the Rust toolchain: the Standard Webhooks reference verifier
# (`standardwebhooks` from PyPI), which tests/webhooks.rs runs through
# tests/webhooks/verify_delivery.py. tests/clients.rs installs its own
# client generators (a venv and an npm folder under target/tmp/clients) and
# needs python3, node and npm on PATH. Debian's Chromium and its WebDriver,
# which tests/console.rs drives, and strace, which tests/fsync_order.rs runs
# the server under, are installed when missing. tests/disk_full.rs mounts a
# tmpfs, so the tests run as root (as in CI). The PostgreSQL store's tests
# need a server on 127.0.0.1:5432: scripts/postgres.sh starts one (installing
# Debian's postgresql when missing) unless ACCORD_TEST_DATABASE_URL names one;
# the server binaries of that package are installed in any case, since
# tests/postgres.rs also runs a server of its own to restart it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "python3 is required by tests/webhooks.rs (the reference verifier)" >&2; exit 1; }
python3 -c 'import standardwebhooks' 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check standardwebhooks \
  || { echo "could not install the standardwebhooks Python package (pip)" >&2; exit 1; }
missing=()
{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || missing+=(chromium chromium-driver)
command -v strace >/dev/null || missing+=(strace)
# tests/postgres.rs restarts a PostgreSQL server of its own (initdb, pg_ctl),
# whichever server ACCORD_TEST_DATABASE_URL names.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } \
    || { echo "could not install ${missing[*]} (apt-get), needed by tests/console.rs, tests/fsync_order.rs and tests/postgres.rs" >&2; exit 1; }
fi
if [ -z "${ACCORD_TEST_DATABASE_URL:-}" ]; then
  bash scripts/postgres.sh || { echo "no PostgreSQL for the PostgreSQL store's tests" >&2; exit 1; }
fi
cargo test --workspace --all-targets "$@"
