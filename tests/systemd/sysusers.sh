#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sysusers entry parses and creates what the unit needs: the boothd group and user, and
# the operators' group booth-operators
# (home /var/lib/boothd) and membership of video. Run with --dry-run against scratch roots:
# an empty one (everything is created) and one with this machine's accounts.
set -euo pipefail

[[ -n ${SYSTEMD_SYSUSERS:-} ]] || { echo "systemd-sysusers not found: skipping"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# sysusers reads the file by its installed name.
mkdir -p "$tmp/conf"
cp "$BOOTH_SYSUSERS" "$tmp/conf/boothd.conf"

fail=0
check() { # root-name expected-pattern...
  local root=$tmp/$1 out rc=0
  shift
  out=$("$SYSTEMD_SYSUSERS" --root="$root" --dry-run "$tmp/conf/boothd.conf" 2>&1) || rc=$?
  printf '%s\n' "$out" | sed "s|^|  |"
  if ((rc != 0)); then
    echo "FAIL: systemd-sysusers exited with $rc"
    fail=1
  fi
  # Parse problems are reported as FILE:LINE: message.
  if grep -q 'boothd.conf:' <<<"$out"; then
    echo "FAIL: systemd-sysusers reported a problem in boothd.conf"
    fail=1
  fi
  local want
  for want in "$@"; do
    if ! grep -qE "$want" <<<"$out"; then
      echo "FAIL: expected output matching: $want"
      fail=1
    fi
  done
}

echo "empty root:"
mkdir -p "$tmp/empty/etc"
check empty "Creating group 'boothd'" "Creating user 'boothd' \\(boothd ID-photo booth daemon\\)" \
  "Creating group 'video'" "Creating group 'booth-operators'"

echo "root with this machine's accounts:"
mkdir -p "$tmp/host/etc"
cp /etc/passwd /etc/group "$tmp/host/etc/"
# Start from a machine without the boothd account so that the entry's effect shows.
sed -i '/^boothd:/d' "$tmp/host/etc/passwd" "$tmp/host/etc/group"
check host "Creating user 'boothd'"

echo "written into an empty root:"
mkdir -p "$tmp/real/etc"
rc=0
out=$("$SYSTEMD_SYSUSERS" --root="$tmp/real" "$tmp/conf/boothd.conf" 2>&1) || rc=$?
printf '%s\n' "$out" | sed "s|^|  |"
if ((rc == 0)); then
  grep -hE '(^boothd:|^video:)' "$tmp/real/etc/passwd" "$tmp/real/etc/group" | sed 's|^|  |'
  grep -qE '^boothd:x:[0-9]+:[0-9]+:boothd ID-photo booth daemon:/var/lib/boothd:' \
    "$tmp/real/etc/passwd" || { echo "FAIL: no boothd user with home /var/lib/boothd"; fail=1; }
  gid=$(awk -F: '$1 == "boothd" { print $3 }' "$tmp/real/etc/group")
  grep -qE "^boothd:x:[0-9]+:${gid:-none}:" "$tmp/real/etc/passwd" ||
    { echo "FAIL: boothd's primary group is not boothd"; fail=1; }
  grep -qE '^video:x:[0-9]+:(.*,)?boothd(,.*)?$' "$tmp/real/etc/group" ||
    { echo "FAIL: boothd is not a member of video"; fail=1; }
  # The operators' group exists, and is not the group that owns (and may read) the photos.
  grep -qE '^booth-operators:x:[0-9]+:$' "$tmp/real/etc/group" ||
    { echo "FAIL: no empty group booth-operators"; fail=1; }
  # boothsync reads the photos through group boothd, and nothing more.
  grep -qE '^boothsync:x:[0-9]+:[0-9]+:[^:]*:/var/lib/boothsync:' "$tmp/real/etc/passwd" ||
    { echo "FAIL: no boothsync user with home /var/lib/boothsync"; fail=1; }
  grep -qE '^boothd:x:[0-9]+:(.*,)?boothsync(,.*)?$' "$tmp/real/etc/group" ||
    { echo "FAIL: boothsync is not a member of boothd"; fail=1; }
  grep -qE '^(video|booth-operators):x:[0-9]+:(.*,)?boothsync' "$tmp/real/etc/group" &&
    { echo "FAIL: boothsync is in video or booth-operators"; fail=1; }
elif ((EUID != 0)); then
  echo "  (not root: systemd-sysusers cannot write a scratch root here; dry runs only)"
else
  echo "FAIL: systemd-sysusers exited with $rc"
  fail=1
fi

exit $fail
