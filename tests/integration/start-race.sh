# SPDX-License-Identifier: GPL-2.0-or-later
# A Capture sent right after StartSession, before its reply, waits for the session's start
# to settle instead of failing with "busy": ten rounds of StartSession, Capture and Cancel
# pipelined on one connection, each call answered, every Capture with a report.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
/usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/integration/pipelined.py" "$BUS_ADDR" "$CODE1" 10 \
  >"$WORK/calls.txt"
sed 's/^/# /' "$WORK/calls.txt"
expect_eq "$(grep -c . "$WORK/calls.txt")" 30 "every call answered"
expect_eq "$(grep -c '^StartSession ok$' "$WORK/calls.txt")" 10 "ten sessions started"
expect_eq "$(grep -c '^Capture ok$' "$WORK/calls.txt")" 10 "ten captures, none refused as busy"
expect_eq "$(grep -c '^Cancel ok$' "$WORK/calls.txt")" 10 "ten sessions cancelled"
expect_eq "$(sql "select count(*) from sessions where status = 'cancelled' and attempts = 1")" 10 \
  "ten records, each with its capture"
booth_daemon_stop
