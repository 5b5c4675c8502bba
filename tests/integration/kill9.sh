# SPDX-License-Identifier: GPL-2.0-or-later
# Commit is durable before it replies: a SIGKILL right after Commit returns loses nothing,
# and a candidate that was never committed survives as abandoned photos, one per profile.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
session=$OUT
expect_exit 4 ctl capture
expect_exit 0 ctl --json commit --override
record=$OUT
booth_daemon_kill9
photo=$(json 'd["files"][0]["path"]' <<<"$record")
expect_eq "$(sha256sum "$photo" | cut -d' ' -f1)" "$(json 'd["files"][0]["sha256"]' <<<"$record")" \
  "photo intact after SIGKILL"
expect_eq "$(sql "select status from sessions where id = '$session'")" committed "record after SIGKILL"

# A second session killed while its candidate waits for review.
booth_daemon_start
expect_exit 0 ctl start --code "$CODE2"
second=$OUT
expect_exit 4 ctl capture
booth_daemon_kill9
booth_daemon_start
expect_match "$(cat "$WORK/boothd.log")" "repairs at start-up" "the restart reports its repair"
expect_eq "$(sql "select status from sessions where id = '$second'")" interrupted "interrupted session"
expect_eq "$(booth_files abandoned)" 2 "its candidate of each profile is kept"
expect_eq "$(sql "select group_concat(profile, ' ') from (select profile from files
  where session_id = '$second' order by profile)")" "candidate/chsi-final candidate/chsi-upload" \
  "both recorded as kept candidates"
expect_eq "$(booth_files candidates)" 0 "none left in candidates/"
expect_exit 0 ctl --json sessions
expect_eq "$(json '[r["status"] for r in d]' <<<"$OUT")" '["interrupted", "committed"]' "records"
booth_daemon_stop
