#!/usr/bin/env bash
# npm run verify:deploy:local — verify:deploy's local mode on the local AWS endpoint
# (../shared/aws-emulator standing in for LocalStack), for CI:
#
#   1. start the emulator on a free port with a private state directory;
#   2. npm run local:deploy   — the localstack profile (Data, Pipeline);
#   3. npm run verify:deploy -- --profile localstack --endpoint $AWS_ENDPOINT_URL --allow-known-gaps
#      (stack outputs, tables, queues, orders sent to orders.fifo reaching FULFILLED and CANCELLED
#      on the order-status queue, alarms, the execution history and log searched for the token;
#      the checks the endpoint cannot host print SKIP with the reason);
#   4. npm run local:destroy; 5. stop the emulator — always, also on failure or Ctrl-C.
#
# Against a deployment that already runs (e.g. after deploy:check's deploy of the sandbox profile):
#   AWS_ENDPOINT_URL=... scripts/verify-deploy-local.sh --deployed --profile sandbox
# runs step 3 alone with the given options. Other arguments go to verify:deploy.
# Settings: AWS_EMULATOR (default ../shared/aws-emulator/emulator), AWS_EMULATOR_PORT, VERIFY_KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'verify:deploy:local: %s\n' "$*"; }
phase() { printf '\n=== verify:deploy:local: %s (%ss)\n' "$*" "$SECONDS"; }
SECONDS=0

if [ "${1:-}" = --deployed ]; then
  shift
  [ -n "${AWS_ENDPOINT_URL:-}" ] || { say "--deployed needs AWS_ENDPOINT_URL (the running endpoint)"; exit 2; }
  exec npm run -s verify:deploy -- --endpoint "$AWS_ENDPOINT_URL" --allow-known-gaps "$@"
fi

EMULATOR=${AWS_EMULATOR:-$ROOT/../shared/aws-emulator/emulator}
[ -x "$EMULATOR" ] || { say "no emulator at $EMULATOR (set AWS_EMULATOR to its path)"; exit 1; }
[ -d node_modules/aws-cdk-local ] || { say "run npm ci first"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/securecart-verify.XXXXXX")
# shellcheck source=lib/emulator.sh
source "$ROOT/scripts/lib/emulator.sh"
emulator_settings
emulator_started=false
deployed=false

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if $deployed; then
    say "npm run local:destroy"
    npm run -s local:destroy >"$WORK/destroy.log" 2>&1 || { say "local:destroy failed: see $WORK/destroy.log"; [ "$status" -ne 0 ] || status=1; }
  fi
  stop_emulator
  if [ "$status" -ne 0 ] && [ -f "$AWS_EMULATOR_DIR/emulator.log" ]; then
    say "last lines of the emulator log ($AWS_EMULATOR_DIR/emulator.log):"
    grep -v 'HTTP/1.1" [23][0-9][0-9] -$' "$AWS_EMULATOR_DIR/emulator.log" | tail -n 30 | cut -c1-400 | sed 's/^/  | /'
  fi
  finish_run "$status" "${VERIFY_KEEP:-}"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "start the emulator on 127.0.0.1:$AWS_EMULATOR_PORT"
start_emulator

phase "npm run local:deploy"
deployed=true
npm run -s local:deploy >"$WORK/deploy.log" 2>&1 || { say "local:deploy failed: see $WORK/deploy.log"; tail -n 30 "$WORK/deploy.log"; exit 1; }

phase "npm run verify:deploy -- --profile localstack --endpoint $AWS_ENDPOINT_URL --allow-known-gaps $*"
npm run -s verify:deploy -- --profile localstack --endpoint "$AWS_ENDPOINT_URL" --allow-known-gaps --order-timeout 120 "$@"
