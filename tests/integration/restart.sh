# SPDX-License-Identifier: GPL-2.0-or-later
# Records survive a daemon restart, and a clean store reconciles with nothing to repair.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
for code in "$CODE1" "$CODE2"; do
  expect_exit 0 ctl start --code "$code"
  expect_exit 4 ctl capture
  expect_exit 0 ctl commit --override
done
before=$(ctl --json sessions)
booth_daemon_stop
booth_daemon_start
expect_eq "$(ctl --json sessions)" "$before" "records after restart"
expect_eq "$(json 'len(d)' <<<"$before")" 2 "two records"
expect_match "$(cat "$WORK/boothd.log")" "records and files agree" "nothing to repair"
booth_daemon_stop
