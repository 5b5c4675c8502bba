# SPDX-License-Identifier: GPL-2.0-or-later
# Cancel ends the session: the record says cancelled, every profile's candidate is gone, no
# photo.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
session=$OUT
expect_exit 4 ctl capture
expect_eq "$(booth_files candidates)" 2 "a candidate per profile on disk (chsi-upload, chsi-final)"
expect_exit 0 ctl cancel
booth_wait_state idle
expect_eq "$(booth_files candidates)" 0 "every candidate discarded"
expect_eq "$(booth_files photos)" 0 "no photo"
expect_eq "$(sql "select status from sessions where id = '$session'")" cancelled "record status"
expect_exit 0 ctl --json sessions --status cancelled
expect_eq "$(json 'd[0]["session_id"]' <<<"$OUT")" "$session" "sessions --status cancelled"
expect_fail_with NoSession ctl cancel
# Cancel from the independent client.
expect_exit 0 gcall StartSession "{'code': <'$CODE2'>, 'detach': <true>}"
expect_exit 0 gcall Cancel
booth_wait_state idle
booth_daemon_stop
