#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The system bus policy and the activation file, checked by a real dbus-daemon running a
# system-like configuration (the distribution's default-deny rules, then our file from an
# <includedir>, as on a booth).
#
# 1. Acceptance: dbus-daemon loads both files without a word of complaint. It does not
#    refuse a bad included file, it logs the error and ignores the file (which would leave
#    the name unownable on a booth), so every line it prints is read.
# 2. Enforcement (root only: it needs other identities, made with setpriv): with "boothd"
#    replaced by identities this machine has, an echo service owns the name and each
#    caller gets through or is refused exactly as the policy says.
set -euo pipefail

for tool in DBUS_DAEMON BUSCTL; do
  [[ -n ${!tool:-} ]] || { echo "$tool not found: skipping"; exit 77; }
done

source "$(dirname "$0")/lib.sh"

name=org.boothd.Booth1
path=/org/boothd/Booth1
fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}

if [[ -n ${XMLLINT:-} ]]; then
  "$XMLLINT" --noout "$BOOTH_DBUS_POLICY" || bad "policy is not well-formed XML"
  "$XMLLINT" --noout "$BOOTH_SYNC_DBUS_POLICY" || bad "boothsync's policy is not well-formed XML"
fi

# write_config DIR: a bus like the system bus (the default policy of Debian's system.conf),
# listening in DIR, including DIR/system.d and, when present, the services in DIR/services.
write_config() {
  local dir=$1 servicedir=''
  [[ -d $dir/services ]] && servicedir="<servicedir>$dir/services</servicedir>"
  cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$dir/bus</listen>
  $servicedir
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <includedir>$dir/system.d</includedir>
</busconfig>
EOF
}

# start_bus DIR: starts dbus-daemon on DIR/bus.conf; its messages go to DIR/bus.log.
start_bus() {
  local dir=$1 i
  "$DBUS_DAEMON" --config-file="$dir/bus.conf" --nofork --nosyslog --print-address=3 \
    3>"$dir/address" 2>"$dir/bus.log" &
  pids+=($!)
  for ((i = 0; i < 100; i++)); do
    [[ -s $dir/address ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  if [[ ! -s $dir/address ]]; then
    cat "$dir/bus.log"
    echo "FAIL: dbus-daemon did not start"
    exit 1
  fi
  address=unix:path=$dir/bus
}

# stop_last: stops the process started last (the bus or an echo service).
stop_last() {
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
}

# --- 1. acceptance --------------------------------------------------------------------
echo "acceptance:"
dir=$tmp/accept
mkdir -p "$dir/system.d" "$dir/services"
cp "$BOOTH_DBUS_POLICY" "$BOOTH_SYNC_DBUS_POLICY" "$dir/system.d/"
cp "$BOOTH_DBUS_ACTIVATION" "$dir/services/"
write_config "$dir"
start_bus "$dir"

# Lines that are no fault of the files: a container that may not raise its fd limit, and
# the boothd identities on a machine where the package (sysusers) has not been installed.
allowed='Failed to set fd limit'
getent passwd boothd >/dev/null || allowed+='|Unknown username "boothd"'
getent passwd boothsync >/dev/null || allowed+='|Unknown username "boothsync"'
getent group boothd >/dev/null || allowed+='|Unknown group "boothd"'
getent group "$BOOTH_OPERATOR_GROUP" >/dev/null || allowed+="|Unknown group \"$BOOTH_OPERATOR_GROUP\""
sed 's|^|  dbus-daemon: |' "$dir/bus.log"
if grep -vE "$allowed" "$dir/bus.log" | grep -q .; then
  bad "dbus-daemon complained about the policy or the activation file"
fi
activatable=$("$BUSCTL" --address="$address" call org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus ListActivatableNames)
if grep -q "\"$name\"" <<<"$activatable"; then
  echo "  $name is activatable"
else
  bad "$name is not among the activatable names: $activatable"
fi
# A system bus reads User= and SystemdService= only when it activates, so check them here:
# the start must go through systemd, to the hardened unit.
for key in "Name=$name" 'SystemdService=boothd.service' 'User=[a-z]+' 'Exec=/.+'; do
  grep -qxE "$key" "$BOOTH_DBUS_ACTIVATION" || bad "activation file lacks a line $key"
done
stop_last

# --- 2. enforcement -------------------------------------------------------------------
skip=''
((EUID == 0)) || skip='not root'
[[ -n ${SETPRIV:-} ]] || skip='setpriv not found'
[[ -n ${DBUS_TEST_TOOL:-} ]] || skip='dbus-test-tool not found (package dbus-tests)'
# Stand-ins that every Debian machine has: the daemon runs as "daemon", the booth group is
# "video"; the stranger is nobody, the group member is nobody with that group added.
daemon_user=daemon
sync_user=bin
booth_group=video
getent passwd "$daemon_user" >/dev/null || skip="no user $daemon_user"
getent passwd "$sync_user" >/dev/null || skip="no user $sync_user"
booth_gid=$(getent group "$booth_group" | cut -d: -f3) || skip="no group $booth_group"
if [[ -n $skip ]]; then
  echo "enforcement: skipped ($skip)"
  exit $fail
fi

echo "enforcement:"
dir=$tmp/enforce
mkdir -p "$dir/system.d"
sed -e "s/user=\"boothd\"/user=\"$daemon_user\"/" -e "s/user=\"boothsync\"/user=\"$sync_user\"/" -e "s/group=\"$BOOTH_OPERATOR_GROUP\"/group=\"$booth_group\"/" \
  "$BOOTH_DBUS_POLICY" >"$dir/system.d/$(basename "$BOOTH_DBUS_POLICY")"
write_config "$dir"
start_bus "$dir"
if grep -vE 'Failed to set fd limit' "$dir/bus.log" | grep -q .; then
  cat "$dir/bus.log"
  bad "dbus-daemon complained about the policy"
fi

# Callers: setpriv prefixes, also used by name in expect().
as_root=()
as_daemon=("$SETPRIV" --reuid="$daemon_user" --regid="$(id -g "$daemon_user")" --clear-groups)
as_stranger=("$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups)
# shellcheck disable=SC2034 # used by name
as_sync=("$SETPRIV" --reuid="$sync_user" --regid=nogroup --clear-groups)
# shellcheck disable=SC2034 # used by name
as_member=("$SETPRIV" --reuid=nobody --regid=nogroup --groups="$booth_gid")

owner_uid() {
  "$BUSCTL" --address="$address" status "$name" 2>/dev/null | sed -n 's/^UID=//p'
}

# start_echo CMD...: an echo service run by CMD (a setpriv prefix, or nothing for root) tries
# to take the name; true once it owns it. It keeps the name until stopped.
start_echo() {
  local i
  DBUS_SESSION_BUS_ADDRESS=$address "$@" "$DBUS_TEST_TOOL" echo --session --name="$name" \
    2>>"$dir/echo.log" &
  pids+=($!)
  for ((i = 0; i < 100; i++)); do
    [[ -n $(owner_uid) ]] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  return 1
}

if start_echo "${as_stranger[@]}"; then
  bad "a stranger could own $name"
  stop_last
  exit 1
fi
echo "  stranger cannot own $name"

if start_echo "${as_root[@]}" && [[ $(owner_uid) == 0 ]]; then
  echo "  root can own $name"
else
  bad "root cannot own $name"
fi
stop_last # root's echo service
for ((i = 0; i < 100; i++)); do
  [[ -z $(owner_uid) ]] && break
  sleep 0.05
done

if start_echo "${as_daemon[@]}" && [[ $(owner_uid) == "$(id -u "$daemon_user")" ]]; then
  echo "  the daemon's user can own $name"
else
  bad "the daemon's user cannot own $name"
  exit 1
fi

# expect allow|deny WHO-ARRAY-NAME INTERFACE MEMBER [SIGNATURE ARGS...]
expect() {
  local want=$1 who=$2 iface=$3 member=$4
  shift 4
  local -n cmd=$who
  local out rc=0 got
  out=$("${cmd[@]}" "$BUSCTL" --address="$address" --timeout=5 call "$name" "$path" \
    "$iface" "$member" "$@" 2>&1) || rc=$?
  if ((rc == 0)); then
    got=allow
  elif grep -q 'Access denied' <<<"$out"; then
    got=deny
  else
    bad "${who#as_} $iface.$member: unexpected failure: $out"
    return
  fi
  if [[ $got == "$want" ]]; then
    printf '  %-6s %-9s %s.%s\n' "$got" "${who#as_}" "$iface" "$member"
  else
    bad "${who#as_} $iface.$member: expected $want, got $got${out:+ ($out)}"
  fi
}

props=org.freedesktop.DBus.Properties
for who in as_stranger as_member as_root; do
  expect allow $who org.freedesktop.DBus.Introspectable Introspect
  expect allow $who org.freedesktop.DBus.Peer Ping
  expect allow $who $props Get ss "$name" State
  expect allow $who $props GetAll s "$name"
  expect deny $who $props Set ssv "$name" State s idle
done
for who in as_stranger as_member as_root; do
  want=allow
  [[ $who == as_stranger ]] && want=deny
  expect $want $who "$name" StartSession 'a{sv}' 0
  expect $want $who "$name" Capture 'a{sv}' 0
  expect $want $who "$name" Retake
  expect $want $who "$name" Commit 'a{sv}' 0
  expect $want $who "$name" Cancel
  expect $want $who "$name" ListRecords 'a{sv}' 0
done
# boothsync's user reads the records and does nothing else.
expect allow as_sync "$name" ListRecords 'a{sv}' 0
expect deny as_sync "$name" StartSession 'a{sv}' 0
expect deny as_sync "$name" Commit 'a{sv}' 0
expect deny as_sync "$name" OpenCandidate s chsi-upload
# Nothing else reaches the daemon for a stranger, whatever the interface.
expect deny as_stranger org.example.Other Anything

exit $fail
