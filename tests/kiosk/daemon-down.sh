#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# boothd going away and coming back, as the student sees it: the kiosk started before the
# daemon shows the trouble screen with the reason for the staff, the idle screen once boothd
# is on the bus, the trouble screen again when boothd stops, and idle again, by itself,
# when it is started again.   daemon-down.sh zh|en
source "$(dirname "$0")/lib.sh"
KIOSK_LANG=${1:?language zh or en}
kiosk_init
# One portrait, no code: the booth waits at idle.
export BOOTH_FRAMES=$FRAMES/student.jpg
booth_bus_start
kiosk_a11y_start
kiosk_start --language "$KIOSK_LANG"

down=("$(T 请联系工作人员 'Please ask the staff for help')"
  "$(T 照相服务（boothd）没有运行 'The booth service (boothd) is not running')")
idle=$(T 请出示学信网图像采集码 'Please show your CHSI image capture code')
kiosk_expect trouble "${down[@]}"
kiosk_shot "$KIOSK_LANG-down-1-no-daemon"
booth_daemon_start
kiosk_expect idle "$idle" preview
kiosk_shot "$KIOSK_LANG-down-2-idle"
booth_daemon_stop
kiosk_expect trouble "${down[@]}"
booth_daemon_start
kiosk_expect idle "$idle"
ok "the kiosk recovered by itself"
# A crash, not a clean stop: the same.
booth_daemon_kill9
kiosk_expect trouble "${down[@]}"
booth_daemon_start
kiosk_expect idle "$idle"
booth__alive "$KIOSK_PID" || fail "boothkiosk exited"
kiosk_stop
booth_daemon_stop
