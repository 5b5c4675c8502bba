# SPDX-License-Identifier: GPL-2.0-or-later
# What boothsync refuses to do, and says so: send a photo whose file no longer hashes to the
# SHA-256 boothd recorded (that session stays pending, the others go, and it goes once the
# file is right again); overwrite a session the central database holds with other content
# (left pending, nothing overwritten, nothing doubled); sync a booth's state folder with
# another booth's role; sync with a role no booth is registered for.
source "$(dirname "$0")/lib.sh"
sync_init
SESSIONS=30

expect_eq "$(store_make 1 "$SESSIONS")" "$SESSIONS" "committed sessions made"
pg_start
pg_schema
pg_add_booth 1 '至善楼 101'
pg_add_booth 2 '至善楼 116'
bus_template
booth_start 1

ids=($(sqlite3 -batch -noheader "$WORK/booth1/records.db" \
  "SELECT id FROM sessions WHERE status = 'committed' ORDER BY started_at"))
damaged=$WORK/booth1/photos/${ids[4]}_chsi-final.jpg
cp "$damaged" "$WORK/saved.jpg"
# One byte changed inside the JPEG's data: same size, another SHA-256.
printf '\x00' | dd of="$damaged" bs=1 seek=200 conv=notrunc status=none
# A session of booth 1 that the central database holds with another code and another photo.
forged=${ids[6]}
sql_pg "INSERT INTO booth.sessions (booth_id, session_id, code, started_at, committed_at, attempts)
  VALUES ('room-1', '$forged', '\\x00ff', now(), now(), 1);
  INSERT INTO booth.photos (booth_id, session_id, profile, file, bytes, sha256, data)
  VALUES ('room-1', '$forged', 'chsi-upload', 'photos/x.jpg', 3, encode(sha256('\\x010203'), 'hex'), '\\x010203')" >/dev/null

expect_exit 1 sync_once 1
err=$(cat "$WORK/sync1.log")
expect_match "$err" "photo .*${ids[4]}_chsi-final.jpg of session ${ids[4]} does not match the SHA-256 boothd recorded" \
  "the damaged photo is named"
expect_match "$err" "holds a different session $forged for booth room-1" "the other content is named"
expect_eq "$(central_count 1)" $((SESSIONS - 1)) "the others went, the forged one stayed one"
expect_eq "$(sql_pg "SELECT encode(code, 'hex') FROM booth.sessions WHERE session_id = '$forged'")" 00ff \
  "the central session was not overwritten"
expect_eq "$(sql_pg "SELECT count(*) FROM booth.sessions WHERE session_id = '${ids[4]}'")" 0 \
  "the session with the damaged photo did not go, not even its record"
expect_eq "$(sqlite3 -batch -noheader "$WORK/sync1/sync.db" 'SELECT count(*) FROM synced')" \
  $((SESSIONS - 2)) "the two are not marked synced"

cp "$WORK/saved.jpg" "$damaged"
expect_exit 1 sync_once 1
expect_eq "$(sql_pg "SELECT count(*) FROM booth.photos WHERE session_id = '${ids[4]}'")" 2 \
  "once the file is right again, its session goes"
expect_match "$(tail -n 3 "$WORK/sync1.log")" "1 pending.*last error: the central database holds a different session" \
  "the forged one stays pending, with its reason"

# Another booth's role on booth 1's state folder.
printf '[Sync]\ndatabase=%s\n' "$(conninfo 2)" >"$WORK/wrong.conf"
expect_exit 1 "$BOOTHSYNC" --bus "${BUS_OF[1]}" --state-dir "$WORK/sync1" --config "$WORK/wrong.conf" --once
expect_match "$ERR" "role booth_2 is booth room-2 in the central database, but $WORK/sync1 synced booth room-1" \
  "a state folder refuses another booth's role"
# A role no booth is registered for.
sql_pg "CREATE ROLE stray LOGIN PASSWORD 'pws' IN ROLE booth_sync" >/dev/null
printf '[Sync]\ndatabase=host=127.0.0.1 port=%s dbname=booths user=stray password=pws\n' "$PG_PORT" \
  >"$WORK/stray.conf"
expect_exit 1 "$BOOTHSYNC" --bus "${BUS_OF[1]}" --state-dir "$WORK/stray" --config "$WORK/stray.conf" --once
expect_match "$ERR" "knows no booth for role stray: register it there with SELECT booth.add_booth" \
  "an unregistered role is told how to register"
expect_exit 1 psql_as stray "INSERT INTO booth.sessions (booth_id, session_id, code, started_at, committed_at, attempts)
  VALUES ('room-1', 'x-1', '\\x01', now(), now(), 1)"
expect_match "$ERR" 'row-level security' "an unregistered role writes no booth's rows"
