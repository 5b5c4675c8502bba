# SPDX-License-Identifier: GPL-2.0-or-later
# With camera=auto on a machine where libcamera finds no camera, boothd serves anyway: State
# is error, the Camera property says why in words an operator can act on, StartSession
# answers NoCamera with that message (to boothctl and to gdbus), the bus keeps answering, the
# daemon keeps watching for a camera through several re-probe periods without filling the
# log, and SIGTERM stops it cleanly.
source "$(dirname "$0")/common.sh"
booth_harness_init

# The case needs a machine without a camera; one with a camera says so and skips.
if command -v cam >/dev/null && cam -l 2>/dev/null | grep -Eq '^[0-9]+: '; then
  echo "# libcamera lists a camera on this machine: nothing to test here"
  exit 77
fi

MSG='no camera found: plug in the USB camera or check that the boothd user is in group video; `cam -l` lists cameras'
booth_bus_start
booth_daemon_start --camera auto
started=$SECONDS

expect_eq "$(booth_state)" error "State with no camera"
status=$(ctl --json status)
expect_eq "$(json 'd["Camera"]["state"]' <<<"$status")" absent "Camera state"
expect_eq "$(json 'd["Camera"]["id"]' <<<"$status")" auto "Camera id (the configured spec)"
expect_eq "$(json 'd["Camera"]["message"]' <<<"$status")" "$MSG" "Camera message"
expect_eq "$(json '"width" in d["Camera"]' <<<"$status")" false "no resolution without a camera"
expect_match "$(booth_prop Camera)" '"message" s "no camera found: plug in the USB camera' \
  "Camera message to busctl"

# Sessions need a camera; the refusal carries the operator's message.
expect_fail_with NoCamera ctl start --code "$CODE1"
expect_eq "$ERR" "boothctl: no camera: $MSG" "boothctl's message"
expect_fail_with NoCamera gcall StartSession "{'code': <'$CODE1'>}"
expect_match "$ERR" "no camera found: plug in the USB camera" "gdbus's message"
# Capture asks for a session first (NoSession); Capture without a camera during a session is
# camera-lost.sh's case.
expect_fail_with NoSession ctl capture
expect_fail_with NoSession gcall Capture "{}"

# The bus keeps answering while the supervisor keeps watching.
expect_exit 0 ctl status
expect_exit 0 ctl sessions
expect_eq "$OUT" "" "no records"
expect_match "$(booth_prop Stats)" '"uptime_s" t [0-9]+' "Stats"
expect_match "$(bctl introspect "$BOOTH_BUS_NAME" "$BOOTH_OBJECT_PATH")" '\.StartSession' "introspection"
booth_wait_match "$WORK/boothd.log" \
  'notice camera: watching for a camera: libcamera hotplug events, and a re-probe every 2\.0 s'
booth_wait_match "$WORK/boothd.log" 'camera: re-probe 3: no camera found' 15
((SECONDS - started >= 5)) || fail "three re-probes in under 5 s: the period is not 2 s"
expect_eq "$(grep -c 'warning camera: no camera found' "$WORK/boothd.log")" 1 \
  "the missing camera warned about once, not at every re-probe"
expect_eq "$(booth_state)" error "State after several re-probes"
expect_eq "$(ctl --json status | json 'd["Camera"]["state"]')" absent "Camera state after re-probes"
expect_exit 0 ctl status

booth_daemon_stop
expect_match "$(tail -n 1 "$WORK/boothd.log")" 'notice main: stopped' "clean stop"
