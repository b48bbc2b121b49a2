#!/usr/bin/env bash
# npm run test:chaos [-- --matrix | --long] [-- runner options] — the order pipeline under injected AWS faults
# (docs/adr/0017; the runner and its checks: scripts/chaos/run.ts).
#
#   1. the local AWS endpoint: AWS_ENDPOINT_URL when set (it must offer the fault control API,
#      POST /_emulator/faults: ../shared/aws-emulator does; LocalStack does not), otherwise
#      ../shared/aws-emulator started on a free port with a private state directory;
#   2. npm run local:deploy  — the localstack profile (outputs in cdk.out/localstack-outputs.json);
#   3. the runner: faults on, orders with mixed test cards, faults off, invariants checked;
#   4. the emulator stopped if this script started it (its private state goes with it: nothing to
#      destroy), otherwise npm run local:destroy (also on failure).
#
# Short (default, CI, under 5 minutes): four rows of the outage matrix (SNS down at PublishPaid,
# DynamoDB down at RefundPayment: an undeliverable order, the saga after payment; SQS down at the
# PAID event's redelivery record, SNS failing PublishPaid for good first; EventBridge down at
# PutComplianceEvent: a declined order's compliance event), then one seed of mixed
# faults (12 % of DynamoDB writes, SNS publishes, EventBridge puts, Lambda invokes and task-token
# callbacks failing for 45 s, 30 orders of 10 customers).
# Matrix (--matrix): every row of the outage matrix, derived from the deployed template
# (scripts/chaos/matrix.ts): every Task state x every dependency it calls, down 100 % for the
# profile's workflow.ridesOutOutage (localstack: 60 s, its waits shortened five-fold) from the
# moment an order enters the state. About 10 minutes.
# Long (--long): the whole matrix, then three seeds of mixed faults. About 15 minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EMULATOR=${AWS_EMULATOR:-$ROOT/../shared/aws-emulator/emulator}
SECONDS=0
say() { printf 'test:chaos: %s\n' "$*"; }
phase() { printf '\n=== test:chaos: %s (%ss)\n' "$*" "$SECONDS"; }

SHORT=(--seeds 7 --orders 30 --customers 10 --fault-seconds 45 --matrix
  --only '^(sns@PublishPaid|dynamodb@RefundPayment|sqs@PublishPaidForRedelivery|events@PutComplianceEvent)$')
MATRIX=(--seeds '' --matrix)
LONG=(--seeds 7,11,23 --orders 30 --customers 10 --fault-seconds 45 --matrix)
args=("${SHORT[@]}")
case "${1:-}" in
  --long) args=("${LONG[@]}"); shift ;;
  --matrix) args=("${MATRIX[@]}"); shift ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/securecart-chaos.XXXXXX")
# shellcheck source=lib/emulator.sh
source "$ROOT/scripts/lib/emulator.sh"
emulator_started=false
deployed=false
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # An emulator this script started is stopped with its private state: destroying first only costs time.
  if $deployed && ! $emulator_started; then npm run -s local:destroy >"$WORK/destroy.log" 2>&1 || say "local:destroy failed: see $WORK/destroy.log"; fi
  stop_emulator
  finish_run "$status"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  [ -x "$EMULATOR" ] || { say "set AWS_ENDPOINT_URL, or AWS_EMULATOR to the emulator command"; exit 1; }
  emulator_settings
  phase "start the emulator on 127.0.0.1:$AWS_EMULATOR_PORT"
  start_emulator
else
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
fi
say "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"

phase "npm run local:deploy"
deployed=true
npm run -s local:deploy >"$WORK/deploy.log" 2>&1 || { tail -n 30 "$WORK/deploy.log"; exit 1; }

phase "chaos runner ${args[*]} $*"
node --import tsx scripts/chaos/run.ts "${args[@]}" "$@"
