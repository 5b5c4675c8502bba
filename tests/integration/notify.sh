# SPDX-License-Identifier: GPL-2.0-or-later
# sd_notify: READY=1 once the name is owned, STATUS= as the state changes, WATCHDOG=1 at
# half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/demo.playlist
booth_bus_start
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
while True:
    out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$WORK/notify.sock" "$WORK/notify.log" &
listener=$!
for _ in $(seq 50); do [[ -S $WORK/notify.sock ]] && break; sleep 0.1; done
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=1000000 booth_daemon_start
booth_wait_match "$WORK/notify.log" '^READY=1'
booth_wait_match "$WORK/notify.log" '^STATUS=Session [0-9T]+Z-[0-9a-f]+: framing'
booth_wait_match "$WORK/notify.log" '^WATCHDOG=1'
sleep 1.2
expect_match "$(grep -c WATCHDOG=1 "$WORK/notify.log")" '^[2-9]|^[1-9][0-9]' "watchdog pings keep coming"
booth_daemon_stop
booth_wait_match "$WORK/notify.log" '^STOPPING=1'
kill "$listener"
