#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# boothctl's usage and its exit codes when boothd cannot be reached; needs no daemon.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
booth_harness_init

expect_exit 0 "$BOOTHCTL" --help
for command in status start capture retake commit cancel watch sessions; do
  expect_match "$OUT" "^  $command( |$)" "--help's command list ($command)"
done
for code in 0 1 2 3 4; do
  expect_match "$OUT" "^  $code  [a-z]" "--help's exit status $code"
done

expect_exit 0 "$BOOTHCTL" capture --help
expect_match "$OUT" "--force" "capture --help"
expect_exit 0 "$BOOTHCTL" sessions --help
expect_match "$OUT" "--limit" "sessions --help"

expect_exit 2 "$BOOTHCTL"
expect_match "$ERR" "^boothctl: no command" "no command's message"
expect_exit 2 "$BOOTHCTL" frobnicate
expect_match "$ERR" "^boothctl: unknown command 'frobnicate'" "unknown command's message"
expect_match "$ERR" "status, start, capture" "unknown command lists the commands"
expect_exit 2 "$BOOTHCTL" --no-such-option status
expect_exit 2 "$BOOTHCTL" capture --no-such-option
expect_exit 2 "$BOOTHCTL" status surplus
expect_exit 2 "$BOOTHCTL" sessions --limit many
expect_exit 2 "$BOOTHCTL" sessions --limit -1
expect_exit 2 "$BOOTHCTL" --bus nowhere status
expect_match "$ERR" "--bus must be" "a bad --bus's message"

# Usage is checked before the bus: a usage error is 2 even with nothing to connect to.
expect_exit 2 "$BOOTHCTL" --bus unix:path=/nonexistent capture --bogus

expect_exit 3 "$BOOTHCTL" --bus unix:path=/nonexistent status
expect_match "$ERR" "^boothctl: cannot connect to unix:path=/nonexistent" "unreachable bus message"
expect_no_match "$ERR" "GDBus" "unreachable bus message"

booth_bus_start
expect_exit 3 ctl --json status
expect_match "$ERR" "^boothctl: boothd is not running" "no daemon message"
expect_no_match "$ERR" "GDBus" "no daemon message"
expect_match "$OUT" '"name":"org.freedesktop.DBus.Error.ServiceUnknown"' "--json error object"
if [[ -x /usr/bin/python3 ]]; then
  /usr/bin/python3 -m json.tool <<<"$OUT" >/dev/null || fail "--json error output is not JSON: $OUT"
  ok "--json error output is valid JSON"
fi
expect_exit 3 ctl capture
expect_exit 3 ctl sessions --limit 3
