# SPDX-License-Identifier: GPL-2.0-or-later
# An export batch is there whole or not at all, whatever point boothd is killed at, and no
# session is marked exported unless its batch is whole. boothd is SIGKILLed (strace fault
# injection on the calls that touch the export folder) at: the batch folder's creation, a
# photo's creation, a photo's flush, the manifest's write, the rename that gives the batch its
# name, and the flush after it; and a flush fails with ENOSPC half way. strace counts each
# thread's calls apart: the export runs on a thread of its own, made for it, so the counts are
# those of the export; no other thread makes these calls before the export has its name. After each, boothd
# starts again: the folder holds no batch that `sha256sum -c` refuses, the sessions' marks are
# as before, and the next export removes the leftover, says so, and writes a whole batch.
source "$(dirname "$0")/common.sh"
booth_harness_init
if ! command -v strace >/dev/null; then
  echo "# SKIP: strace is not installed (.ci/install-deps installs it)"
  exit 77
fi
sed 's/^auto_start=.*/auto_start=false/' "$BOOTH_SOURCE_ROOT/etc/boothd.conf" >"$WORK/booth.conf"
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
export BOOTH_CONFIG=$WORK/booth.conf BOOTH_FRAMES=$FRAMES/student.jpg
booth_bus_start
booth_daemon_start
codes=("$BOOTH_SOURCE_ROOT"/tests/data/codes/jsqr-{0,1,2,3,4,6,8,9}.bin)
/usr/bin/python3 "$(dirname "$0")/commit-many.py" "$BUS_ADDR" operator "${codes[@]}" >/dev/null
N=${#codes[@]}
mkdir "$WORK/stick"

marks() {
  sql "select count(*) || ':' || coalesce(group_concat(exported), '') from sessions"
}

# Every batch folder in the stick passes sha256sum -c and lists N sessions.
batches_whole() {
  local b
  for b in "$WORK"/stick/*/; do
    [[ -d $b ]] || continue
    (cd "$b" && sha256sum --quiet -c SHA256SUMS) || fail "batch $b is not whole"
  done
  return 0
}

STRACE_PID=
trial() {
  local what=$1 inject=$2 before after leftovers
  sleep 1.1 # batches are named to the second
  before=$(marks)
  strace -f -qq -p "$BOOTHD_PID" -o "$WORK/trace" -e trace=mkdirat,fsync,renameat2 \
    -e inject="$inject" \
    2>"$WORK/strace.err" &
  STRACE_PID=$!
  local deadline=$((SECONDS + 10))
  until [[ $(awk '/^TracerPid:/ {print $2}' "/proc/$BOOTHD_PID/status") == "$STRACE_PID" ]]; do
    if [[ -s $WORK/strace.err ]]; then
      echo "# SKIP: strace cannot trace boothd here: $(cat "$WORK/strace.err")"
      exit 77
    fi
    ((SECONDS < deadline)) || fail "strace did not attach within 10 s"
    sleep 0.02
  done
  booth__run "$BOOTHCTL" --bus "$BUS_ADDR" export --all "$WORK/stick"
  # A failure injected without a kill leaves strace attached to a living boothd.
  [[ $inject == *signal=SIGKILL* ]] || kill -INT "$STRACE_PID" 2>/dev/null || true
  wait "$STRACE_PID" 2>/dev/null || true
  STRACE_PID=
  if [[ $inject == *signal=SIGKILL* ]]; then
    booth__wait_gone "$BOOTHD_PID" 10 || fail "$what: boothd was not killed"
    wait "$BOOTHD_PID" 2>/dev/null || true
    BOOTHD_PID=
    ((STATUS != 0)) || fail "$what: the export answered success"
    booth_daemon_start >/dev/null
  else
    ((STATUS == 1)) || fail "$what: exit $STATUS: $ERR"
    expect_match "$ERR" "No space left on device.*(full|larger)" "$what: the space error"
  fi
  after=$(marks)
  expect_eq "$after" "$before" "$what: no session marked"
  batches_whole
  leftovers=$(find "$WORK/stick" -mindepth 1 -maxdepth 1 -name '.*.partial' | wc -l)
  ok "$what: every batch in the folder is whole ($leftovers unfinished left, hidden)"
  # The next export removes the leftover and writes a whole batch.
  sleep 1.1
  expect_exit 0 ctl --json export --all "$WORK/stick"
  expect_eq "$(json 'd["sessions"]' <<<"$OUT")" "$N" "$what: the next export has all $N sessions"
  expect_eq "$(json 'len(d["cleaned"])' <<<"$OUT")" "$leftovers" \
    "$what: the next export removed what was left, and said so"
  expect_eq "$(find "$WORK/stick" -mindepth 1 -maxdepth 1 -name '.*' | wc -l)" 0 \
    "$what: nothing hidden is left"
  batches_whole
  expect_eq "$(sql "select count(distinct exported) from sessions where exported is not null")" 1 \
    "$what: every session names the last batch"
}

# Photo k is flushed by the export thread's k-th fsync; then manifest.csv, manifest.json,
# SHA256SUMS, the batch folder; the rename; the export folder.
trial "kill at the batch folder's creation" "mkdirat:signal=SIGKILL:when=1"
trial "kill at the 5th photo's flush" "fsync:signal=SIGKILL:when=5"
trial "kill at the manifest's flush" "fsync:signal=SIGKILL:when=$((2 * N + 1))"
trial "kill at the batch folder's flush" "fsync:signal=SIGKILL:when=$((2 * N + 4))"
trial "kill at the rename" "renameat2:signal=SIGKILL:when=1"
trial "kill at the flush after the rename" "fsync:signal=SIGKILL:when=$((2 * N + 5))"
trial "ENOSPC at the 7th flush" "fsync:error=ENOSPC:when=7"
