#!/usr/bin/env bash
# npm run smoke:emulator — the LocalStack smoke suite, proven against ../shared/aws-emulator
# (for machines where LocalStack cannot run):
#
#   1. synthesize the `localstack` profile into a private directory;
#   2. start the emulator on a free port with a private state directory;
#   3. deploy SecureCart-localstack-Data and -Pipeline with the emulator's `deploy` command;
#   4. run the same smoke suite (test/smoke/run.ts) against it, with the outputs `deploy` printed;
#   5. stop the emulator — always, also on failure or Ctrl-C.
#
# Arguments are passed on to the suite (e.g. --order-timeout 120).
# Settings: AWS_EMULATOR (path to the emulator command; default ../shared/aws-emulator/emulator),
#   AWS_EMULATOR_PORT (default: a free port), SMOKE_KEEP=1 (keep the work directory).
# Exit code: the smoke suite's (non-zero on any failed check), or 1 if a step before it fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EMULATOR=${AWS_EMULATOR:-$ROOT/../shared/aws-emulator/emulator}
PROFILE=localstack
STACKS=("SecureCart-$PROFILE-Data" "SecureCart-$PROFILE-Pipeline")
SECONDS=0

say() { printf 'smoke:emulator: %s\n' "$*"; }
phase() { printf '\n=== smoke:emulator: %s (%ss)\n' "$*" "$SECONDS"; }

[ -x "$EMULATOR" ] || { say "no emulator at $EMULATOR (set AWS_EMULATOR to its path)"; exit 1; }
[ -d node_modules/aws-cdk ] || { say "run npm ci first"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/securecart-smoke.XXXXXX")
free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
export AWS_EMULATOR_DIR="$WORK/emulator"
export AWS_EMULATOR_PORT=${AWS_EMULATOR_PORT:-$(free_port)}
export AWS_EMULATOR_NODE_PATH="$ROOT/node_modules"
emulator_started=false

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if $emulator_started; then
    "$EMULATOR" stop || say "could not stop the emulator (pid file $AWS_EMULATOR_DIR/emulator.pid)"
  fi
  if [ "$status" -ne 0 ]; then
    if [ -f "$AWS_EMULATOR_DIR/emulator.log" ]; then
      say "last lines of the emulator log ($AWS_EMULATOR_DIR/emulator.log):"
      grep -v 'HTTP/1.1" [23][0-9][0-9] -$' "$AWS_EMULATOR_DIR/emulator.log" | tail -n 30 | cut -c1-400 | sed 's/^/  | /'
    fi
    say "FAILED (exit $status) after ${SECONDS}s; work directory kept: $WORK"
  elif [ "${SMOKE_KEEP:-}" = 1 ]; then
    say "passed in ${SECONDS}s; work directory kept: $WORK"
  else
    rm -rf "$WORK"
    say "passed in ${SECONDS}s"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "synth profile $PROFILE"
if ! CDK_DISABLE_CLI_TELEMETRY=true CDK_VALIDATION=false npx --no-install cdk synth --no-notices -q \
  -c profile="$PROFILE" -o "$WORK/cdk.out" >"$WORK/synth.log" 2>&1; then
  grep -v '^npm warn' "$WORK/synth.log" | tail -n 40
  exit 1
fi
npx --no-install tsx scripts/emulator-workarounds.ts "$WORK/cdk.out"

phase "start emulator on 127.0.0.1:$AWS_EMULATOR_PORT"
emulator_started=true
"$EMULATOR" start
eval "$("$EMULATOR" env)"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

phase "deploy ${STACKS[*]}"
if ! "$EMULATOR" deploy "$WORK/cdk.out" "${STACKS[@]}" >"$WORK/outputs.json" 2>"$WORK/deploy.log"; then
  cat "$WORK/deploy.log"
  exit 1
fi
grep -v '^  asset ' "$WORK/deploy.log" || true

phase "smoke suite"
npx --no-install tsx test/smoke/run.ts --outputs "$WORK/outputs.json" --profile "$PROFILE" "$@"
