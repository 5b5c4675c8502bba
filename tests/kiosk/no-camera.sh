#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# boothd without a camera (camera libcamera:none): State error, and the kiosk shows the
# trouble screen with the daemon's Camera message for the staff, word for word.
#   no-camera.sh zh|en
source "$(dirname "$0")/lib.sh"
KIOSK_LANG=${1:?language zh or en}
kiosk_init
booth_bus_start
kiosk_a11y_start
booth_daemon_start --camera libcamera:none
booth_wait_state error
message=$(ctl --json status | json 'd["Camera"]["message"]')
[[ -n $message ]] || fail "no Camera message"
kiosk_start --language "$KIOSK_LANG"
kiosk_expect trouble "$(T 请联系工作人员 'Please ask the staff for help')" \
  "$(T 摄像头： 'Camera: ')$message"
kiosk_shot "$KIOSK_LANG-no-camera"
kiosk_stop
booth_daemon_stop
