# SPDX-License-Identifier: GPL-2.0-or-later
# Mutating methods need root or the booth group: another user gets Denied and may still
# read the properties.
source "$(dirname "$0")/common.sh"
booth_harness_init
if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null; then
  echo "# SKIP: needs root to call as another user"
  exit 77
fi
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
chmod o+rx "$WORK"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_fail_with Denied as_nobody "$BOOTHCTL" --bus "$BUS_ADDR" --json start --code "$CODE1"
expect_match "$ERR" "may not operate the booth: add the user to group 'booth-operators'" "Denied message"
expect_fail_with Denied as_nobody gdbus call --address "$BUS_ADDR" --dest org.boothd.Booth1 \
  --object-path /org/boothd/Booth1 --method org.boothd.Booth1.ListRecords "{}"
# The two methods that take a descriptor check the caller too: a photo and a folder nobody may
# open, so only the booth's refusal can fail them.
mkdir -p "$WORK/open/batches"
cp "$BOOTH_SOURCE_ROOT/tests/data/portraits/test0.jpg" "$WORK/open/photo.jpg"
chmod -R o+rX "$WORK/open"
expect_fail_with Denied as_nobody "$BOOTHCTL" --bus "$BUS_ADDR" --json check "$WORK/open/photo.jpg"
expect_match "$ERR" "may not operate the booth" "CheckPhoto's Denied message"
expect_fail_with Denied as_nobody "$BOOTHCTL" --bus "$BUS_ADDR" --json export "$WORK/open/batches"
expect_match "$ERR" "may not operate the booth" "Export's Denied message"
expect_eq "$(ls -A "$WORK/open/batches")" "" "nothing exported"
expect_exit 0 as_nobody "$BOOTHCTL" --bus "$BUS_ADDR" status
expect_match "$OUT" "idle" "properties readable by anyone"
expect_eq "$(booth_state)" idle "state unchanged"
booth_daemon_stop
