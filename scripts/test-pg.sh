#!/usr/bin/env bash
# npm run test:pg — the checkout service's tests against a real PostgreSQL server, with truly
# concurrent connections (PGlite, which `npm test` uses, serialises every transaction).
#
# Starts a throw-away PostgreSQL (Debian's postgresql package: installed with apt-get when absent
# and this runs as root) on a free port of 127.0.0.1, as the `postgres` user when run as root (the
# server refuses root), runs the service's jest project against it — every service test, plus the
# concurrency tests that need a real server (services/checkout-api/test/pg/) — and removes the
# server and its data at the end, whatever happened. Arguments go to jest.
#   PG_BIN=/usr/lib/postgresql/15/bin npm run test:pg -- test/pg
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/postgres" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test:pg needs PostgreSQL's server binaries: sudo apt-get install postgresql (or set PG_BIN)" >&2
    exit 1
  fi
  echo "test:pg: installing Debian's postgresql (apt-get)"
  apt_log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    echo "test:pg: apt-get install postgresql failed" >&2
    exit 1
  fi
  rm -f "$apt_log"
  pg_bin=$(find_pg_bin)
fi

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/securecart-pg.XXXXXX")
chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown postgres "$work"
data="$work/data"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")

stop() {
  as_server_user "$pg_bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

as_server_user "$pg_bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# Throw-away data: no fsync. Enough connections for every test file's pools at once.
as_server_user "$pg_bin/pg_ctl" -D "$data" -l "$work/server.log" -w -o \
  "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
echo "test:pg: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export CHECKOUT_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
status=0
npx jest -c services/checkout-api/jest.pg.config.js "$@" || status=$?
if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
  echo "--- PostgreSQL server log (last 30 lines) ---" >&2
  tail -n 30 "$work/server.log" >&2
fi
exit "$status"
