#!/usr/bin/env bash
# npm run smoke:emulator — the README's "Local smoke run", exactly as a user runs it, against
# ../shared/aws-emulator standing in for LocalStack (CI has no Docker, so no LocalStack):
#
#   1. start the emulator on a free port with a private state directory (the user: docker compose up);
#   2. export the endpoint, region and test credentials (the user: the README's export line);
#   3. npm run local:deploy   — cdklocal bootstrap + deploy --all of the localstack profile,
#                               outputs in cdk.out/localstack-outputs.json;
#   4. npm run smoke          — the smoke suite, finding the stacks through DescribeStacks;
#      npm run e2e            — the browser journey in Chromium (skipped, saying so, without one);
#      verify:deploy's local mode on the same deployment (scripts/verify-deploy-local.sh --deployed);
#   5. npm run local:destroy  — cdklocal destroy --all;
#   6. stop the emulator — always, also on failure or Ctrl-C.
#
# Arguments are passed on to the suite (e.g. --order-timeout 120).
# Settings: AWS_EMULATOR (path to the emulator command; default ../shared/aws-emulator/emulator),
#   AWS_EMULATOR_PORT (default: a free port), SMOKE_KEEP=1 (keep the emulator's directory).
# Exit code: the first failing step's (the smoke suite's is non-zero on any failed check).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EMULATOR=${AWS_EMULATOR:-$ROOT/../shared/aws-emulator/emulator}
SECONDS=0

say() { printf 'smoke:emulator: %s\n' "$*"; }
phase() { printf '\n=== smoke:emulator: %s (%ss)\n' "$*" "$SECONDS"; }

[ -x "$EMULATOR" ] || { say "no emulator at $EMULATOR (set AWS_EMULATOR to its path)"; exit 1; }
[ -d node_modules/aws-cdk-local ] || { say "run npm ci first"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/securecart-smoke.XXXXXX")
# shellcheck source=lib/emulator.sh
source "$ROOT/scripts/lib/emulator.sh"
emulator_settings
emulator_started=false
deployed=false

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if $deployed && [ "$status" -ne 0 ]; then
    say "destroying after the failure (npm run local:destroy)"
    npm run -s local:destroy >"$WORK/destroy.log" 2>&1 || say "local:destroy failed too: see $WORK/destroy.log"
  fi
  stop_emulator
  if [ "$status" -ne 0 ] && [ -f "$AWS_EMULATOR_DIR/emulator.log" ]; then
    say "last lines of the emulator log ($AWS_EMULATOR_DIR/emulator.log):"
    grep -v 'HTTP/1.1" [23][0-9][0-9] -$' "$AWS_EMULATOR_DIR/emulator.log" | tail -n 30 | cut -c1-400 | sed 's/^/  | /'
  fi
  finish_run "$status" "${SMOKE_KEEP:-}"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "start the emulator on 127.0.0.1:$AWS_EMULATOR_PORT (standing in for: docker compose up -d --wait)"
# Then the README's `export AWS_ENDPOINT_URL=... AWS_REGION=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...`.
start_emulator
say "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_REGION=${AWS_REGION:-}"

phase "npm run local:deploy"
deployed=true
npm run -s local:deploy

phase "npm run smoke"
npm run -s smoke -- "$@"

# The browser journey against the same deployment (README, "Browser journey"): Debian's Chromium
# or CHROMIUM_PATH, exactly as `npm run e2e` looks for it.
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$chromium" ]; then
  phase "npm run e2e"
  npm run -s e2e
else
  phase "npm run e2e SKIPPED: no Chromium at $chromium (apt-get install -y chromium, or set CHROMIUM_PATH)"
fi

# verify:deploy's local mode on the same deployment (what npm run verify:deploy:local runs after
# its own deploy): stack outputs, tables, queues, orders to FULFILLED and CANCELLED, the token search.
phase "verify:deploy's local mode (scripts/verify-deploy-local.sh --deployed --profile localstack)"
bash scripts/verify-deploy-local.sh --deployed --profile localstack

phase "npm run local:destroy"
npm run -s local:destroy
deployed=false
