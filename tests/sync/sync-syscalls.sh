# SPDX-License-Identifier: GPL-2.0-or-later
# boothsync.service's SystemCallFilter= must not refuse anything boothsync does: a refused
# call fails with EPERM on a booth, far from any test. The real boothsync runs under strace
# beside the real boothd and a real PostgreSQL: it starts, takes its bus name, ships a store,
# answers its properties and SyncNow, runs a pass after a failure and stops on SIGTERM; every
# system call it made must be in the set the unit allows. When the test is root, both run as
# on a booth: boothd as its own user (nobody), boothsync as another user (_apt) whose group is
# boothd's (nogroup): boothd lets it read the records as a member of its group, and it reads
# the photos through that group.
source "$(dirname "$0")/lib.sh"
sync_init
for tool in SYSTEMD_ANALYZE STRACE; do
  [[ -n ${!tool:-} ]] || { echo "# $tool not found: nothing to test"; exit 77; }
done
source "$BOOTH_SOURCE_ROOT/tests/systemd/syscalls.sh"
unit_allowed_syscalls "$BOOTH_SYNC_UNIT" "$WORK/allowed" || fail "no allow list in $BOOTH_SYNC_UNIT"

expect_eq "$(store_make 1 20)" 20 "committed sessions made"
pg_start
pg_schema
pg_add_booth 1 '至善楼 101'
bus_template
as=()
if ((EUID == 0)); then
  getent passwd _apt >/dev/null || { echo "# no user _apt to run boothsync as: nothing to test"; exit 77; }
  [[ $(id -g _apt) == $(id -g nobody) ]] || { echo "# _apt is not in nobody's group: nothing to test"; exit 77; }
  # boothd's configuration and profiles where nobody reads them, whatever the clone's folder.
  cp -r "$BOOTH_SOURCE_ROOT/etc" "$WORK/etc"
  cat "$WORK/etc/boothd.conf" >"$WORK/etc/test.conf"
  sed -i "s|^\[Booth\]$|[Booth]\nprofile_dir=$WORK/etc/profiles|" "$WORK/etc/test.conf"
  chmod -R a+rX "$WORK/etc"
  BOOTHD_CONFIG=$WORK/etc/test.conf
  chown -R nobody:nogroup "$WORK/booth1"
  chmod -R g+rX,o-rwx "$WORK/booth1"
  BOOTHD_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  mkdir -p "$WORK/sync1"
  chown _apt:nogroup "$WORK/sync1"
  as=(setpriv --reuid=_apt --regid=nogroup --clear-groups)
fi
booth_start 1
relay_start

conf=$(sync_conf 1)
chmod a+r "$conf"
(
  umask 0027
  exec "$STRACE" -f -qq -o "$WORK/trace" "${as[@]}" "$BOOTHSYNC" --bus "${BUS_OF[1]}" \
    --state-dir "$WORK/sync1" --config "$conf"
) >>"$WORK/sync1.log" 2>&1 &
strace_pid=$!
sync__track "$strace_pid"
wait_central 1 20 60
props=$(busctl --address="${BUS_OF[1]}" get-property org.boothd.Sync1 /org/boothd/Sync1 org.boothd.Sync1 Progress)
expect_match "$props" '"synced" t 20' "the progress is read over the bus"
relay_stop
busctl --address="${BUS_OF[1]}" call org.boothd.Sync1 /org/boothd/Sync1 org.boothd.Sync1 SyncNow
sleep 2.5
relay_start
busctl --address="${BUS_OF[1]}" call org.boothd.Sync1 /org/boothd/Sync1 org.boothd.Sync1 SyncNow
sleep 1
pid=$(sed -nE "s|^([0-9]+) +execve\(\"$BOOTHSYNC\".*= 0$|\\1|p" "$WORK/trace" | head -n 1)
[[ -n $pid ]] || fail "no execve of boothsync in the trace"
kill -TERM "$pid"
wait "$strace_pid" || true

awk -v pat="execve(\"$BOOTHSYNC\"" 'seen { print } index($0, pat) { seen = 1 }' "$WORK/trace" |
  sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' | sort -u >"$WORK/used"
echo "# boothsync made $(wc -l <"$WORK/used") distinct system calls"
refused=$(comm -23 "$WORK/used" "$WORK/allowed")
if [[ -n $refused ]]; then
  for s in $refused; do
    grep -m 3 -E "^[0-9]+ +$s\(" "$WORK/trace" | sed 's|^|  |'
  done
  fail "the unit's filter would refuse (EPERM): ${refused//$'\n'/ }"
fi
ok "every system call boothsync made is allowed by boothsync.service"
