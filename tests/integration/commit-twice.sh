# SPDX-License-Identifier: GPL-2.0-or-later
# A second Commit cannot write anything again: the session is over, the photo unchanged.
# A front-end whose Commit got no reply (boothd killed) asks again with session_id, after
# boothd is back: the record answers that it landed; a session that did not commit says how
# it ended, an unknown one NoSession.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
expect_fail_with BadState ctl commit
expect_match "$ERR" "no candidate to commit" "Commit with no candidate"
expect_exit 4 ctl capture
expect_exit 0 ctl --json commit --override
photo=$(json 'd["files"][0]["path"]' <<<"$OUT")
session=$(json 'd["session_id"]' <<<"$OUT")
sum=$(sha256sum "$photo")
expect_fail_with NoSession ctl commit
expect_fail_with NoSession gcall Commit "{}"
expect_eq "$(sha256sum "$photo")" "$sum" "photo unchanged"
expect_eq "$(booth_files photos)" 2 "still one photo per profile"
expect_eq "$(sql "select count(*) from sessions where status = 'committed'")" 1 "one committed record"

kill -KILL "$BOOTHD_PID"
wait "$BOOTHD_PID" || true
BOOTHD_PID=
booth_daemon_start
expect_exit 0 gcall Commit "{'session_id': <'$session'>}"
expect_match "$OUT" "'status': <'committed'>" "the retry answers with the committed record"
expect_match "$OUT" "'sha256': <'${sum%% *}'>" "the record's photo is the committed one"
expect_eq "$(booth_files photos)" 2 "nothing written again"
expect_eq "$(ctl --json sessions --limit 1 | json 'd[0]["session_id"]')" "$session" "the record"
expect_match "$(gcall ListRecords "{'session_id': <'$session'>}")" "'status': <'committed'>" \
  "ListRecords finds the one session"
expect_eq "$(gcall ListRecords "{'session_id': <'no-such-session'>}")" "(@aa{sv} [],)" "ListRecords: no such"
expect_exit 0 ctl start --code "$CODE2"
cancelled=$(ctl --json status | json 'd["Session"]["id"]')
expect_exit 0 ctl cancel
expect_fail_with BadState gcall Commit "{'session_id': <'$cancelled'>}"
expect_match "$ERR" "was not committed: it ended as cancelled" "a cancelled session says so"
expect_fail_with NoSession gcall Commit "{'session_id': <'20200101T000000Z-00000000'>}"
booth_daemon_stop
