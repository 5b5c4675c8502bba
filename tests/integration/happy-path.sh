# SPDX-License-Identifier: GPL-2.0-or-later
# The whole session as a booth runs it: the code is scanned from the frames and starts a
# session, boothctl captures and commits, and the record and the file agree.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/demo.playlist
booth_bus_start
booth_watch_start "$WORK/watch.jsonl" --json
booth_daemon_start

booth_wait_state framing
session=$(ctl --json status | json 'd["Session"]["id"]')
expect_match "$session" '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$' "session id"
expect_eq "$(ctl --json sessions --limit 1 | json 'd[0]["status"], d[0]["code"]')" "[\"active\", \"$CODE1\"]" \
  "the active record holds the code"
expect_eq "$(ctl --json status | json 'd["Session"]["has_code"], "code" in d["Session"]')" '[true, false]' \
  "the public Session property says there is a code, not what it is"
expect_eq "$(ctl --json status | json 'd["Session"]["detached"]')" true "a scanned code's session is detached"
booth_wait_match "$WORK/watch.jsonl" '"event":"CodeScanned"'
expect_eq "$(grep '"event":"CodeScanned"' "$WORK/watch.jsonl" | head -n 1 | json 'd["payload"]')" "$CODE1" \
  "CodeScanned payload"

booth_wait_student
# The sample's backdrop is grey, not light blue: the checks must say so, and only that.
expect_exit 4 ctl --json capture
report=$OUT
expect_eq "$(json 'd["source"], d["source_width"], d["source_height"]' <<<"$report")" \
  '["student.jpg", 576, 768]' "the captured frame"
expect_eq "$(json '(lambda x, y, w, h: w * 4 == h * 3 and x >= 0 and y >= 0 and x + w <= 576 and y + h <= 768)(*d["crop"])' <<<"$report")" \
  true "the geometry's crop is 3:4 and inside the frame"
expect_eq "$(json 'd["width"], d["height"]' <<<"$report")" '[480, 640]' "candidate size"
expect_eq "$(json 'd["passed"]' <<<"$report")" false "the photo does not pass"
expect_eq "$(json 'd["failed"]' <<<"$report")" \
  '["chsi-upload/background_colour", "chsi-final/background_colour"]' "failed checks"
for band in head_top eye_line face_width centred one_face both_eyes tilt file_size; do
  expect_eq "$(json "[c['pass'] for p in d['photos'] for c in p['checks'] if c['name'] == '$band']" <<<"$report")" \
    '[true, true]' "$band passes in both profiles"
done
bytes=$(json 'd["bytes"]' <<<"$report")
((bytes >= 40 * 1024 && bytes <= 200 * 1024)) || fail "candidate is $bytes bytes, outside 40-200 KB"
ok "candidate is $bytes bytes, quality $(json 'd["quality"]' <<<"$report")"
candidate=$(json 'd["file"]' <<<"$report")
[[ -f $candidate ]] || fail "candidate file $candidate missing"
booth_wait_state reviewing
expect_exit 0 ctl capture --help

expect_fail_with ChecksFailed ctl commit
expect_match "$ERR" "failed these checks: chsi-upload/background_colour" "Commit names the failed check"
expect_exit 0 ctl --json commit --override
record=$OUT
expect_eq "$(json 'd["overrides"]' <<<"$record")" \
  '["chsi-upload/background_colour", "chsi-final/background_colour"]' "overrides recorded"
expect_eq "$(json 'd["status"]' <<<"$record")" committed "record status"
expect_eq "$(json 'd["code"]' <<<"$record")" "$CODE1" "record code"
photo=$(json '[f["path"] for f in d["files"] if f["profile"] == "chsi-upload"][0]' <<<"$record")
expect_eq "$photo" "$WORK/state/photos/${session}_chsi-upload.jpg" "photo path named by session id"
expect_eq "$(booth_jpeg_size "$photo")" 480x640 "photo size (djpeg)"
expect_eq "$(sha256sum "$photo" | cut -d' ' -f1)" "$(json '[f["sha256"] for f in d["files"] if f["profile"] == "chsi-upload"][0]' <<<"$record")" \
  "photo sha256"
expect_eq "$(stat -c %s "$photo")" "$bytes" "photo is the candidate"
[[ ! -e $candidate ]] || fail "candidate $candidate still there after commit"
ok "candidate removed after commit"
booth_wait_state idle

# The record store, read without boothd, says the same.
expect_eq "$(sql "select status, hex(code) = hex(cast('$CODE1' as blob)) from sessions where id = '$session'")" \
  'committed|1' "sessions row"
expect_eq "$(sql "select group_concat(profile) from (select profile from files where session_id = '$session' order by profile)")" \
  chsi-final,chsi-upload "files rows"
final=$(json '[f["path"] for f in d["files"] if f["profile"] == "chsi-final"][0]' <<<"$record")
expect_eq "$(booth_jpeg_size "$final")" 480x640 "chsi-final size (djpeg)"
# Measured independently with OpenCV (its own cascades, eyes and a GrabCut head top).
read -r _ head_top eye_line face_width centre n < <(/usr/bin/python3 \
  "$BOOTH_SOURCE_ROOT/tests/reference/opencv-faces.py" measure "$final")
echo "# OpenCV on the chsi-final photo: head top $head_top, eye line $eye_line, face width $face_width, centre offset $centre, $n face(s)"
expect_eq "$n" 1 "OpenCV finds one face"
in_band() { /usr/bin/python3 -c "import sys; v, lo, hi = map(float, sys.argv[1:]); sys.exit(not lo <= v <= hi)" "$@"; }
in_band "$head_top" 50 110 || fail "head top $head_top outside 50-110"
in_band "$eye_line" 200 300 || fail "eye line $eye_line outside 200-300"
in_band "$face_width" 180 300 || fail "face width $face_width outside 180-300"
in_band "$centre" -24 24 || fail "face centre $centre px off the middle"
ok "OpenCV confirms the chsi-final geometry bands"
final_kb=$(($(stat -c %s "$final") / 1024))
((final_kb >= 20 && final_kb < 40)) || fail "chsi-final is $final_kb KB, outside 20-40 KB"
ok "chsi-final is $final_kb KB"
# The independent client sees the record too.
expect_match "$(bctl call org.boothd.Booth1 /org/boothd/Booth1 org.boothd.Booth1 ListRecords 'a{sv}' 0)" \
  "\"session_id\" s \"$session\"" "busctl ListRecords"
expect_exit 0 ctl sessions
expect_match "$OUT" "$session" "boothctl sessions lists the session"

booth_wait_match "$WORK/watch.jsonl" "\"event\":\"Committed\".*$session"
booth_watch_stop
stats=$(bctl get-property org.boothd.Booth1 /org/boothd/Booth1 org.boothd.Booth1 Stats)
expect_match "$stats" '"commits" t 1' "Stats commits"
booth_daemon_stop
