#!/usr/bin/env bash
# npm run deploy:check — every stack of the sandbox and prod profiles deployed to the local AWS
# endpoint with cdklocal, checked and destroyed (scripts/deploy-check/run.ts says what is checked):
#
#   1. start ../shared/aws-emulator (standing in for LocalStack) on a free port, state under $WORK;
#   2. node scripts/deploy-check/run.ts: synth, bootstrap, deploy, check, destroy, check, table;
#   3. stop the emulator — always, also on failure or Ctrl-C; on failure, its log's last lines.
#
# Settings: AWS_EMULATOR (default ../shared/aws-emulator/emulator), DEPLOY_CHECK_KEEP=1 (keep the
# work directory), and run.ts's DEPLOY_CHECK_* settings.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EMULATOR=${AWS_EMULATOR:-$ROOT/../shared/aws-emulator/emulator}
SECONDS=0

say() { printf 'deploy:check: %s\n' "$*"; }

[ -x "$EMULATOR" ] || { say "no emulator at $EMULATOR (set AWS_EMULATOR to its path)"; exit 1; }
[ -d node_modules/aws-cdk-local ] || { say "run npm ci first"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/securecart-deploy-check.XXXXXX")
# shellcheck source=lib/emulator.sh
source "$ROOT/scripts/lib/emulator.sh"
emulator_settings
export DEPLOY_CHECK_LOGS="$WORK/logs"
emulator_started=false

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$status" -ne 0 ] && [ -f "$AWS_EMULATOR_DIR/emulator.log" ]; then
    say "last lines of the emulator log ($AWS_EMULATOR_DIR/emulator.log):"
    grep -v 'HTTP/1.1" [23][0-9][0-9] -$' "$AWS_EMULATOR_DIR/emulator.log" | tail -n 30 | cut -c1-400 | sed 's/^/  | /'
  fi
  stop_emulator
  finish_run "$status" "${DEPLOY_CHECK_KEEP:-}"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting the emulator on 127.0.0.1:$AWS_EMULATOR_PORT"
start_emulator
node --import tsx scripts/deploy-check/run.ts
