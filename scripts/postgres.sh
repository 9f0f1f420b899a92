#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests of
# the PostgreSQL store (user postgres, no password from this machine), so
# that they run rather than fail: does nothing when one answers; otherwise
# installs Debian's postgresql when it is missing, lets the postgres user in
# from 127.0.0.1 and ::1 without a password (a test machine's server, not a
# production one), and starts the cluster with pg_ctlcluster. Tests that
# use another server name it in ACCORD_TEST_DATABASE_URL, and then this
# script is not needed.
set -euo pipefail

answers() {
  command -v psql >/dev/null \
    && psql "postgres://postgres@127.0.0.1:5432/postgres" -qAtc 'SELECT 1' >/dev/null 2>&1
}

if answers; then
  exit 0
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq postgresql; } \
    || { echo "could not install postgresql (apt-get), needed by the PostgreSQL store's tests" >&2; exit 1; }
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$version" main
fi
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q '^# accord tests' "$hba"; then
  { printf '# accord tests: postgres from this machine without a password\n'
    printf 'host all postgres 127.0.0.1/32 trust\n'
    printf 'host all postgres ::1/128 trust\n'
    cat "$hba"; } > "$hba.accord" && mv "$hba.accord" "$hba"
  chown postgres:postgres "$hba"
fi
if pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  pg_ctlcluster "$version" main reload
else
  pg_ctlcluster "$version" main start
fi

for _ in $(seq 1 30); do
  if answers; then
    exit 0
  fi
  sleep 1
done
echo "PostgreSQL $version does not answer on 127.0.0.1:5432" >&2
exit 1
