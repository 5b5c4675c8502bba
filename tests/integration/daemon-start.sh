# SPDX-License-Identifier: GPL-2.0-or-later
# How boothd starts, or refuses to: a second boothd on the same state folder refuses and names
# the first one's pid (on another bus too, where the bus name would not stop it); a bus that
# is not there is said in words before any state is touched.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_match "$(cat "$WORK/state/lock")" "^$BOOTHD_PID$" "the lock names the running boothd"

# A second bus, so the name is free there: only the state folder's lock stands in the way.
second=$WORK/second
mkdir -p "$second"
sed "s|$WORK/bus|$second/bus|" "$WORK/bus.conf" >"$second/bus.conf"
dbus-daemon --config-file="$second/bus.conf" --nofork --print-address=3 3>"$second/address" &
second_bus_pid=$!
for _ in $(seq 100); do [[ -s $second/address ]] && break; sleep 0.05; done
expect_exit 1 timeout 10 "$BOOTHD" --bus "$(head -n 1 "$second/address")" --state-dir "$WORK/state" \
  --camera "file:$FRAMES/student.jpg" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf"
expect_match "$ERR" "the state folder $WORK/state is in use by another boothd \\(pid $BOOTHD_PID\\): stop that one, or give this one its own --state-dir" \
  "the second boothd names the first"
kill "$second_bus_pid"
wait "$second_bus_pid" || true
expect_exit 0 ctl status
booth_daemon_stop

# The lock goes with the process, however it ends.
booth_daemon_start
kill -KILL "$BOOTHD_PID"
wait "$BOOTHD_PID" || true
BOOTHD_PID=
booth_daemon_start
expect_exit 0 ctl status
booth_daemon_stop

# No session bus: said in words, and the state folder is not even created.
expect_exit 1 env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$WORK/no-runtime" \
  "$BOOTHD" --bus session --state-dir "$WORK/untouched" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf"
expect_match "$ERR" "no session bus \\(.*\\): run boothd under dbus-run-session, or pass --bus ADDRESS" \
  "no session bus, in words"
[[ ! -e $WORK/untouched ]] || fail "the state folder was created although there was no bus"
ok "no state touched without a bus"
expect_exit 1 "$BOOTHD" --bus unix:path=$WORK/nobus --state-dir "$WORK/untouched" \
  --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf"
expect_match "$ERR" "cannot connect to the bus at unix:path=$WORK/nobus: .*; check the address \\(--bus\\)" \
  "a bus address that answers nobody"
[[ ! -e $WORK/untouched ]] || fail "the state folder was created although there was no bus"
