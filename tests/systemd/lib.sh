# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared by the systemd tests: a scratch folder that other users can reach, and background
# processes (appended to pids) that are stopped, with the folder removed, however the test ends.
tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
# Clients running as other users must reach the socket.
chmod 0755 "$tmp"
