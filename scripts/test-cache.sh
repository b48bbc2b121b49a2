#!/usr/bin/env bash
# npm run test:cache — the checkout service's shared-cache tests (services/checkout-api/test/cache/)
# against real Valkey-compatible servers: valkey-server when installed, else Debian's redis-server
# (installed with apt-get when neither is there and this runs as root). Each test file starts its
# own servers on free ports of 127.0.0.1 and stops them (some mid-test: the outage tests).
# Arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

find_server() {
  if [ -n "${VALKEY_BIN:-}" ]; then echo "$VALKEY_BIN"; return; fi
  command -v valkey-server || command -v redis-server || true
}

bin=$(find_server)
if [ -z "$bin" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test:cache needs valkey-server or redis-server: sudo apt-get install redis-server (or set VALKEY_BIN)" >&2
    exit 1
  fi
  echo "test:cache: installing Debian's redis-server (apt-get)"
  apt_log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    echo "test:cache: apt-get install redis-server failed" >&2
    exit 1
  fi
  rm -f "$apt_log"
  # The package starts a system service on 6379; the tests do not use it.
  bin=$(find_server)
fi
echo "test:cache: $("$bin" --version | head -n 1)"

export CHECKOUT_TEST_VALKEY_BIN="$bin"
npx jest -c services/checkout-api/jest.cache.config.js "$@"
