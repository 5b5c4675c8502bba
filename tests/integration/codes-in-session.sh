# SPDX-License-Identifier: GPL-2.0-or-later
# The same code held in view starts one session only; another student's code during a
# session is signalled but never takes the session over.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/two-codes.playlist
booth_bus_start
booth_watch_start "$WORK/watch.jsonl" --json
booth_daemon_start
booth_wait_state framing
session=$(ctl --json status | json 'd["Session"]["id"]')
booth_wait_match "$WORK/watch.jsonl" "\"payload\":\"$CODE2\""
sleep 1
booth_watch_stop
events=$(grep '"event":"CodeScanned"' "$WORK/watch.jsonl")
expect_eq "$(grep -c "\"payload\":\"$CODE1\"" <<<"$events")" 1 "code 1 (15 frames in view) signalled once"
expect_eq "$(grep -c "\"payload\":\"$CODE2\"" <<<"$events")" 1 "code 2 signalled once"
expect_eq "$(grep "$CODE1" <<<"$events" | json 'd["info"]["session_id"]')" "$session" "code 1 started the session"
expect_eq "$(grep "$CODE2" <<<"$events" | json 'd["info"]["in_session"], "session_id" in d["info"]')" \
  '[true, false]' "code 2 signalled in session, started nothing"
expect_eq "$(ctl --json sessions --limit 1 | json 'd[0]["session_id"], d[0]["code"]')" \
  "[\"$session\", \"$CODE1\"]" "session and code unchanged"
expect_eq "$(sql "select count(*) from sessions")" 1 "one session recorded"
booth_daemon_stop
