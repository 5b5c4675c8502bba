# SPDX-License-Identifier: GPL-2.0-or-later
# A full disk and a read-only state folder, on a small tmpfs mounted for the test in its own
# mount namespace (skipped where the test may not mount; the read-only part needs strace): Capture and Commit on a full disk
# answer Storage with "free disk space" and lose nothing (the session and its candidate stay;
# after space is freed the same calls succeed, the photos whole); Cancel on a read-only state
# folder answers with the read-only advice, and works once the folder is writable again.
if [[ -z ${BOOTH_IN_MOUNT_NS:-} ]]; then
  if unshare --mount --propagation private true 2>/dev/null; then
    BOOTH_IN_MOUNT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
  fi
  echo "# cannot make a mount namespace here (unshare -m refused): nothing to test"
  exit 77
fi
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/state"
mount -t tmpfs -o size=8m,mode=0750 boothd-test "$WORK/state" ||
  { echo "# cannot mount a tmpfs here: nothing to test"; exit 77; }

# fill: leaves about $1 KiB free on the state folder's file system.
fill() {
  rm -f "$WORK/state/filler"
  local free
  free=$(df --output=avail -k "$WORK/state" | tail -n 1)
  if ((free > $1)); then
    head -c $(((free - $1) * 1024)) /dev/zero >"$WORK/state/filler"
  fi
}

export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
session=$(ctl --json status | json 'd["Session"]["id"]')

fill 64
expect_fail_with Storage ctl capture
expect_match "$ERR" "free disk space" "Capture on a full disk says what to do"
expect_eq "$(booth_state)" framing "the session is still there"
rm -f "$WORK/state/filler"
expect_exit 4 ctl capture
expect_eq "$(booth_state)" reviewing "captured once there is space"

fill 128
expect_fail_with Storage ctl commit --override
expect_match "$ERR" "free disk space" "Commit on a full disk says what to do"
expect_eq "$(booth_state)" reviewing "the candidate is still there"
expect_eq "$(booth_files photos)" 0 "no photo half-written"
rm -f "$WORK/state/filler"
expect_exit 0 ctl --json commit --override
for f in $(json '" ".join(x["path"] + "=" + x["sha256"] for x in d["files"])' <<<"$OUT"); do
  expect_eq "$(sha256sum "${f%%=*}" | cut -d' ' -f1)" "${f#*=}" "$(basename "${f%%=*}") whole"
done
expect_eq "$(sql "select status from sessions where id = '$session'")" committed "committed"

# A tmpfs with files open for writing cannot be remounted read-only; the kernel's answer to
# the writes is given instead: strace makes every write and unlink in boothd fail with EROFS.
expect_exit 0 ctl start --code "$CODE2"
expect_exit 4 ctl capture
strace -q -f -p "$BOOTHD_PID" -o /dev/null \
  -e trace=pwrite64,unlink,unlinkat,renameat,renameat2,fsync,fdatasync -e inject=all:error=EROFS &
strace_pid=$!
sleep 1
expect_fail_with Storage ctl cancel
expect_match "$ERR" "read-only" "Cancel on a read-only folder gives the read-only advice"
kill "$strace_pid"
wait "$strace_pid" || true
expect_eq "$(booth_state)" reviewing "the session and its candidate are still there"
expect_exit 0 ctl cancel
expect_eq "$(sql "select status from sessions order by started_at desc limit 1")" cancelled "cancelled"
booth_daemon_stop
umount "$WORK/state"
