#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze security, offline, on the unit as the build made it: prints what is still
# exposed and fails when the overall exposure is above BOOTH_SECURITY_MAX.
set -euo pipefail

[[ -n ${SYSTEMD_ANALYZE:-} ]] || { echo "systemd-analyze not found: skipping"; exit 77; }
[[ -f $BOOTH_UNIT ]] || { echo "no generated unit at $BOOTH_UNIT"; exit 1; }
max=${BOOTH_SECURITY_MAX:-2.5}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$BOOTH_UNIT")
unit=$tmp/$name
sed -E "s|^(ExecStart=)[^ ]+|\\1$BOOTH_UNIT_EXEC|" "$BOOTH_UNIT" >"$unit"

rc=0
out=$("$SYSTEMD_ANALYZE" security --offline=true --no-pager "$unit" 2>&1) || rc=$?
if ((rc != 0)); then
  printf '%s\n' "$out"
  echo "FAIL: systemd-analyze security exited with $rc"
  exit 1
fi
# The items still counted against the unit, then the verdict line.
grep -E '^✗' <<<"$out" || true
line=$(grep -E "Overall exposure level for $name:" <<<"$out") || {
  printf '%s\n' "$out"
  echo "FAIL: no overall exposure line"
  exit 1
}
echo "$line"
score=$(sed -E 's/.*\.service: ([0-9]+\.[0-9]+).*/\1/' <<<"$line")
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s > m) }'; then
  echo "FAIL: exposure $score is above $max"
  exit 1
fi
echo "exposure $score <= $max"
