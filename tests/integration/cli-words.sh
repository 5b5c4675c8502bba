# SPDX-License-Identifier: GPL-2.0-or-later
# boothctl speaks its own language: boothd's refusals name the boothctl command that helps
# (never a method or an option key), "nothing to commit" and "nothing to cancel" say whether a
# session was already committed, info shows one record, and mistakes in the command line get
# that command's usage and a did-you-mean.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle

# no_dbus_words: the last message names no method and no option key.
no_dbus_words() {
  expect_no_match "$ERR" "=true|StartSession|[^']Capture |[^']Commit |Retake,|Cancel it" \
    "no D-Bus words in: ${ERR#boothctl: }"
}

expect_fail_with NoSession ctl commit
expect_match "$ERR" "^boothctl: nothing to commit: no session is open" "commit with nothing open"
expect_fail_with NoSession ctl cancel
expect_match "$ERR" "^boothctl: nothing to cancel: no session is open" "cancel with nothing open"

expect_exit 0 ctl start
expect_fail_with BadState ctl capture
expect_match "$ERR" "'boothctl start --adopt --code CODE' gives it" "capture without a code"
no_dbus_words
expect_exit 0 ctl cancel

expect_exit 0 ctl start --code "$CODE1"
session=$(ctl --json status | json 'd["Session"]["id"]')
expect_fail_with Busy ctl start --code "$CODE2"
expect_match "$ERR" "'boothctl commit' or 'boothctl cancel' it first, or take it over with 'boothctl start --adopt'" "start while one is open"
no_dbus_words
expect_fail_with BadState ctl commit
expect_match "$ERR" "'boothctl capture' first" "commit before capture"
no_dbus_words
expect_exit 4 ctl capture
expect_fail_with BadState ctl capture
expect_match "$ERR" "'boothctl commit' it or 'boothctl retake'" "capture twice"
no_dbus_words
expect_exit 1 ctl commit
expect_match "$ERR" "'boothctl retake', or keep it anyway with 'boothctl commit --override'" "failed checks"
no_dbus_words
expect_exit 0 ctl commit --override
expect_fail_with NoSession ctl commit
expect_match "$ERR" "nothing to commit: no session is open; the last one, $session, was already committed at [0-9-]+ [0-9:]+" \
  "commit twice says it was already committed"
expect_fail_with NoSession ctl cancel
expect_match "$ERR" "nothing to cancel" "cancel after the commit"

expect_exit 0 ctl info "$session"
expect_match "$OUT" "$session" "info names the session"
expect_match "$OUT" "[0-9a-f]{64}" "info shows the files' SHA-256"
expect_exit 0 ctl --json info "$session"
expect_eq "$(json 'd["session_id"], d["status"]' <<<"$OUT")" "[\"$session\", \"committed\"]" "info --json"
expect_eq "$(json 'sorted(d["checks"]), d["checks"]["chsi-final"][0]["name"]' <<<"$OUT")" \
  '[["chsi-final", "chsi-upload"], "one_face"]' "info --json nests the checks as objects, not a string"
expect_eq "$(ctl --json sessions --limit 1 | json 'type(d[0]["checks"]).__name__')" dict \
  "sessions --json nests them too"
expect_exit 1 ctl info no-such-session
expect_match "$ERR" "no session no-such-session on this booth" "info of an unknown id"
expect_exit 2 ctl info
expect_match "$ERR" "^boothctl info: give one session id" "info without an id"
expect_exit 0 ctl start --code "$CODE2"
expect_exit 0 ctl cancel
expect_eq "$(ctl --json sessions --limit 0 | json 'len(d)')" 3 "sessions --limit 0 lists them all"
expect_eq "$(ctl --json sessions --limit 1 | json 'len(d)')" 1 "sessions --limit 1 lists one"
booth_daemon_stop

# The command line, without a daemon.
expect_exit 2 ctl captur
expect_match "$ERR" "unknown command 'captur'; did you mean 'capture'\\?" "a mistyped command"
expect_exit 2 ctl commit --overide
expect_match "$ERR" "^boothctl commit: unknown option --overide; did you mean --override\\?" "a mistyped option"
expect_match "$ERR" "Usage: boothctl commit \\[--override\\]" "the command's usage"
expect_exit 2 ctl sessions --status bogus
expect_match "$ERR" "--status must be one of active, committed, cancelled, abandoned, interrupted, recovered, not 'bogus'" \
  "sessions --status is checked"

# Readable output: no GVariant notation, no long decimals, one unit, every profile alike.
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
for _ in $(seq 100); do # until a frame with the student has been analysed
  ctl status | grep -q '^  background' && break
  sleep 0.1
done
expect_exit 0 ctl status
expect_no_match "$OUT" "<|'rgb'|[0-9]\\.[0-9]{6}" "status prints no GVariant text and no long decimals"
expect_match "$OUT" "background +rgb \\([0-9.]+, [0-9.]+, [0-9.]+\\), " "a dictionary reads as key value"
expect_exit 1 ctl review
expect_match "$ERR" "no candidate waits for review: 'boothctl capture' takes one" "report before a capture"
expect_exit 4 ctl capture
capture_out=$OUT
expect_exit 4 ctl review
expect_eq "$OUT" "$capture_out" "report prints the candidate's report again, as capture did"
OUT=$capture_out
expect_match "$OUT" "^photo +chsi-upload: 480x640, [0-9.]+ KiB \\([0-9]+ bytes\\), quality [0-9]+, FAILED" "the first profile's line"
expect_match "$OUT" "^photo +chsi-final: 480x640, [0-9.]+ KiB \\([0-9]+ bytes\\), quality [0-9]+, FAILED" "every profile in the same layout"
expect_no_match "$OUT" " KB|nan" "one unit, no NaN"
expect_exit 0 ctl cancel
booth_daemon_stop
