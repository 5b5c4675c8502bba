#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kiosk's picture path, against a stand-in daemon that has OpenPreview and OpenCandidate
# (fake-booth.py; boothd in this tree has neither yet): the framing screen draws the
# preview (no placeholder) and the drawn area changes between frames, and the review shows
# the candidate photo from OpenCandidate instead of the "not available" placeholder.
#   picture.sh zh|en
source "$(dirname "$0")/lib.sh"
KIOSK_LANG=${1:?language zh or en}
kiosk_init
booth_bus_start
kiosk_a11y_start
# Two pictures, so the preview visibly changes: the student and the same mirrored.
convert "$FRAMES/student.jpg" -flop "$WORK/flopped.jpg"
convert "$FRAMES/student.jpg" -crop 372x496+87+7 -resize 480x640 "$WORK/candidate.jpg"
/usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/kiosk/fake-booth.py" "$BUS_ADDR" "$FRAMES/student.jpg" \
  "$WORK/flopped.jpg" "$WORK/candidate.jpg" >"$WORK/fake.log" 2>&1 &
HELPER_PID=$!
until booth_name_owned; do
  booth__alive "$HELPER_PID" || { cat "$WORK/fake.log" >&2; fail "fake-booth.py exited"; }
  sleep 0.05
done
kiosk_start --language "$KIOSK_LANG"
kiosk_expect framing "$(T 请向左移动一点 'Please move a little to your left')" preview
expect_no_match "$KIOSK_TEXTS" "$(T 暂无摄像头画面 'No camera picture')" "no placeholder over the preview"
kiosk_shot "$KIOSK_LANG-picture-framing-a"
# The preview's part of the window changes as frames come (5 a second, two pictures by
# turns); a loaded machine may draw late, so a few tries.
changed=0
for try in 1 2 3 4 5 6 7 8; do
  sleep 0.25
  import -window root "$WORK/later.png"
  changed=$(compare -metric AE -crop 700x600+30+150 "$SHOTS/$KIOSK_LANG-picture-framing-a.png" \
    "$WORK/later.png" null: 2>&1 || true)
  changed=${changed%% *}
  ((changed > 10000)) && break
done
((changed > 10000)) || fail "the preview area did not change between frames ($changed pixels)"
ok "the preview area changed between frames ($changed pixels differ, try $try)"

kill -USR1 "$HELPER_PID"
kiosk_expect review candidate-photo
kiosk_read --timeout 2 wait review "$(T 照片暂时无法显示 'Photo not available')" >/dev/null 2>&1 &&
  fail "the review shows the placeholder, not the candidate"
expect_no_match "$(kiosk_read dump)" "$(T '正在载入照片' 'Loading the photo')" "the photo is loaded"
kiosk_shot "$KIOSK_LANG-picture-review"
kiosk_stop
booth__stop_process "$HELPER_PID"
HELPER_PID=
