# SPDX-License-Identifier: GPL-2.0-or-later
# Retake discards the candidate (every profile's file) and counts the attempt; the commit that
# follows records both attempts and one photo.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
expect_exit 0 ctl start --code "$CODE2" --operator "desk 3"
session=$OUT
booth_wait_state framing
expect_fail_with BadState ctl retake
expect_match "$ERR" "no candidate to retake" "retake without a candidate"

expect_exit 4 ctl --json capture
first=$(json 'd["file"]' <<<"$OUT")
expect_eq "$(booth_files candidates)" 2 "a candidate per profile on disk (chsi-upload, chsi-final)"
expect_fail_with BadState ctl capture
expect_match "$ERR" "'boothctl commit' it or 'boothctl retake'" "a second capture is refused while reviewing"
expect_exit 0 ctl retake
booth_wait_state framing
[[ ! -e $first ]] || fail "retake left $first"
ok "retake removed the session profile's candidate file"
expect_eq "$(booth_files candidates)" 0 "no candidate of any profile on disk"

expect_exit 4 ctl --json capture
expect_eq "$(json 'd["attempt"]' <<<"$OUT")" 2 "second attempt"
expect_exit 0 ctl --json commit --override
expect_eq "$(json 'd["attempts"], d["operator"], d["code"]' <<<"$OUT")" "[2, \"desk 3\", \"$CODE2\"]" \
  "record attempts, operator and code"
expect_eq "$(booth_files photos)" 2 "one photo per profile (chsi-upload, chsi-final)"
expect_match "$(booth_prop Stats)" '"retakes" t 1' "Stats retakes"
expect_eq "$(sql "select attempts from sessions where id = '$session'")" 2 "stored attempts"
booth_daemon_stop
