# SPDX-License-Identifier: GPL-2.0-or-later
# Soak: BOOTH_SOAK_REPLAY (300) students in a row through the file camera, each showing their
# own code (made by qrencode) for 1.2 s and then sitting for 3 s; each session is started by
# its code, captured while the student sits and committed. The code of every record must be
# the last code the camera showed before its capture: 0 mismatches.
source "$(dirname "$0")/../integration/common.sh"
booth_harness_init
n=${BOOTH_SOAK_REPLAY:-300}
mkdir -p "$WORK/codes"
for ((i = 1; i <= n; i++)); do
  code="XJM1:replay-$(printf %04d "$i")-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  qrencode -s 6 -m 4 -o "$WORK/codes/$i.png" "$code"
  printf '%s\n' "$WORK/codes/$i.png 1.2" "$FRAMES/student.jpg 3"
done >"$WORK/replay.playlist"
export BOOTH_FRAMES=$WORK/replay.playlist
booth_bus_start
booth_watch_start "$WORK/watch.jsonl" --json
booth_daemon_start
: >"$WORK/captures.txt"
last=
for ((i = 1; i <= n; i++)); do
  # A new session, started by the next code; then the student sits down.
  deadline=$((SECONDS + 20))
  while :; do
    id=$(ctl --json status | json 'd["Session"].get("id", "")')
    [[ -n $id && $id != "$last" ]] && break
    ((SECONDS < deadline)) || fail "student $i: no session started"
    sleep 0.05
  done
  booth_wait_student 5 >/dev/null
  shown=$(grep '"event":"CodeScanned"' "$WORK/watch.jsonl" | tail -n 1 | json 'd["payload"]')
  expect_exit 4 ctl capture >/dev/null
  expect_exit 0 ctl commit --override >/dev/null
  printf '%s %s\n' "$id" "$shown" >>"$WORK/captures.txt"
  last=$id
  ((i % 50)) || echo "# $i students photographed"
done
booth_watch_stop
mismatches=0
while read -r id shown; do
  stored=$(sql "select cast(code as text) from sessions where id = '$id' and status = 'committed'")
  [[ $stored == "$shown" ]] || { echo "# mismatch: $id holds '$stored', the camera showed '$shown'"; ((++mismatches)); }
done <"$WORK/captures.txt"
echo "# $n sessions replayed, $mismatches mismatches"
expect_eq "$mismatches" 0 "every record holds the code shown before its capture"
booth_daemon_stop
