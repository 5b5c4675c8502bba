# SPDX-License-Identifier: GPL-2.0-or-later
# Four rooms, one collection: four booths' stores of 250 committed sessions each (the daemon's
# own commit code), each served by the real boothd on its own bus, shipped by four boothsyncs
# through one network to a real PostgreSQL 15. On the way: a booth's role trying to write
# another booth's rows (refused by row-level security), PostgreSQL stopped in the middle of
# the sync and started again, the network cut for a while (connections reset, then refused),
# then frozen (nothing answers, nothing is closed). Then, for every booth: 0 lost,
# 0 duplicated, every SHA-256 the local file's, and boothctl status says so; last, boothcollect
# on the central side.
source "$(dirname "$0")/lib.sh"
sync_init
# json EXPR: evaluates a Python expression over the JSON document on stdin, bound to d.
json() {
  python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps(eval(sys.argv[1])))' "$1"
}
SESSIONS=${SYNC_SESSIONS:-250}

t0=$SECONDS
pids=()
for n in 1 2 3 4; do
  store_make "$n" "$SESSIONS" >"$WORK/made$n" &
  pids+=($!)
done
wait "${pids[@]}"
for n in 1 2 3 4; do
  expect_eq "$(cat "$WORK/made$n")" "$SESSIONS" "booth $n: committed sessions made"
done
echo "# four stores of $SESSIONS sessions made in $((SECONDS - t0)) s"
pg_start
pg_schema
rooms=('' '至善楼 101' '至善楼 116' '至善楼 201' '至善楼 216')
for n in 1 2 3 4; do
  pg_add_booth "$n" "${rooms[n]}"
done
bus_template
for n in 1 2 3 4; do
  booth_start "$n"
done
ok "four boothds serve their stores"

# Nobody writes what is not theirs.
expect_fail() {
  if out=$(psql_as "$1" "$2" 2>&1); then
    fail "role $1 was allowed: $2"
  fi
  expect_match "$out" "$3" "role $1 refused"
}
expect_fail booth_1 "INSERT INTO booth.sessions (booth_id, session_id, code, started_at, committed_at, attempts)
  VALUES ('room-2', 'forged-1', '\\x01', now(), now(), 1)" 'row-level security'
expect_fail booth_1 "UPDATE booth.sessions SET note = 'x'" 'permission denied'
expect_fail booth_1 "DELETE FROM booth.photos" 'permission denied'
expect_fail registrar "INSERT INTO booth.sessions (booth_id, session_id, code, started_at, committed_at, attempts)
  VALUES ('room-1', 'forged-2', '\\x01', now(), now(), 1)" 'permission denied'

# The sync, with PostgreSQL stopped in the middle and the network cut.
relay_start
for n in 1 2 3 4; do
  sync_start "$n" --batch 5
done
deadline=$((SECONDS + 60))
until (($(sql_pg "SELECT count(*) FROM booth.sessions") >= SESSIONS * 4 / 10)); do
  ((SECONDS < deadline)) || fail "fewer than $((SESSIONS * 4 / 10)) sessions synced after 60 s"
  sleep 0.1
done
pg_stop immediate
ok "PostgreSQL stopped (immediate) in the middle of the sync"
sleep 3
for n in 1 2 3 4; do
  booth__alive "${SYNC_PID_OF[$n]}" || fail "boothsync $n exited while the database was down"
done
progress=$(busctl --address="${BUS_OF[1]}" --json=short get-property org.boothd.Sync1 /org/boothd/Sync1 org.boothd.Sync1 Progress)
expect_match "$progress" 'cannot reach the central database' "boothsync 1 says why it waits"
expect_match "$("$BOOTHCTL" --bus "${BUS_OF[2]}" status)" \
  'last error +cannot reach the central database' "boothctl status shows booth 2's last error"
pg_start
deadline=$((SECONDS + 60))
until (($(sql_pg "SELECT count(*) FROM booth.sessions") >= SESSIONS * 2)); do
  ((SECONDS < deadline)) || fail "fewer than $((SESSIONS * 2)) sessions synced 60 s after the restart"
  sleep 0.1
done
relay_stop
ok "the network is cut with $(sql_pg "SELECT count(*) FROM booth.sessions") sessions synced"
sleep 4
relay_start
# Then a network that stops answering without closing anything (the relay frozen: the kernel
# still accepts and acknowledges, nothing comes back), longer than io_timeout (10 s).
deadline=$((SECONDS + 60))
until (($(sql_pg "SELECT count(*) FROM booth.sessions") >= SESSIONS * 14 / 5)); do
  ((SECONDS < deadline)) || fail "fewer than $((SESSIONS * 14 / 5)) sessions synced 60 s after the cut"
  sleep 0.1
done
kill -STOP "$RELAY_PID"
frozen=$(sql_pg "SELECT count(*) FROM booth.sessions")
sleep 14
expect_eq "$(sql_pg "SELECT count(*) FROM booth.sessions")" "$frozen" "nothing lands while the network is frozen"
# The booth furthest behind still had work when the network froze.
behind=$(sql_pg "SELECT substr(b.booth_id, 6) FROM booth.booths b LEFT JOIN booth.sessions s
  USING (booth_id) GROUP BY b.booth_id ORDER BY count(s.session_id), b.booth_id LIMIT 1")
expect_match "$("$BOOTHCTL" --bus "${BUS_OF[$behind]}" status)" 'last error .*(no answer within 10 s|cannot reach)' \
  "boothsync $behind (the furthest behind) gave up waiting and says why"
kill -CONT "$RELAY_PID"
for n in 1 2 3 4; do
  wait_central "$n" "$SESSIONS" 120
done
ok "every booth caught up by itself"
sleep 1.5
for n in 1 2 3 4; do
  expect_whole "$n" "$SESSIONS"
done
status=$("$BOOTHCTL" --bus "${BUS_OF[3]}" status)
expect_match "$status" '^Sync: +idle \(booth room-3\)' "boothctl status: the sync is idle"
expect_match "$status" "synced +$SESSIONS sessions" "boothctl status: synced"
expect_match "$status" 'pending +0 sessions' "boothctl status: nothing pending"
expect_match "$status" 'last error +none' "boothctl status: no error left"
expect_eq "$("$BOOTHCTL" --bus "${BUS_OF[3]}" --json status | python3 -c '
import json, sys; p = json.load(sys.stdin)["Sync"]["Progress"]; print(p["synced"], p["pending"])')" \
  "$SESSIONS 0" "boothctl status --json: Sync"
for n in 1 2 3 4; do
  sync_stop "$n"
done

# The central side: progress per room, the day report, and one export for the whole school in
# the format of a booth's own export.
collect() {
  "$BOOTHCOLLECT" --database "host=127.0.0.1 port=$PG_PORT dbname=booths user=registrar password=collect" "$@"
}
expect_exit 0 collect progress
expect_match "$OUT" "^room-3 +至善楼 201 +$SESSIONS +$((SESSIONS * 2)) " "progress: booth 3"
expect_match "$OUT" "^4 booths, $((SESSIONS * 4)) sessions$" "progress: the total"
expect_exit 0 collect report --day "$DAY"
expect_match "$OUT" "^至善楼 116 \(room-2\) +$SESSIONS " "report: a room"
expect_match "$OUT" "^all rooms +$((SESSIONS * 4)) " "report: all rooms"
expect_exit 0 collect report --day "$DAY" --json
# The counts against the stores, read with sqlite3.
retakes=0
for n in 1 2 3 4; do
  retakes=$((retakes + $(sqlite3 -batch -noheader "$WORK/booth$n/records.db" \
    "SELECT sum(attempts - 1) FROM sessions WHERE status = 'committed'")))
done
expect_eq "$(json 'd["collection"]["committed"], d["collection"]["overridden"], d["collection"]["retakes"], len(d["rooms"])' <<<"$OUT")" \
  "[$((SESSIONS * 4)), $(((SESSIONS + 4) / 5 * 4)), $retakes, 4]" \
  "report --json: committed, overridden and retakes of all rooms, and four rooms"
expect_eq "$(json 'sum(h["committed"] for h in d["collection"]["hours"])' <<<"$OUT")" $((SESSIONS * 4)) \
  "report --json: the hours add up"
mkdir "$WORK/school" "$WORK/room1"
expect_exit 0 collect export "$WORK/school"
batch=$(find "$WORK/school" -mindepth 1 -maxdepth 1 -name 'collection_*')
[[ -d $batch ]] || fail "no collection_* batch in $WORK/school"
expect_exit 0 bash -c "cd '$batch' && sha256sum --quiet -c SHA256SUMS"
expect_eq "$(find "$batch" -name '*.jpg' | wc -l)" $((SESSIONS * 8)) "photos in the school's batch"
expect_eq "$(head -c 3 "$batch/manifest.csv" | od -An -tx1 | tr -d ' ')" efbbbf "manifest.csv starts with a BOM"
expect_eq "$(($(wc -l <"$batch/manifest.csv") - 1))" $((SESSIONS * 8)) "manifest.csv rows"
# Booth 1's own export of the same sessions, by boothd: the same header, and the same rows
# but for the booth's name and room (the booth's configuration, not the central registry).
expect_exit 0 "$BOOTHCTL" --bus "${BUS_OF[1]}" export "$WORK/room1"
own=$(find "$WORK/room1" -mindepth 1 -maxdepth 1 -type d | head -n 1)
expect_eq "$(head -n 1 "$batch/manifest.csv")" "$(head -n 1 "$own/manifest.csv")" \
  "the school's manifest.csv has the booth export's columns"
python3 - "$batch/manifest.csv" "$own/manifest.csv" <<'PY' || fail "booth 1's rows differ between the two exports"
import csv, sys
def rows(path, keep):
    with open(path, encoding="utf-8-sig", newline="") as f:
        r = list(csv.reader(f))
    return sorted(row[2:] for row in r[1:] if keep(row))
central = rows(sys.argv[1], lambda row: row[0] == "room-1")
own = rows(sys.argv[2], lambda row: True)
if central != own:
    print(len(central), len(own), next((a, b) for a, b in zip(central, own) if a != b))
    sys.exit(1)
print(f"# booth 1: {len(own)} rows equal in both exports")
PY
ok "booth 1's rows are the same in its own export and the school's"
