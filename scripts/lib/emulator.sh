# Sourced by smoke-emulator.sh, chaos.sh and local-check.sh: the local AWS endpoint
# (../shared/aws-emulator, standing in for LocalStack) on a free port with a private state
# directory under the run's $WORK, and the last words of a run. The caller defines say(), sets
# ROOT, EMULATOR and WORK, and sets emulator_started=false before it installs its clean-up.

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Where the emulator keeps its state ($WORK/emulator), its port (AWS_EMULATOR_PORT or a free one)
# and the modules its Lambda handlers load.
emulator_settings() {
  export AWS_EMULATOR_DIR="$WORK/emulator"
  export AWS_EMULATOR_PORT=${AWS_EMULATOR_PORT:-$(free_port)}
  export AWS_EMULATOR_NODE_PATH="$ROOT/node_modules"
}

# Starts it and exports the client settings for this shell (the README's export line).
start_emulator() {
  emulator_started=true
  "$EMULATOR" start
  eval "$("$EMULATOR" env)"
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
}

stop_emulator() {
  if $emulator_started; then
    "$EMULATOR" stop || say "could not stop the emulator (pid file $AWS_EMULATOR_DIR/emulator.pid)"
  fi
}

# finish_run STATUS [KEEP]: FAILED with the work directory kept, or passed (the directory removed
# unless KEEP is 1).
finish_run() {
  local status=$1 keep=${2:-}
  if [ "$status" -ne 0 ]; then
    say "FAILED (exit $status) after ${SECONDS}s; work directory kept: $WORK"
  elif [ "$keep" = 1 ]; then
    say "passed in ${SECONDS}s; work directory kept: $WORK"
  else
    rm -rf "$WORK"
    say "passed in ${SECONDS}s"
  fi
}
