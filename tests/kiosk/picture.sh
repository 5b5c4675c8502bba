#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kiosk's picture path with the real boothd on the file camera: the framing screen draws
# OpenPreview's picture (no placeholder), which changes between frames, with the overlay
# drawn where the frame's header puts it; the review shows OpenCandidate's photo, pixel for
# pixel (picture-check.py compares the screenshots with what an independent client reads
# from boothd). Widgets are found on screen by their extents in the accessibility tree.
# Screenshots: build/tests/kiosk/screenshots/LANG-picture-{framing-a,framing-b,review}.png.
#   picture.sh zh|en
source "$(dirname "$0")/lib.sh"
KIOSK_LANG=${1:?language zh or en}
kiosk_init
# The code, then the student and the same picture darker by turns (0.4 s each), so the
# preview changes from frame to frame; long enough that the playlist does not loop back to
# the code during the test.
mkdir "$WORK/frames"
cp "$FRAMES/code-1.png" "$FRAMES/student.jpg" "$WORK/frames/"
convert "$FRAMES/student.jpg" -evaluate multiply 0.85 "$WORK/frames/darker.jpg"
{
  echo "code-1.png 1.5"
  for _ in $(seq 150); do printf 'student.jpg 0.4\ndarker.jpg 0.4\n'; done
} >"$WORK/frames/picture.playlist"
export BOOTH_FRAMES=$WORK/frames/picture.playlist
booth_bus_start
kiosk_a11y_start
booth_daemon_start
kiosk_start --language "$KIOSK_LANG"
booth_wait_state framing
booth_wait_student
shot=$KIOSK_LANG-picture
check() {
  /usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/kiosk/picture-check.py" "$@" ||
    fail "picture-check.py $1 found problems (above)"
}

kiosk_expect framing "$(T 请看屏幕，按提示调整 'Look at the screen and follow the hints')" preview
expect_no_match "$KIOSK_TEXTS" "$(T 暂无摄像头画面 'No camera picture')" "no placeholder over the preview"
read -r -a area <<<"$(kiosk_read extents preview)" || fail "the preview has no extents"
ok "the preview widget is at ${area[*]} (x y width height)"
kiosk_shot "$shot-framing-a"
# The frames alternate every 0.4 s; a loaded machine may draw late, so a few tries.
for try in 1 2 3 4 5 6 7 8; do
  sleep 0.25
  import -window root "$SHOTS/$shot-framing-b.png"
  if /usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/kiosk/picture-check.py" changed \
    "$SHOTS/$shot-framing-a.png" "$SHOTS/$shot-framing-b.png" "${area[@]}" >"$WORK/changed.txt"; then
    break
  fi
done
cat "$WORK/changed.txt"
grep -q '^ok ' "$WORK/changed.txt" || fail "the preview did not change between frames in 2 s"
ok "the preview changed between frames (try $try)"
check overlay "$BUS_ADDR" "$SHOTS/$shot-framing-a.png" "${area[@]}"
ok "the overlay is drawn"

expect_exit 4 ctl capture
booth_wait_state reviewing
kiosk_wait_photo
read -r -a area <<<"$(kiosk_read extents candidate-photo)" || fail "the photo has no extents"
ok "the candidate photo widget is at ${area[*]}"
kiosk_shot "$shot-review"
check photo "$BUS_ADDR" "$SHOTS/$shot-review.png" "${area[@]}" chsi-upload
ok "the review shows the candidate"
expect_exit 0 ctl commit --override
kiosk_stop
booth_daemon_stop
