# SPDX-License-Identifier: GPL-2.0-or-later
# A detached session that nobody drives for idle_timeout, with nothing captured, is cancelled
# and recorded so; a session with a candidate, or with an owner on the bus, stays.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
printf '[Booth]\nprofiles=chsi-upload;chsi-final\nauto_start=false\nidle_timeout=2\n' >"$WORK/boothd.conf"
export BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
session=$(ctl --json status | json 'd["Session"]["id"]')
booth_wait_state idle 6
expect_eq "$(sql "select status || ': ' || note from sessions where id = '$session'")" \
  "cancelled: detached and idle for 2 s with nothing captured" "recorded as cancelled, with why"

expect_exit 0 ctl start --code "$CODE2"
expect_exit 4 ctl capture
sleep 3
expect_eq "$(booth_state)" reviewing "a session with a candidate stays"
expect_exit 0 ctl cancel

coproc OWNER { exec "$BOOTH_SOURCE_ROOT/tests/integration/owner.py" "$BUS_ADDR" 2>&1; }
echo "start $CODE1" >&"${OWNER[1]}"
read -r -t 20 status owned <&"${OWNER[0]}"
expect_eq "$status" ok "a front-end's session"
sleep 3
expect_eq "$(ctl --json status | json 'd["Session"]["id"]')" "$owned" "a session with its owner on the bus stays"
echo exit >&"${OWNER[1]}"
wait "$OWNER_PID" || true
booth_daemon_stop
