# SPDX-License-Identifier: GPL-2.0-or-later
# The file camera on a folder holding, beside good frames, a corrupt image and one over the
# pixel limit (the test portrait enlarged to 4608 x 6144, 28.3 megapixels, by netpbm): both
# are left out with a warning that names them and why, the rest plays, and State is not
# error. A folder where nothing can be played is the camera's error, explained by the Camera
# property.
source "$(dirname "$0")/common.sh"
booth_harness_init
for tool in djpeg pnmscale cjpeg; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (Debian: libjpeg-turbo-progs, netpbm)"; exit 77; }
done
mkdir -p "$WORK/frames" "$WORK/profiles"
cp "$FRAMES/code-1.png" "$FRAMES/student.jpg" "$WORK/frames/"
head -c 20000 "$FRAMES/student.jpg" >"$WORK/frames/broken.jpg"
djpeg "$FRAMES/student.jpg" | pnmscale 8 | cjpeg -quality 50 >"$WORK/frames/huge.jpg"
cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
printf '[Booth]\nauto_start=false\n' >"$WORK/boothd.conf"
booth_bus_start
BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$WORK/frames booth_daemon_start

booth_wait_match "$WORK/boothd.log" \
  'warning camera: file camera: broken\.jpg: truncated or corrupt JPEG .*; left out, the folder plays without it$'
booth_wait_match "$WORK/boothd.log" \
  'warning camera: file camera: huge\.jpg: the image is 4608 x 6144 pixels \(28\.3 megapixels\), more than the 24000000 pixels allowed; left out, the folder plays without it$'
booth_wait_match "$WORK/boothd.log" "info camera: file camera $WORK/frames: 2 images \(2 left out\), up to 576x768"
expect_eq "$(grep -c ' warning ' "$WORK/boothd.log")" 2 "warnings in the log"
booth_wait_state idle 10
expect_eq "$(ctl --json status | json 'd["Camera"]["state"]')" running "Camera state"
booth_daemon_stop

# Nothing playable: the camera's error, with the first reason.
rm "$WORK/frames/code-1.png" "$WORK/frames/student.jpg"
BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$WORK/frames booth_daemon_start
deadline=$((SECONDS + 10))
until [[ $(ctl --json status | json 'd["Camera"]["message"]') == *"can be played"* ]]; do
  ((SECONDS < deadline)) || fail "the Camera property does not say why after 10 s"
  sleep 0.1
done
expect_match "$(ctl --json status | json 'd["Camera"]["message"]')" \
  "file camera: none of the 2 images in $WORK/frames can be played; the first: broken\.jpg: truncated or corrupt JPEG" \
  "Camera message"
expect_eq "$(booth_state)" error "State with no playable frame"
booth_daemon_stop
