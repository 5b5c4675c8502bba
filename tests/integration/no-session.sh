# SPDX-License-Identifier: GPL-2.0-or-later
# Without a session every session call is refused with NoSession and a message that says
# what to do; nothing is written.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
for cmd in capture retake; do
  expect_fail_with NoSession ctl $cmd
  expect_match "$ERR" "no session: show a capture code" "$cmd's message"
done
for cmd in commit cancel; do
  expect_fail_with NoSession ctl $cmd
  expect_match "$ERR" "nothing to $cmd: no session is open" "$cmd's message"
done
expect_fail_with NoSession gcall Capture "{'force': <true>}"
expect_eq "$(booth_state)" idle "state unchanged"
expect_eq "$(booth_files photos)$(booth_files candidates)" 00 "nothing written"
booth_daemon_stop
