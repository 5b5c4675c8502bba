# SPDX-License-Identifier: GPL-2.0-or-later
# boothctl check: photos made elsewhere, checked as they are against a profile. The booth's own
# committed chsi-final photo passes every check but the backdrop's colour (the sample student
# sits before a grey wall); a phone portrait fails size and aspect; the photo is handed over as
# a descriptor, read by boothd whatever its path; what is not a JPEG photo file is refused.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
expect_exit 4 ctl capture
expect_exit 0 ctl --json commit --override
final=$(json '[f["path"] for f in d["files"] if f["profile"] == "chsi-final"][0]' <<<"$OUT")
cp "$final" "$WORK/album-photo.jpg"

expect_exit 4 ctl check --profile chsi-final "$WORK/album-photo.jpg"
expect_match "$OUT" "^photo +chsi-final: 480x640, [0-9.]+ KiB \\([0-9]+ bytes\\), quality (8[89]|9[01]), FAILED" \
  "the file's own size, bytes and quality (written at 89)"
expect_match "$OUT" "background_colour +FAIL" "the grey backdrop fails"
expect_eq "$(grep -cE '^  [a-z_]+ +FAIL' <<<"$OUT")" 1 "every other check passes"
expect_eq "$(ctl --json check --profile chsi-final "$WORK/album-photo.jpg" | json '[c["name"] for c in d[0]["report"]["checks"] if not c["pass"]]')" \
  '["background_colour"]' "--json lists the same failure"

expect_exit 4 ctl check --profile chsi-upload "$BOOTH_SOURCE_ROOT/tests/data/portraits/test0.jpg"
expect_match "$OUT" "^  (width|height|aspect) +FAIL" "a phone portrait is not the standard's size"

# Not a photo file: a PNG, a FIFO, an unknown profile, a file that is not there.
expect_fail_with InvalidArgument ctl check "$FRAMES/code-1.png"
expect_match "$ERR" "not a JPEG file" "a PNG is refused"
mkfifo "$WORK/fifo"
expect_fail_with InvalidArgument timeout 10 "$BOOTHCTL" --bus "$BUS_ADDR" --json check "$WORK/fifo"
expect_match "$ERR" "must be a regular file" "a FIFO is refused, not waited on"
expect_fail_with InvalidArgument ctl check --profile passport "$WORK/album-photo.jpg"
expect_match "$ERR" "unknown profile 'passport'" "an unknown profile"
expect_exit 2 ctl check "$WORK/none.jpg"
expect_exit 2 ctl check
expect_match "$ERR" "give one or more photo files" "check without a file"
booth_daemon_stop
