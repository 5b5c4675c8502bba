#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify on the unit as the build made it, with ExecStart= pointed at the
# built daemon (verify insists that the binary exists). Any line it prints about our unit,
# warning or error, fails the test: systemd only warns about unknown or misspelt settings,
# and a misspelt hardening line silently protects nothing.
set -euo pipefail

[[ -n ${SYSTEMD_ANALYZE:-} ]] || { echo "systemd-analyze not found: skipping"; exit 77; }
[[ -f $BOOTH_UNIT ]] || { echo "no generated unit at $BOOTH_UNIT"; exit 1; }
[[ -x $BOOTH_UNIT_EXEC ]] || { echo "daemon binary $BOOTH_UNIT_EXEC is missing"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$BOOTH_UNIT")
unit=$tmp/$name
# Only the binary's path changes: everything else is verified as it will be installed.
sed -E "s|^(ExecStart=)[^ ]+|\\1$BOOTH_UNIT_EXEC|" "$BOOTH_UNIT" >"$unit"
grep -q "^ExecStart=$BOOTH_UNIT_EXEC " "$unit" || { echo "ExecStart= line not found"; exit 1; }

rc=0
out=$("$SYSTEMD_ANALYZE" verify --man=no "$unit" 2>&1) || rc=$?
[[ -n $out ]] && printf '%s\n' "$out"
if ((rc != 0)); then
  echo "FAIL: systemd-analyze verify exited with $rc"
  exit 1
fi
if grep -q "${name%.service}" <<<"$out"; then
  echo "FAIL: systemd-analyze verify complained about $name"
  exit 1
fi
echo "$name verified"
