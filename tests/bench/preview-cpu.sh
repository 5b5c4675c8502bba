#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the live preview costs boothd: the whole daemon's CPU (utime + stime from /proc, over
# 10 s) on the file camera at 15 fps with no session, with no preview client, with 1, with 4
# asking for the kiosk's settings (960 px, 15 fps, quality 80, mirrored: encoded once for all
# four), and with 4 of different sizes (encoded four times). The clients are Python GIO
# processes reading their streams as fast as frames come; their own CPU is not counted.
# Prints the figures, and the frames a second each client got (the analysis paces the
# preview: on a busy machine it is under the camera's 15); fails only when a client gets
# no stream (under 5 frames/s).
#   meson test -C build --suite bench preview-cpu -v
source "$BOOTH_SOURCE_ROOT/tests/integration/common.sh"
booth_harness_init
SECONDS_MEASURED=10
WARMUP=2

# cpu_ticks: boothd's utime + stime, in clock ticks.
cpu_ticks() {
  local stat
  stat=$(<"/proc/$BOOTHD_PID/stat")
  stat=${stat##*) } # the fields after the command name, which may hold spaces
  read -r -a f <<<"$stat"
  echo $((f[11] + f[12]))
}

# measure: boothd's CPU over SECONDS_MEASURED, as a percentage of one core.
measure() {
  local hz before after
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks)
  sleep "$SECONDS_MEASURED"
  after=$(cpu_ticks)
  awk "BEGIN { printf \"%.1f\", ($after - $before) * 100 / ($hz * $SECONDS_MEASURED) }"
}

# readers SECONDS MAX_SIDE...: one stream per MAX_SIDE, read for SECONDS; prints the frames
# a second each stream got over the last SECONDS_MEASURED.
readers() {
  /usr/bin/python3 - "$BUS_ADDR" "$@" <<'PY'
import os, select, struct, sys, time
from gi.repository import Gio, GLib
address, seconds, sides = sys.argv[1], float(sys.argv[2]), [int(s) for s in sys.argv[3:]]
bus = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
fds = []
for side in sides:
    opts = {"max_side": GLib.Variant("u", side), "fps": GLib.Variant("d", 15.0),
            "quality": GLib.Variant("u", 80), "mirror": GLib.Variant("b", True)}
    reply, fdlist = bus.call_with_unix_fd_list_sync(
        "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1", "OpenPreview",
        GLib.Variant("(a{sv})", (opts,)), GLib.VariantType("(h)"), Gio.DBusCallFlags.NONE,
        10000, None, None)
    fds.append(fdlist.steal_fds()[reply.unpack()[0]])
# Whole frames are counted, each header's lengths giving where the next one starts.
counted_from = time.monotonic() + seconds - float(os.environ["SECONDS_MEASURED"])
end = time.monotonic() + seconds
bufs, counts = [b""] * len(fds), [0] * len(fds)
while (left := end - time.monotonic()) > 0:
    for fd in select.select(fds, [], [], left)[0]:
        i = fds.index(fd)
        bufs[i] += os.read(fd, 1 << 20)
        while len(bufs[i]) >= 78:
            assert bufs[i][:4] == b"BPV1", "lost the frames' boundaries"
            header_len, = struct.unpack_from("<H", bufs[i], 6)
            hints_len, jpeg_len = struct.unpack_from("<HI", bufs[i], 72)
            total = header_len + hints_len + jpeg_len
            if len(bufs[i]) < total:
                break
            bufs[i] = bufs[i][total:]
            counts[i] += time.monotonic() >= counted_from
print(" ".join(f"{c / float(os.environ['SECONDS_MEASURED']):.1f}" for c in counts))
PY
}

export BOOTH_FRAMES=$FRAMES/no-code.playlist SECONDS_MEASURED
booth_bus_start
booth_daemon_start
booth_wait_state idle
sleep "$WARMUP"
echo "# boothd's CPU over ${SECONDS_MEASURED} s, % of one core (file camera, 15 fps, $(nproc) cores):"
echo "#   no preview client: $(measure)%"
ok "measured without a client"

# row LABEL MAX_SIDE...: the CPU with one reader per MAX_SIDE.
row() {
  local label=$1 pct rates
  shift
  readers $((WARMUP + SECONDS_MEASURED)) "$@" >"$WORK/rates" &
  local pid=$!
  sleep "$WARMUP"
  pct=$(measure)
  wait "$pid" || fail "the preview readers failed"
  rates=$(<"$WORK/rates")
  echo "#   $label: $pct% (frames/s each: $rates)"
  for r in $rates; do
    awk "BEGIN { exit !($r >= 5) }" || fail "$label: a client got $r frames/s, no stream"
  done
  ok "measured $label"
}
row "1 client (960 px)" 960
row "4 clients, the same settings" 960 960 960 960
row "4 clients, 4 sizes (960, 800, 640, 480 px)" 960 800 640 480
booth_daemon_stop
