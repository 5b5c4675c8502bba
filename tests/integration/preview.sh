# SPDX-License-Identifier: GPL-2.0-or-later
# The preview stream (OpenPreview) from an independent client: the format, the rate, the
# picture against the file camera's image, the overlay against OpenCV's face, mirroring, the
# client cap, and a stuck reader that neither grows boothd nor slows the others.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
/usr/bin/python3 "$(dirname "$0")/preview.py" "$BUS_ADDR" "$BOOTHD_PID" "$FRAMES/student.jpg" ||
  fail "the preview client found problems (above)"
ok "the preview client's checks passed"
booth_daemon_stop
