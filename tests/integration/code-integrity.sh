# SPDX-License-Identifier: GPL-2.0-or-later
# The right code on the right photo, replayed through the file camera with playlists:
# 1. auto_start=false: code 1 shown, `boothctl start` without a code, the student sits, code 2
#    passes, capture, commit: the record holds code 1 (the code in view when the session
#    started), code 2 is only signalled.
# 2. auto_start=true: code 1 starts a session, the operator cancels it and starts one by hand
#    while code 1 is still in view; code 2 passes; the record holds code 1.
# 3. The next student's code, shown during a session and held in view, starts the next session
#    as soon as this one is committed.
# 4. A committed code held in view attaches to no later session; a session without a code
#    refuses Capture and Commit with words that say how to give it.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
sed 's/^auto_start=.*/auto_start=false/' "$BOOTH_SOURCE_ROOT/etc/boothd.conf" >"$WORK/manual.conf"
booth_bus_start

# committed_code SESSION: the code stored with SESSION's committed record.
committed_code() {
  sql "select status || ' ' || coalesce(cast(code as text), '') from sessions where id = '$1'"
}

# 1.
printf '%s\n' "$FRAMES/code-1.png 2" "$FRAMES/student.jpg 2" "$FRAMES/code-2.png 1" \
  "$FRAMES/student.jpg 600" >"$WORK/one.playlist"
export BOOTH_CONFIG=$WORK/manual.conf BOOTH_FRAMES=$WORK/one.playlist
booth_watch_start "$WORK/watch1.jsonl" --json
booth_daemon_start
booth_wait_match "$WORK/watch1.jsonl" "\"payload\":\"$CODE1\""
expect_exit 0 ctl start
session=$OUT
booth_wait_state framing
booth_wait_match "$WORK/watch1.jsonl" "\"payload\":\"$CODE2\"" 15
booth_wait_student
expect_exit 4 ctl capture
expect_exit 0 ctl commit --override
booth_watch_stop
expect_eq "$(committed_code "$session")" "committed $CODE1" "scenario 1: the record holds code 1"
expect_eq "$(grep "$CODE2" "$WORK/watch1.jsonl" | json 'd["info"]["in_session"], "session_id" in d["info"]')" \
  '[true, false]' "scenario 1: code 2 only signalled"
booth_daemon_stop

# 2.
printf '%s\n' "$FRAMES/code-1.png 4" "$FRAMES/student.jpg 3" "$FRAMES/code-2.png 1" \
  "$FRAMES/student.jpg 600" >"$WORK/two.playlist"
export BOOTH_CONFIG=$BOOTH_SOURCE_ROOT/etc/boothd.conf BOOTH_FRAMES=$WORK/two.playlist
booth_watch_start "$WORK/watch2.jsonl" --json
booth_daemon_start
booth_wait_state framing
auto=$(ctl --json status | json 'd["Session"]["id"]')
expect_exit 0 ctl cancel
expect_eq "$(booth_state)" idle "scenario 2: the cancelled code starts no session by itself"
expect_exit 0 ctl start
session=$OUT
expect_eq "$(booth_state)" framing "scenario 2: the session by hand takes the code in view"
booth_wait_match "$WORK/watch2.jsonl" "\"payload\":\"$CODE2\"" 15
booth_wait_student
expect_exit 4 ctl capture
expect_exit 0 ctl commit --override
booth_watch_stop
expect_eq "$(committed_code "$session")" "committed $CODE1" "scenario 2: the record holds code 1"
expect_eq "$(committed_code "$auto")" "cancelled $CODE1" "scenario 2: the first session was cancelled"
booth_daemon_stop

# 3.
printf '%s\n' "$FRAMES/code-1.png 1" "$FRAMES/student.jpg 4" "$FRAMES/code-2.png 600" \
  >"$WORK/three.playlist"
export BOOTH_FRAMES=$WORK/three.playlist
booth_watch_start "$WORK/watch3.jsonl" --json
booth_daemon_start
booth_wait_state framing
first=$(ctl --json status | json 'd["Session"]["id"]')
booth_wait_student
expect_exit 4 ctl capture
booth_wait_match "$WORK/watch3.jsonl" "\"payload\":\"$CODE2\"" 15
expect_eq "$(booth_state)" reviewing "scenario 3: code 2 during the review starts nothing"
expect_exit 0 ctl commit --override
booth_wait_state framing
second=$(ctl --json status | json 'd["Session"]["id"]')
[[ $second != "$first" ]] || fail "scenario 3: no new session after the commit"
expect_eq "$(committed_code "$first")" "committed $CODE1" "scenario 3: the first record holds code 1"
expect_eq "$(committed_code "$second")" "active $CODE2" "scenario 3: code 2 started the next session"
booth_watch_stop
expect_exit 0 ctl cancel
booth_daemon_stop

# 4. (no-face.playlist holds code 2 up, with nobody in view)
export BOOTH_FRAMES=$FRAMES/no-face.playlist
booth_daemon_start
booth_wait_state framing
first=$(ctl --json status | json 'd["Session"]["id"]')
expect_exit 4 ctl capture --force
expect_exit 0 ctl commit --override
sleep 1
expect_eq "$(booth_state)" idle "scenario 4: the committed code in view starts nothing"
expect_exit 0 ctl start
second=$OUT
expect_eq "$(booth_state)" scanning "scenario 4: the committed code does not attach"
expect_fail_with BadState ctl capture
expect_match "$ERR" "has no capture code yet: the student shows the QR capture code" "Capture says how"
expect_exit 0 ctl cancel
expect_eq "$(committed_code "$first")" "committed $CODE2" "scenario 4: the committed record"
expect_eq "$(committed_code "$second")" "cancelled " "scenario 4: the session without a code holds none"
booth_daemon_stop
