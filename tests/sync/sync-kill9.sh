# SPDX-License-Identifier: GPL-2.0-or-later
# boothsync SIGKILLed at random points of a sync: each trial starts it, waits until the central
# database holds a few more sessions (so the kill lands while it ships), waits a random few
# milliseconds more and kills it. After every kill, no session is marked synced here that the
# central database lacks; at the end, with a last run to completion: 0 lost, 0 duplicated,
# every SHA-256 the local file's. SYNC_TRIALS (20) and SYNC_SESSIONS (600) make it longer.
source "$(dirname "$0")/lib.sh"
sync_init
SESSIONS=${SYNC_SESSIONS:-600}
TRIALS=${SYNC_TRIALS:-20}

expect_eq "$(store_make 1 "$SESSIONS")" "$SESSIONS" "committed sessions made"
pg_start
pg_schema
pg_add_booth 1 '至善楼 101'
bus_template
booth_start 1

RANDOM=${SYNC_SEED:-4242}
mid=0
between=0
for ((trial = 1; trial <= TRIALS; trial++)); do
  # One session per transaction, so that kills fall between any two steps of it. Odd
  # trials: a random moment from the start (start-up, listing, shipping: 50 to 350 ms);
  # even trials: a random moment (0 to 100 ms) after the first session of this run landed,
  # so that they fall while it ships whatever the listing takes.
  before=$(central_count 1)
  sync_start 1 --batch 1
  if ((trial % 2)); then
    ms=$((50 + RANDOM % 300))
  else
    deadline=$((SECONDS + 60))
    while (($(central_count 1) == before && before < SESSIONS)) && ((SECONDS < deadline)); do
      sleep 0.02
    done
    ms=$((RANDOM % 100))
  fi
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -KILL "${SYNC_PID_OF[1]}"
  wait "${SYNC_PID_OF[1]}" 2>/dev/null || true
  after=$(central_count 1)
  ((after < SESSIONS)) && mid=$((mid + 1))
  # Marked here means central: the mark comes only after the central COMMIT.
  sqlite3 -batch -noheader "$WORK/sync1/sync.db" 'SELECT session_id FROM synced' |
    LC_ALL=C sort >"$WORK/marked"
  sql_pg "SELECT session_id FROM booth.sessions WHERE booth_id = 'room-1'" |
    LC_ALL=C sort >"$WORK/central"
  missing=$(LC_ALL=C comm -23 "$WORK/marked" "$WORK/central" | wc -l)
  ((missing == 0)) || fail "trial $trial: $missing sessions marked synced are not in the central database"
  marked=$(wc -l <"$WORK/marked")
  ((after > marked)) && between=$((between + 1))
  echo "# trial $trial: killed with $after of $SESSIONS sessions central, $marked marked here"
done
ok "$TRIALS kills, $mid in the middle of the sync, $between between a central COMMIT and its mark here; no session marked here was missing centrally"
expect_exit 0 sync_once 1
expect_whole 1 "$SESSIONS"
r=$(verify 1)
echo "# kill -9 campaign: $TRIALS trials ($mid mid-sync, $between between COMMIT and mark), $SESSIONS sessions: lost ${r%% *}, duplicated $(cut -d' ' -f2 <<<"$r"), SHA-256 mismatches ${r##* }"
