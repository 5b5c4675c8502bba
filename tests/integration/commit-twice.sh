# A second Commit cannot write anything again: the session is over, the photo unchanged.
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
sum=$(sha256sum "$photo")
expect_fail_with NoSession ctl commit
expect_fail_with NoSession gcall Commit "{}"
expect_eq "$(sha256sum "$photo")" "$sum" "photo unchanged"
expect_eq "$(booth_files photos)" 2 "still one photo per profile"
expect_eq "$(sql "select count(*) from sessions where status = 'committed'")" 1 "one committed record"
booth_daemon_stop
