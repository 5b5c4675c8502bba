#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A whole session as the student sees it, read through the accessibility tree: the code is
# recognised, the framing screen gives the sample's hint in words, a capture shows the
# review with the failed check in words (the sample sits before a grey wall), in operator
# mode too, and the candidate photo from OpenCandidate (no placeholder), a retake goes back to framing, a second capture and a commit with
# override show the done screen, and the kiosk is back at idle by itself. Screenshots of
# every step go to build/tests/kiosk/screenshots/LANG-MODE-STEP.png.
#   session.sh zh|en operator|self-service
# operator: the staff drive it with boothctl; the kiosk shows "wait for the staff".
# self-service: the student presses the kiosk's buttons (a 3 s countdown before Capture);
# Confirm is refused for the failed check and the staff commit with --override.
source "$(dirname "$0")/lib.sh"
KIOSK_LANG=${1:?language zh or en}
MODE=${2:?operator or self-service}
kiosk_init
export BOOTH_FRAMES=$FRAMES/demo.playlist
booth_bus_start
kiosk_a11y_start
shot=$KIOSK_LANG-$MODE
args=(--language "$KIOSK_LANG")
[[ $MODE == self-service ]] && args+=(--self-service)
kiosk_start "${args[@]}"

kiosk_expect trouble "$(T 请联系工作人员 'Please ask the staff for help')" \
  "$(T 照相服务（boothd）没有运行 'The booth service (boothd) is not running')"
booth_daemon_start
# The code is on the first frames: the kiosk says it was read, then the session screen.
kiosk_read --timeout 4 wait idle "$(T 已识别 'Code recognised')" >/dev/null ||
  fail "the kiosk never said the code was recognised"
ok "idle screen: code recognised"
kiosk_shot "$shot-1-recognised"
booth_wait_state framing
booth_wait_student
kiosk_expect framing "$(T 请看屏幕，按提示调整 'Look at the screen and follow the hints')" \
  "$(T 背景不是浅蓝色，请联系工作人员 'The background is not light blue: please ask the staff')" \
  preview readiness
expect_no_match "$KIOSK_TEXTS" 'background_not_blue' "the hint is a sentence, not its name"
kiosk_shot "$shot-2-framing"

# capture STEP: the photo is taken (boothctl or the kiosk's own button) and reviewed.
capture() {
  if [[ $MODE == operator ]]; then
    expect_exit 4 ctl capture
  else
    kiosk_read press "$(T 拍照 'Take the photo')" >/dev/null || fail "no capture button"
    kiosk_read --timeout 3 wait framing "$(T 秒后拍照 'Photo in')" >/dev/null || fail "no countdown"
    ok "the countdown runs"
  fi
  kiosk_expect review "$(T 请查看您的照片 'Please check your photo')" candidate-photo
  booth_wait_state reviewing
  # In either mode the failed check in words: operator mode has it from the Session
  # property's candidate_failed, self-service from its own Capture too.
  expect_match "$(ctl --json status | json 'd["Session"]["candidate_failed"]')" \
    'chsi-upload/background_colour' "Session's candidate_failed"
  kiosk_expect review "$(T 照片没有通过以下检查： 'The photo did not pass these checks:')" \
    "$(T 背景不是浅蓝色 'The background is not light blue')"
  expect_no_match "$KIOSK_TEXTS" 'background_colour' "the check is a sentence, not its name"
  if [[ $MODE == operator ]]; then
    kiosk_expect review "$(T 请等待工作人员确认 'Please wait for the staff to confirm')"
    expect_no_match "$KIOSK_TEXTS" "^$(T 确认 Confirm)\$" "no Confirm button in operator mode"
  else
    kiosk_expect review "$(T 重拍 'Take it again')" "$(T 确认 Confirm)"
  fi
  kiosk_wait_photo
  kiosk_shot "$shot-$1-review"
}

capture 3
if [[ $MODE == operator ]]; then
  expect_exit 0 ctl retake
else
  kiosk_read press "$(T 重拍 'Take it again')" >/dev/null || fail "no retake button"
fi
kiosk_expect framing "$(T 请看屏幕，按提示调整 'Look at the screen and follow the hints')"
booth_wait_state framing
ok "retake: back to framing"
capture 4

if [[ $MODE == self-service ]]; then
  # The photo failed a check: Confirm is refused, and the kiosk says so in words.
  kiosk_read press "$(T 确认 Confirm)" >/dev/null || fail "no confirm button"
  kiosk_expect review "$(T 这张照片不符合要求，请重拍或联系工作人员 'This photo does not meet the standard: take it again, or ask the staff')"
  kiosk_shot "$shot-5-refused"
fi
expect_exit 0 ctl commit --override
kiosk_expect done "$(T 采集完成，请从后门离开 'Done — please leave by the back door')"
kiosk_shot "$shot-6-done"
kiosk_read --timeout 10 wait idle "$(T 请出示学信网图像采集码 'Please show your CHSI image capture code')" \
  >/dev/null || fail "not back at idle 10 s after the commit"
ok "back at idle by itself"
kiosk_shot "$shot-7-idle"
kiosk_stop
booth_daemon_stop
