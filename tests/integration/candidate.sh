# SPDX-License-Identifier: GPL-2.0-or-later
# OpenCandidate: every profile's candidate as a read-only fd, the very bytes Commit stores;
# the Session property carries the report; a candidate that failed checks is refused with
# ChecksFailed until override.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
/usr/bin/python3 "$(dirname "$0")/candidate.py" "$BUS_ADDR" "$CODE1" ||
  fail "the candidate client found problems (above)"
ok "the candidate client's checks passed"
expect_exit 0 ctl start --code "$CODE2"
expect_exit 4 ctl capture
expect_fail_with ChecksFailed gcall Commit "{}"
expect_match "$ERR" "background_colour" "ChecksFailed names the check"
booth_daemon_stop
