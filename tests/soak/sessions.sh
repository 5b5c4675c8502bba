# SPDX-License-Identifier: GPL-2.0-or-later
# Soak: BOOTH_SOAK_SESSIONS (2,000) whole sessions against one boothd through one front-end
# connection, each committed with its own code; RSS and fds printed every 200 sessions must
# stay within 10% of their value after 400; every record holds its session's code.
source "$(dirname "$0")/../integration/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
n=${BOOTH_SOAK_SESSIONS:-2000}
/usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/soak/soak-driver.py" "$BUS_ADDR" "$BOOTHD_PID" "$n" \
  400 200 || fail "the soak found problems (above)"
expect_eq "$(sql "select count(*) from sessions where status = 'committed'")" "$n" "every session committed"
expect_eq "$(sql "pragma integrity_check")" ok "records.db is sound"
booth_daemon_stop
