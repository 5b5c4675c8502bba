# SPDX-License-Identifier: GPL-2.0-or-later
# A commit is atomic for all profiles together, whatever point a crash stops it at. boothd
# is SIGKILLed at every file-system call of a Commit in turn (strace fault injection on the
# job thread, which runs the commit), restarted, and the store read with the sqlite3 shell
# and sha256sum: the session is either committed with every profile's file, its checks and
# its overrides, or not committed at all with every profile's candidate kept; never anything
# between, and no temporary file or commit intent is left.
source "$(dirname "$0")/common.sh"
booth_harness_init
if ! command -v strace >/dev/null; then
  echo "# SKIP: strace is not installed (.ci/install-deps installs it)"
  exit 77
fi
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start

# The calls that change or sync files; the commit's other calls (locks, the log) are not
# crash points of the store.
FS_CALLS='open|openat|creat|write|pwrite64|writev|pwritev|pwritev2|fsync|fdatasync|sync_file_range|rename|renameat|renameat2|link|linkat|unlink|unlinkat|ftruncate|fallocate|mkdir|mkdirat|close'
STRACE_PID=

# The thread of boothd's job pool, which runs every store call: GLib names it pool-<prgname>
# (pool-spawner is GLib's own helper, not a pool thread).
job_thread() {
  local task comm tids=()
  for task in /proc/"$BOOTHD_PID"/task/*; do
    comm=$(cat "$task/comm" 2>/dev/null) || continue
    [[ $comm == pool* && $comm != pool-spawner ]] && tids+=("${task##*/}")
  done
  ((${#tids[@]} == 1)) || fail "boothd has ${#tids[@]} job pool threads, expected 1"
  echo "${tids[0]}"
}

# strace_attach ARGS...: strace -p on the job thread in the background, output in
# $WORK/trace; returns once the thread is traced. Skips the test when tracing is forbidden.
strace_attach() {
  local tid deadline
  tid=$(job_thread)
  strace -p "$tid" -y -qq -o "$WORK/trace" "$@" 2>"$WORK/strace.err" &
  STRACE_PID=$!
  deadline=$((SECONDS + 10))
  until [[ $(awk '/^TracerPid:/ {print $2}' "/proc/$tid/status" 2>/dev/null) == "$STRACE_PID" ]]; do
    if [[ -s $WORK/strace.err ]]; then # with -qq, strace says something only when it fails
      echo "# SKIP: strace cannot trace boothd here: $(cat "$WORK/strace.err")"
      exit 77
    fi
    ((SECONDS < deadline)) || fail "strace did not attach to thread $tid within 10 s"
    sleep 0.02
  done
}

strace_wait() {
  wait "$STRACE_PID" || true
  STRACE_PID=
}

# A fresh state folder and a session whose candidate awaits its commit, SESSION its id.
SESSION=
session_ready() {
  rm -rf "$WORK/state"
  booth_daemon_start >/dev/null
  SESSION=$(ctl start --code "$CODE1")
  ctl capture >/dev/null || (($? == 4)) # 4: checks failed; committed with override
}

# The dry run: one commit traced whole. $WORK/points gets "CALL N" for each file-system call
# it makes in the state folder, N counting that call's occurrences on the job thread.
session_ready
strace_attach
expect_exit 0 ctl --json commit --override
kill -INT "$STRACE_PID"
strace_wait
grep -q '^renameat.*<.*/state/photos>' "$WORK/trace" ||
  fail "the traced thread did not rename the photos: the commit ran on another thread"
PROFILES=$(sql "select group_concat(profile, ' ') from (select profile from files
  where session_id = '$SESSION' and profile not like 'candidate%' order by profile)")
N_PROFILES=$(wc -w <<<"$PROFILES")
OVERRIDES=$(sql "select overrides from sessions where id = '$SESSION'")
[[ -n $OVERRIDES ]] || fail "the dry run's commit recorded no overrides"
booth_daemon_stop >/dev/null
awk -v calls="^($FS_CALLS)\$" -v state="$WORK/state/" '
  { name = $0; sub(/\(.*/, "", name); seen[name]++ }
  name ~ calls && index($0, state) { print name, seen[name] }' "$WORK/trace" >"$WORK/points"
echo "# the commit's file-system calls: $(cut -d' ' -f1 "$WORK/points" | sort | uniq -c |
  awk '{printf "%s %s, ", $2, $1}')profiles: $PROFILES"

# check_store SESSION: prints "whole" or "rolled back", or what is broken.
check_store() {
  local id=$1 status profile row path sha leftovers
  leftovers=$(cd "$WORK/state" && find . -name '*.tmp' -o -name '*.intent')
  [[ -z $leftovers ]] || { echo "left behind: $leftovers" | tr '\n' ' '; return; }
  status=$(sql "select status from sessions where id = '$id'")
  case $status in
  committed)
    for profile in $PROFILES; do
      row=$(sql "select path, sha256 from files where session_id = '$id' and profile = '$profile'")
      [[ -n $row ]] || { echo "committed without its $profile photo"; return; }
      path=$WORK/state/${row%|*} sha=${row#*|}
      [[ -f $path && $(sha256sum <"$path" | cut -d' ' -f1) == "$sha" ]] ||
        { echo "the $profile photo $path does not match its record"; return; }
    done
    [[ -n $(sql "select checks from sessions where id = '$id'") ]] ||
      { echo "committed without its checks"; return; }
    [[ $(sql "select overrides from sessions where id = '$id'") == "$OVERRIDES" ]] ||
      { echo "committed without its overrides"; return; }
    echo whole
    ;;
  interrupted)
    [[ $(sql "select count(*) from files where session_id = '$id' and profile not like 'candidate%'") == 0 &&
      $(booth_files photos) == 0 ]] || { echo "interrupted, yet with photos"; return; }
    [[ $(sql "select count(*) from files where session_id = '$id' and profile like 'candidate/%'") == "$N_PROFILES" &&
      $(booth_files abandoned) == "$N_PROFILES" ]] || { echo "interrupted without every candidate"; return; }
    echo rolled back
    ;;
  *) echo "status '$status' after the restart" ;;
  esac
}

points=0 whole=0 rolled_back=0 broken=0 not_reached=0
while read -r call n; do
  session_ready
  strace_attach -e inject="$call:signal=KILL:when=$n"
  ctl commit --override >/dev/null 2>&1 || true # no reply when boothd is killed
  if ! booth_daemon_wait_exit 10 >/dev/null; then
    # The commit made fewer such calls this time: nothing was killed.
    kill -INT "$STRACE_PID"
    strace_wait
    not_reached=$((not_reached + 1))
    echo "# $call #$n: not reached"
    booth_daemon_stop >/dev/null
    continue
  fi
  strace_wait
  points=$((points + 1))
  booth_daemon_start >/dev/null
  outcome=$(check_store "$SESSION")
  case $outcome in
  whole) whole=$((whole + 1)) ;;
  "rolled back") rolled_back=$((rolled_back + 1)) ;;
  *)
    broken=$((broken + 1))
    echo "# BROKEN after a kill at $call #$n: $outcome" >&2
    ;;
  esac
  killed=$(grep -B1 -m1 '^+++ killed by SIGKILL' "$WORK/trace" | head -n 1)
  killed=${killed//"$WORK/state/"/}
  echo "# killed at $call #$n, ${killed:0:80}...: $outcome"
  booth_daemon_stop >/dev/null
done <"$WORK/points"

echo "# crash points: $points, committed whole: $whole, rolled back: $rolled_back," \
  "broken: $broken, not reached: $not_reached"
((points > 0 && whole > 0 && rolled_back > 0)) || fail "too few crash points exercised"
expect_eq "$broken" 0 "commits left broken by a crash"
