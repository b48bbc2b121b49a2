#!/usr/bin/env bash
# npm run local:check — `npm run local` end to end, as a user runs it, against ../shared/aws-emulator
# standing in for LocalStack (CI has no Docker):
#
#   1. start the emulator on a free port with a private state directory (the user: docker compose up);
#   2. cold: `npm run local` in a session of its own (setsid), with its .local directory in a
#      temporary one; wait for the printed URL (the time is reported);
#   3. the browser journey against that URL (test/e2e/local-journey.ts): sign in through the local
#      sign-in, order with the approving test card, FULFILLED;
#   4. SIGINT to the session's process group (what Ctrl-C does); npm run local must end within 30 s
#      and leave no process of that group behind;
#   5. warm: `npm run local` again — it must not deploy again — then the journey finds the order from
#      step 3 in the history (orders survive a restart); SIGINT and the same checks;
#   6. stop the emulator — always, also on failure or Ctrl-C.
#
# Settings: AWS_EMULATOR (default ../shared/aws-emulator/emulator), CHROMIUM_PATH (default
# /usr/bin/chromium), LOCAL_CHECK_KEEP=1 (keep the work directory).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EMULATOR=${AWS_EMULATOR:-$ROOT/../shared/aws-emulator/emulator}
CUSTOMER_EMAIL=ada@example.com
CUSTOMER_PASSWORD=local-dev-ada # scripts/local/customers.ts: a local development sign-in's test customer
SECONDS=0

say() { printf 'local:check: %s\n' "$*"; }
phase() { printf '\n=== local:check: %s (%ss)\n' "$*" "$SECONDS"; }
fail() { say "FAILED: $*"; exit 1; }

[ -x "$EMULATOR" ] || fail "no emulator at $EMULATOR (set AWS_EMULATOR to its path)"
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || fail "no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium} (apt-get install -y chromium, or set CHROMIUM_PATH)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/securecart-local-check.XXXXXX")
# shellcheck source=lib/emulator.sh
source "$ROOT/scripts/lib/emulator.sh"
emulator_settings
export SECURECART_LOCAL_DIR="$WORK/local"
emulator_started=false
group="" # the process group (= session) of the running `npm run local`

# Live members of a process group (an exited child not yet reaped, state Z, is not running).
group_members() { ps -o pid=,stat= -g "$1" 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }' || true; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$group" ] && [ -n "$(group_members "$group")" ]; then
    say "stopping npm run local (process group $group)"
    kill -TERM -- "-$group" 2>/dev/null || true
    sleep 5
    kill -KILL -- "-$group" 2>/dev/null || true
  fi
  stop_emulator
  finish_run "$status" "${LOCAL_CHECK_KEEP:-}"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts `npm run local` in a new session; waits for the URL. Sets $group, $url, $ready_seconds.
start_local() {
  local name=$1 log="$WORK/$1.log" begun
  begun=$(date +%s%N)
  setsid npm run -s local >"$log" 2>&1 &
  group=$!
  url=""
  for _ in $(seq 1 6000); do # 10 min
    url=$(sed -n 's/^Open the shop: \(http[^ ]*\)$/\1/p' "$log" | head -n 1)
    [ -n "$url" ] && break
    if ! kill -0 "$group" 2>/dev/null; then
      tail -n 40 "$log" | sed 's/^/  | /'
      fail "npm run local ($name) exited before printing the URL (log $log)"
    fi
    sleep 0.1
  done
  [ -n "$url" ] || { tail -n 40 "$log" | sed 's/^/  | /'; fail "npm run local ($name) printed no URL within 10 min"; }
  ready_seconds=$(node -e 'console.log(((Number(process.argv[1]) - Number(process.argv[2])) / 1e9).toFixed(1))' "$(date +%s%N)" "$begun")
  grep '^\[local\]' "$log" | sed 's/^/  | /'
  say "$name: $url printed ${ready_seconds}s after npm run local started"
}

# SIGINT to the group, as Ctrl-C; checks that npm run local ends and nothing of the group is left.
interrupt_local() {
  local name=$1 members
  kill -INT -- "-$group"
  for _ in $(seq 1 300); do
    kill -0 "$group" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$group" 2>/dev/null && fail "npm run local ($name) still running 30 s after SIGINT"
  for _ in $(seq 1 50); do # a process that is exiting gets 5 s
    members=$(group_members "$group")
    [ -z "$members" ] && break
    sleep 0.1
  done
  if [ -n "$members" ]; then
    ps -o pid,cmd -g "$group" | sed 's/^/  | /'
    fail "processes of npm run local ($name) left after SIGINT: $(echo "$members" | tr '\n' ' ')"
  fi
  grep -q '^\[local\] *stopped$' "$WORK/$name.log" || fail "npm run local ($name) did not report that it stopped"
  say "$name: SIGINT → stopped; no process of its group (pgid $group) left"
  group=""
}

phase "start the emulator on 127.0.0.1:$AWS_EMULATOR_PORT (standing in for: docker compose up -d --wait)"
start_emulator

phase "npm run local (cold: deploys, seeds, creates the database)"
start_local cold
cold_seconds=$ready_seconds
grep -q 'deploying the localstack profile' "$WORK/cold.log" || fail "the cold run did not deploy"

phase "browser journey: sign in, order, FULFILLED"
node --import tsx test/e2e/local-journey.ts --url "$url" --email "$CUSTOMER_EMAIL" --password "$CUSTOMER_PASSWORD" |
  tee "$WORK/journey-cold.log"
order=$(sed -n 's/^local-journey: order \([^ ]*\) FULFILLED$/\1/p' "$WORK/journey-cold.log")
[ -n "$order" ] || fail "the journey reported no fulfilled order"

phase "Ctrl-C (SIGINT to the process group)"
interrupt_local cold

phase "npm run local again (warm: reuses the deployment and the data)"
start_local warm
warm_seconds=$ready_seconds
grep -q 'deployment up to date' "$WORK/warm.log" || fail "the warm run deployed again"

phase "browser journey: the order from before the restart is still there"
node --import tsx test/e2e/local-journey.ts --url "$url" --email "$CUSTOMER_EMAIL" --password "$CUSTOMER_PASSWORD" \
  --expect-order "$order"

phase "Ctrl-C again"
interrupt_local warm

say "to the URL: cold ${cold_seconds}s, warm ${warm_seconds}s"
