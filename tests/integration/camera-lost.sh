# SPDX-License-Identifier: GPL-2.0-or-later
# A camera that goes away during a session: the session is kept, State says error, Capture
# answers NoCamera with the camera supervisor's message, and when the camera comes back the
# same session goes on. The file camera stands in for a USB camera: a frame every 10 s against
# a frame timeout of 3 s makes the supervisor take it for hung and restart it, and its folder,
# moved away meanwhile, makes the restart find nothing, as after an unplug.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/cam" "$WORK/profiles"
cp "$FRAMES/student.jpg" "$WORK/cam/"
cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
cat >"$WORK/boothd.conf" <<'CONF'
[Booth]
auto_start=false
[Camera]
fps=0.1
frame_timeout=3
max_restarts=20
CONF
booth_bus_start
BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$WORK/cam booth_daemon_start

# Within the first frame's 3 s.
expect_exit 0 ctl start --code "$CODE1"
session=$OUT
expect_eq "$(booth_state)" framing "State with a session"
mv "$WORK/cam" "$WORK/cam.away"

booth_wait_match "$WORK/boothd.log" "warning camera: camera file:$WORK/cam delivered no frame for 3\.[0-9] s: restarting it in 1\.0 s \(restart 1 of 20\)"
booth_wait_state error 10
deadline=$((SECONDS + 10))
until [[ $(ctl --json status | json 'd["Camera"]["state"]') == unplugged ]]; do
  ((SECONDS < deadline)) || fail "Camera state is not 'unplugged' 10 s after the restart"
  sleep 0.1
done
status=$(ctl --json status)
expect_match "$(json 'd["Camera"]["message"]' <<<"$status")" \
  "^camera file:$WORK/cam is gone \(file camera: .* does not exist.*\): plug it back in, boothd reopens it by itself$" \
  "Camera message"
expect_eq "$(json 'd["Session"]["id"], d["Session"]["has_code"]' <<<"$status")" "[\"$session\", true]" \
  "the session is kept"
expect_eq "$(booth_state)" error "State while the camera is gone"

expect_fail_with NoCamera ctl capture
expect_match "$ERR" "^boothctl: no camera: camera file:$WORK/cam is gone" "boothctl's message"
expect_fail_with NoCamera gcall Capture "{}"
expect_match "$ERR" "no camera: camera file:.* is gone" "gdbus's message"
expect_fail_with Busy ctl start --code "$CODE2"

# Back: the next re-probe (2 s) finds it and the session goes on.
mv "$WORK/cam.away" "$WORK/cam"
booth_wait_state framing 10
expect_eq "$(ctl --json status | json 'd["Session"]["id"]')" "$session" "the same session"
booth_wait_match "$WORK/boothd.log" "notice camera: back: camera file:$WORK/cam"
expect_exit 0 ctl cancel
expect_eq "$(sql "select status from sessions where id = '$session'")" cancelled "record status"
booth_daemon_stop
