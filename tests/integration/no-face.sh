# SPDX-License-Identifier: GPL-2.0-or-later
# Capture refuses a frame without a face (NoFace) and one whose geometry cannot be met
# (BadState naming the band and the amount), each unless force=true, which takes the photo
# and lets the checks say what fails.
source "$(dirname "$0")/common.sh"
booth_harness_init
booth_bus_start
export BOOTH_FRAMES=$FRAMES/no-face.playlist
booth_daemon_start
booth_wait_state framing
expect_fail_with NoFace ctl capture
expect_match "$ERR" "no face in the frame: the student should sit facing the camera" "NoFace message"
expect_fail_with NoFace gcall Capture "{}"
expect_eq "$(booth_state)" framing "no candidate after NoFace"
expect_eq "$(booth_files candidates)" 0 "nothing written"
expect_exit 4 ctl --json capture --force
expect_eq "$(json 'd["forced"], d["passed"]' <<<"$OUT")" '[true, false]' "forced capture"
expect_match "$(json 'd["failed"]' <<<"$OUT")" '"chsi-upload/one_face"' "one_face fails"
expect_match "$(json 'd["warnings"]' <<<"$OUT")" 'no face, centred crop' "the report says how it was cropped"
expect_exit 0 ctl cancel
booth_daemon_stop

export BOOTH_FRAMES=$FRAMES/too-close.playlist
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
expect_fail_with BadState ctl capture
expect_match "$ERR" "the chsi-upload photo cannot be framed: face too large: [0-9]+ px wide" "the band and the amount"
expect_match "$(ctl --json status | json 'd["Framing"]["hints"]')" '"farther"' "the hint says farther"
expect_exit 4 ctl --json capture --force
expect_match "$(json 'd["failed"]' <<<"$OUT")" '"chsi-final/face_width"' "face_width fails when forced"
booth_daemon_stop
