#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The unit's SystemCallFilter= must not refuse anything the daemon does: a refused call
# fails with EPERM on a booth, far from any test. The real daemon runs under strace (as an
# unprivileged user when the test is root, like the unit) on a private bus with the file
# camera, starts, streams and analyses frames, answers property reads and starts a
# session; every system call it made must be in the set the unit allows.
set -euo pipefail

for tool in SYSTEMD_ANALYZE STRACE DBUS_DAEMON BUSCTL; do
  [[ -n ${!tool:-} ]] || { echo "$tool not found: skipping"; exit 77; }
done
[[ $BOOTH_UNIT_EXEC == */boothd ]] || { echo "the daemon is not built: skipping"; exit 77; }

source "$(dirname "$0")/lib.sh"

as=()
if ((EUID == 0)); then
  [[ -n ${SETPRIV:-} ]] || { echo "setpriv not found: skipping"; exit 77; }
  as=("$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups)
fi

# --- the set the unit allows ----------------------------------------------------------
source "$(dirname "$0")/syscalls.sh"
unit_allowed_syscalls "$BOOTH_UNIT" "$tmp/allowed" || exit 1

# --- the daemon, traced ---------------------------------------------------------------
mkdir -p "$tmp/cam" "$tmp/run"
# A couple of real portraits (JPEG by content, whatever their names) as the camera.
n=0
for f in "$BOOTH_TEST_DATA"/portraits/*; do
  if [[ $(head -c 3 "$f" | od -An -tx1 | tr -d ' \n') == ffd8ff ]]; then
    cp "$f" "$tmp/cam/frame$n.jpg"
    n=$((n + 1))
  fi
  ((n < 2)) || break
done
((n > 0)) || { echo "no JPEG portraits in $BOOTH_TEST_DATA/portraits: skipping"; exit 77; }
chmod -R a+rX "$tmp/cam"
((EUID == 0)) && chown nobody:nogroup "$tmp/run"

address=unix:path=$tmp/run/bus
"${as[@]}" "$DBUS_DAEMON" --session --nofork --nosyslog --address="$address" \
  --print-address=3 3>"$tmp/address" 2>"$tmp/bus.log" &
pids+=($!)
for ((i = 0; i < 100; i++)); do
  [[ -s $tmp/address ]] && break
  sleep 0.05
done
[[ -s $tmp/address ]] || { cat "$tmp/bus.log"; echo "FAIL: no bus"; exit 1; }

(
  umask 0027
  exec "$STRACE" -f -qq -o "$tmp/trace" "${as[@]}" "$BOOTH_UNIT_EXEC" --bus "$address" \
    --camera="file:$tmp/cam" --state-dir="$tmp/run/state" -c "$BOOTH_SOURCE_ROOT/etc/boothd.conf"
) >"$tmp/daemon.log" 2>&1 &
strace_pid=$!
pids+=("$strace_pid")

call() {
  "${as[@]}" "$BUSCTL" --address="$address" --timeout=10 call org.boothd.Booth1 \
    /org/boothd/Booth1 "$@"
}
for ((i = 0; i < 200; i++)); do
  call org.freedesktop.DBus.Peer Ping >/dev/null 2>&1 && break
  kill -0 "$strace_pid" 2>/dev/null || break
  sleep 0.05
done
call org.freedesktop.DBus.Properties GetAll s org.boothd.Booth1 >/dev/null ||
  { cat "$tmp/daemon.log"; echo "FAIL: the daemon did not answer"; exit 1; }
call org.boothd.Booth1 StartSession 'a{sv}' 1 code s SYSCALL-TEST >/dev/null || true
# Let frames flow through the camera thread and the analysis worker for a while.
sleep 3

daemon_pid=$(sed -nE "s|^([0-9]+) +execve\(\"$BOOTH_UNIT_EXEC\".*= 0$|\\1|p" "$tmp/trace" | head -n 1)
[[ -n $daemon_pid ]] || { echo "FAIL: no execve of the daemon in the trace"; exit 1; }
kill -TERM "$daemon_pid"
wait "$strace_pid" || true
sed 's|^|  boothd: |' "$tmp/daemon.log" | tail -n 5

# Only what the daemon did after its execve counts (setpriv's own calls come before).
awk -v pat="execve(\"$BOOTH_UNIT_EXEC\"" 'seen { print } index($0, pat) { seen = 1 }' "$tmp/trace" |
  sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' | sort -u >"$tmp/used"
# execve itself happens before the filter is in place under systemd.
echo "the daemon made $(wc -l <"$tmp/used") distinct system calls"
refused=$(comm -23 "$tmp/used" "$tmp/allowed")
if [[ -n $refused ]]; then
  echo "FAIL: the unit's filter would refuse (EPERM): ${refused//$'\n'/ }"
  for s in $refused; do
    grep -m 3 -E "^[0-9]+ +$s\(" "$tmp/trace" | sed 's|^|  |'
  done
  exit 1
fi
echo "every system call is allowed by the unit"
