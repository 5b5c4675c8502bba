# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Variables set here for the tests to read look unused to shellcheck.
# shellcheck disable=SC2034
# Library for boothd's integration tests. Each test is one bash script (one meson test)
# that sources this file, calls booth_harness_init, and then starts what it needs: a
# private dbus-daemon (booth_bus_start) and the real boothd (booth_daemon_start), which it
# drives with boothctl (ctl) and with independent clients (bctl: busctl, gcall: gdbus).
# Everything lives in $WORK and is stopped on exit, however the test ends.
#
# Environment: BOOTHCTL, BOOTH_SOURCE_ROOT (always), BOOTHD (for booth_daemon_start),
# BOOTH_BUILD_ROOT; optional BOOTH_FRAMES, BOOTH_CONFIG (daemon inputs) and BOOTH_KEEP=1
# (keep $WORK for inspection).
#
# A test stops at its first failure: assertions call fail, and any other command that
# fails ends the test through set -e with the failing command and line printed.

BOOTH_BUS_NAME=org.boothd.Booth1
BOOTH_OBJECT_PATH=/org/boothd/Booth1
BOOTH_INTERFACE=org.boothd.Booth1

# Set by the functions below; read by tests.
WORK=
BUS_ADDR=
BUS_PID=
BOOTHD_PID=
BOOTHD_STATUS=
WATCH_PID=
# Set by expect_exit / expect_fail_with: the command's exit status, stdout and stderr.
STATUS=
OUT=
ERR=

BOOTH__CHECKS=0

booth__log() {
  printf '%s\n' "$*" >&2
}

# booth_harness_init: strict mode, $WORK (a fresh temporary directory), cleanup on exit.
booth_harness_init() {
  set -Eeuo pipefail
  : "${BOOTHCTL:?BOOTHCTL must be the path of the built boothctl}"
  : "${BOOTH_SOURCE_ROOT:?BOOTH_SOURCE_ROOT must be the source tree}"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/boothd-test.XXXXXX")
  export WORK
  trap booth__cleanup EXIT
  trap 'booth__on_error $? $LINENO "$BASH_COMMAND"' ERR
  # A signal still runs the EXIT trap, so nothing outlives an interrupted test.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  echo "# $(basename "$0"): work directory $WORK"
}

booth__on_error() {
  local where="line $2" i
  # The failing command may sit in a harness function: name the test line that called it.
  for ((i = 1; i < ${#FUNCNAME[@]} - 1; i++)); do
    where+=" in ${FUNCNAME[i]}, called from $(basename "${BASH_SOURCE[i + 1]}"):${BASH_LINENO[i]}"
  done
  booth__log "FAIL - command failed with status $1 at $where: $3"
}

# True while pid runs (a zombie is not running).
booth__alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# booth__wait_gone PID TIMEOUT_S: true once pid has exited, false on timeout.
booth__wait_gone() {
  local deadline=$((SECONDS + $2))
  while booth__alive "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# booth__stop_process PID: SIGTERM, 5 s grace, then SIGKILL; reaps it.
booth__stop_process() {
  kill -TERM "$1" 2>/dev/null || true
  if ! booth__wait_gone "$1" 5; then
    booth__log "# pid $1 ignored SIGTERM for 5 s; killing it"
    kill -KILL "$1" 2>/dev/null || true
  fi
  wait "$1" 2>/dev/null || true
}

booth__cleanup() {
  local status=$?
  set +e
  trap - ERR
  if [[ -n $WATCH_PID ]]; then
    booth__stop_process "$WATCH_PID"
  fi
  if [[ -n $BOOTHD_PID ]]; then
    booth__stop_process "$BOOTHD_PID"
  fi
  if [[ -n $BUS_PID ]]; then
    booth__stop_process "$BUS_PID"
  fi
  if ((status != 0)) && [[ -s $WORK/boothd.log ]]; then
    booth__log "--- last 80 lines of $WORK/boothd.log ---"
    tail -n 80 "$WORK/boothd.log" >&2
    booth__log "---"
  fi
  if ((status == 0)); then
    echo "# $(basename "$0"): all $BOOTH__CHECKS checks passed"
  fi
  if [[ ${BOOTH_KEEP:-0} == 1 ]]; then
    booth__log "# kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}

# booth_bus_start: a private dbus-daemon on unix:path=$WORK/bus that allows everything,
# with no service files, so a name nobody owns answers ServiceUnknown. Exports BUS_ADDR and
# DBUS_SESSION_BUS_ADDRESS; BUS_PID is its pid. Fails unless it answers within 10 s.
booth_bus_start() {
  local deadline
  cat >"$WORK/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$WORK/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
CONF
  : >"$WORK/bus.address"
  dbus-daemon --config-file="$WORK/bus.conf" --nofork --print-address=3 \
    3>"$WORK/bus.address" 2>"$WORK/bus.log" &
  BUS_PID=$!

  deadline=$((SECONDS + 10))
  while [[ ! -s $WORK/bus.address ]]; do
    booth__alive "$BUS_PID" || { cat "$WORK/bus.log" >&2; fail "dbus-daemon exited at start"; }
    ((SECONDS < deadline)) || fail "dbus-daemon printed no address within 10 s"
    sleep 0.05
  done
  BUS_ADDR=$(head -n 1 "$WORK/bus.address")
  export BUS_ADDR DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR
  until busctl --address="$BUS_ADDR" list >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "dbus-daemon at $BUS_ADDR does not answer after 10 s"
    sleep 0.05
  done
  echo "# private bus at $BUS_ADDR (pid $BUS_PID)"
}

# booth_name_owned: true when org.boothd.Booth1 has an owner on the private bus.
booth_name_owned() {
  [[ $(bctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
    NameHasOwner s "$BOOTH_BUS_NAME" 2>/dev/null) == "b true" ]]
}

# booth_daemon_start [ARGS...]: starts $BOOTHD on the private bus with a state directory
# in $WORK, the file camera and the configuration (BOOTH_FRAMES and BOOTH_CONFIG override
# the defaults), --verbose and ARGS; G_DEBUG=fatal-criticals, so a critical is a crash.
# Output is appended to $WORK/boothd.log; BOOTHD_PID is its pid. Returns once boothd owns
# org.boothd.Booth1; fails, printing the log, if it exits first or takes over 20 s.
booth_daemon_start() {
  local deadline status=0
  : "${BOOTHD:?BOOTHD must be the path of the built boothd}"
  [[ -n $BUS_ADDR ]] || fail "booth_daemon_start needs booth_bus_start first"
  [[ -z $BOOTHD_PID ]] || fail "boothd is already running (pid $BOOTHD_PID)"
  mkdir -p "$WORK/state"
  echo "--- boothd start $(date +%T.%N) ---" >>"$WORK/boothd.log"
  G_DEBUG=fatal-criticals "$BOOTHD" --bus "$BUS_ADDR" --state-dir "$WORK/state" \
    --camera file:"${BOOTH_FRAMES:-$BOOTH_SOURCE_ROOT/tests/data/frames}" \
    --config "${BOOTH_CONFIG:-$BOOTH_SOURCE_ROOT/etc/boothd.conf}" --verbose "$@" \
    >>"$WORK/boothd.log" 2>&1 &
  BOOTHD_PID=$!
  BOOTHD_STATUS=

  deadline=$((SECONDS + 20))
  until booth_name_owned; do
    if ! booth__alive "$BOOTHD_PID"; then
      wait "$BOOTHD_PID" || status=$?
      BOOTHD_PID=
      BOOTHD_STATUS=$status
      cat "$WORK/boothd.log" >&2
      fail "boothd exited with status $status before taking $BOOTH_BUS_NAME"
    fi
    if ((SECONDS >= deadline)); then
      cat "$WORK/boothd.log" >&2
      fail "boothd (pid $BOOTHD_PID) did not take $BOOTH_BUS_NAME within 20 s"
    fi
    sleep 0.05
  done
  echo "# boothd up (pid $BOOTHD_PID)"
}

# booth_daemon_stop: SIGTERM and wait (10 s at most). A clean shutdown is part of the
# contract: fails unless boothd exits with status 0. BOOTHD_STATUS is its exit status.
booth_daemon_stop() {
  local pid=$BOOTHD_PID status=0
  [[ -n $pid ]] || fail "booth_daemon_stop: boothd is not running"
  kill -TERM "$pid"
  if ! booth__wait_gone "$pid" 10; then
    fail "boothd (pid $pid) still running 10 s after SIGTERM"
  fi
  wait "$pid" || status=$?
  BOOTHD_PID=
  BOOTHD_STATUS=$status
  ((status == 0)) || fail "boothd exited with status $status after SIGTERM"
  echo "# boothd stopped"
}

# booth_daemon_kill9: SIGKILL (a crash or power cut, as the daemon sees it) and reap.
booth_daemon_kill9() {
  local pid=$BOOTHD_PID status=0
  [[ -n $pid ]] || fail "booth_daemon_kill9: boothd is not running"
  kill -KILL "$pid"
  wait "$pid" || status=$?
  BOOTHD_PID=
  BOOTHD_STATUS=$status
  echo "# boothd killed (status $status)"
}

# booth_daemon_wait_exit [TIMEOUT_S=10]: waits for boothd to exit by itself (a crash, as
# fault injection makes it) and reaps it; BOOTHD_STATUS is its exit status. Returns false,
# boothd still running, after TIMEOUT_S.
booth_daemon_wait_exit() {
  local pid=$BOOTHD_PID status=0
  [[ -n $pid ]] || fail "booth_daemon_wait_exit: boothd is not running"
  booth__wait_gone "$pid" "${1:-10}" || return 1
  wait "$pid" || status=$?
  BOOTHD_PID=
  BOOTHD_STATUS=$status
  echo "# boothd exited (status $status)"
}

# ctl ARGS...: boothctl on the private bus.
ctl() {
  "$BOOTHCTL" --bus "$BUS_ADDR" "$@"
}

# bctl ARGS...: busctl on the private bus, the independent client.
bctl() {
  busctl --address="$BUS_ADDR" "$@"
}

# gcall METHOD [ARGS...]: calls org.boothd.Booth1.METHOD with gdbus, which (unlike busctl)
# prints the D-Bus error name on failure. ARGS are GVariant text, e.g. "@a{sv} {}".
gcall() {
  local method=$1
  shift
  gdbus call --address "$BUS_ADDR" --dest "$BOOTH_BUS_NAME" --object-path "$BOOTH_OBJECT_PATH" \
    --method "$BOOTH_INTERFACE.$method" "$@"
}

# booth_prop NAME: prints the property as busctl shows it (e.g. 's "idle"').
booth_prop() {
  bctl get-property "$BOOTH_BUS_NAME" "$BOOTH_OBJECT_PATH" "$BOOTH_INTERFACE" "$1"
}

# booth_state: prints the State property's value (e.g. idle).
booth_state() {
  booth_prop State | sed -n 's/^s "\(.*\)"$/\1/p'
}

# booth_wait_state STATE [TIMEOUT_S=10]: polls State until it equals STATE; fails with
# the last value seen after TIMEOUT_S.
booth_wait_state() {
  local want=$1 timeout=${2:-10} state='' deadline
  deadline=$((SECONDS + timeout))
  while :; do
    state=$(booth_state 2>/dev/null || true)
    if [[ $state == "$want" ]]; then
      ok "State reached '$want'"
      return 0
    fi
    ((SECONDS < deadline)) || fail "State is '${state:-unreadable}' after ${timeout} s, expected '$want'"
    sleep 0.05
  done
}

# booth_wait_match FILE REGEX [TIMEOUT_S=10]: polls until a line of FILE matches the
# extended regex; fails with the file's content after TIMEOUT_S.
booth_wait_match() {
  local file=$1 regex=$2 timeout=${3:-10} deadline
  deadline=$((SECONDS + timeout))
  until grep -Eq -- "$regex" "$file" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      booth__log "--- $file ---"
      cat "$file" >&2 2>/dev/null || true
      fail "no line of $file matches /$regex/ after ${timeout} s"
    fi
    sleep 0.05
  done
  ok "$(basename "$file") has a line matching /$regex/"
}

# booth_watch_start FILE [WATCH_ARGS...]: runs `ctl watch WATCH_ARGS` in the background,
# output to FILE (stderr to FILE.err), WATCH_PID its pid. Returns once watch printed the
# daemon's state (or that the daemon is down): from then on no event can be missed.
booth_watch_start() {
  local file=$1
  shift
  [[ -z $WATCH_PID ]] || fail "a watch is already running (pid $WATCH_PID)"
  "$BOOTHCTL" --bus "$BUS_ADDR" watch "$@" >"$file" 2>"$file.err" &
  WATCH_PID=$!
  booth_wait_match "$file" '^[0-9:.]+ (state |daemon down)|"event":"State"|"owner":null'
}

# booth_watch_stop: SIGINT the watch and expect exit status 0.
booth_watch_stop() {
  local pid=$WATCH_PID status=0
  [[ -n $pid ]] || fail "booth_watch_stop: no watch running"
  kill -INT "$pid"
  booth__wait_gone "$pid" 5 || fail "boothctl watch still running 5 s after SIGINT"
  wait "$pid" || status=$?
  WATCH_PID=
  expect_eq "$status" 0 "boothctl watch exit status after SIGINT"
}

# ok MESSAGE: records a passed check.
ok() {
  BOOTH__CHECKS=$((BOOTH__CHECKS + 1))
  echo "ok - $*"
}

# fail MESSAGE: ends the test (exit 1). In a $(...) subshell it ends only the subshell.
fail() {
  trap - ERR
  booth__log "FAIL - $*"
  exit 1
}

# expect_eq ACTUAL EXPECTED [WHAT]: string equality.
expect_eq() {
  local what=${3:-value}
  if [[ $1 == "$2" ]]; then
    ok "$what is '$2'"
  else
    fail "$what: expected '$2', got '$1'"
  fi
}

# expect_match TEXT REGEX [WHAT]: some line of TEXT matches the extended regex.
expect_match() {
  local what=${3:-output}
  if grep -Eq -- "$2" <<<"$1"; then
    ok "$what matches /$2/"
  else
    fail "$what does not match /$2/; it was:"$'\n'"$1"
  fi
}

# expect_no_match TEXT REGEX [WHAT]: no line of TEXT matches the extended regex.
expect_no_match() {
  local what=${3:-output}
  if grep -Eq -- "$2" <<<"$1"; then
    fail "$what matches /$2/ but must not; it was:"$'\n'"$1"
  else
    ok "$what does not match /$2/"
  fi
}

# booth__run CMD...: runs CMD with errexit off, setting STATUS, OUT and ERR.
booth__run() {
  STATUS=0
  "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" || STATUS=$?
  OUT=$(cat "$WORK/cmd.out")
  ERR=$(cat "$WORK/cmd.err")
}

# expect_exit CODE CMD...: CMD exits with CODE. STATUS, OUT and ERR are left for further
# checks.
expect_exit() {
  local want=$1
  shift
  booth__run "$@"
  if [[ $STATUS == "$want" ]]; then
    ok "'$*' exits with $want"
  else
    fail "'$*' exited with $STATUS, expected $want"$'\n'"stdout: $OUT"$'\n'"stderr: $ERR"
  fi
}

# expect_fail_with ERRNAME CMD...: CMD fails with the D-Bus error ERRNAME ("Busy" is short
# for org.boothd.Error.Busy).
#  - ctl ARGS: run with --json; boothctl must exit 1, its JSON error object on stdout must
#    name ERRNAME, and stderr must be "boothctl: <message>" without the GDBus prefix.
#  - anything else (gcall, gdbus...): must exit non-zero and print ERRNAME. busctl does not
#    print error names; use gcall to check one from an independent client.
# STATUS, OUT and ERR are left for checks on the message.
expect_fail_with() {
  local name=$1 got
  shift
  [[ $name == *.* ]] || name=org.boothd.Error.$name
  if [[ $1 == ctl ]]; then
    shift
    booth__run "$BOOTHCTL" --bus "$BUS_ADDR" --json "$@"
    got=$(grep -o '"name":"[^"]*"' <<<"$OUT" | head -n 1 | sed 's/^"name":"\(.*\)"$/\1/' || true)
    [[ $got == "$name" ]] ||
      fail "'boothctl $*' should fail with $name, got '${got:-no error}' (exit $STATUS)"$'\n'"stdout: $OUT"$'\n'"stderr: $ERR"
    if [[ $name == org.boothd.Error.* ]]; then
      [[ $STATUS == 1 ]] || fail "'boothctl $*' failed with $name but exited $STATUS, not 1"
    fi
    [[ $ERR == "boothctl: "?* && $ERR != *GDBus.Error* ]] ||
      fail "'boothctl $*': stderr is not a plain 'boothctl: <message>': $ERR"
    ok "'boothctl $*' fails with $name: ${ERR#boothctl: }"
  else
    booth__run "$@"
    ((STATUS != 0)) || fail "'$*' should fail with $name but succeeded: $OUT"
    [[ "$OUT$ERR" == *"$name"* ]] ||
      fail "'$*' failed (exit $STATUS) but not with $name"$'\n'"stdout: $OUT"$'\n'"stderr: $ERR"
    ok "'$*' fails with $name"
  fi
}
