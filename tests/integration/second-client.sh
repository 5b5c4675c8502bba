# SPDX-License-Identifier: GPL-2.0-or-later
# The caller of StartSession owns the session: while it is on the bus, other clients get
# NotOwner for every mutating call and Busy for another StartSession.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
coproc OWNER { exec "$BOOTH_SOURCE_ROOT/tests/integration/owner.py" "$BUS_ADDR" 2>&1; }
echo "start $CODE1" >&"${OWNER[1]}"
read -r -t 20 status session <&"${OWNER[0]}"
expect_eq "$status" ok "front-end StartSession"
booth_wait_state framing
expect_match "$(booth_prop Session)" '"owner_present" b true' "Session owner_present"
expect_match "$(booth_prop Session)" "\"owner_pid\" u $OWNER_PID" "Session owner_pid is the front-end's"
expect_match "$(ctl status)" "owner +[^ ]+, pid $OWNER_PID, user $(id -un) \\(:1\\.[0-9]+\\)" \
  "status shows the owner's process, pid and user"

expect_fail_with NotOwner ctl capture
expect_match "$ERR" "belongs to :" "the message names the owner"
expect_fail_with NotOwner ctl commit
expect_fail_with NotOwner ctl retake
expect_fail_with NotOwner ctl cancel
expect_fail_with NotOwner gcall Capture "{}"
expect_fail_with Busy ctl start --code "$CODE2"
expect_match "$ERR" "boothctl start --adopt" "Busy says how to take over, in boothctl's words"
expect_fail_with Busy gcall StartSession "{'code': <'$CODE2'>}"
expect_match "$ERR" "adopt=true" "Busy says how to take over, in the interface's words"
expect_eq "$(booth_state)" framing "state unchanged"
expect_match "$(booth_prop Session)" "\"id\" s \"$session\"" "same session"

# The owner itself may go on.
echo capture >&"${OWNER[1]}"
read -r -t 30 status file <&"${OWNER[0]}"
expect_eq "$status" ok "owner's Capture"
echo commit --override >&"${OWNER[1]}"
read -r -t 30 status done_id <&"${OWNER[0]}"
expect_eq "$status $done_id" "ok $session" "owner's Commit"
echo exit >&"${OWNER[1]}"
wait "$OWNER_PID" || true
booth_wait_state idle
booth_daemon_stop
