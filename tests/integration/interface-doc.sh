# SPDX-License-Identifier: GPL-2.0-or-later
# docs/org.boothd.Booth1.md, the interface's reference, against the real daemon: members and
# signatures, option keys, the keys of every property, signal and answer in every state a
# session passes through (and without a camera), states, hints, checks and error names, both
# ways (interface-doc.py says how). A difference fails the test with the list.
source "$(dirname "$0")/common.sh"
booth_harness_init
helper=$BOOTH_SOURCE_ROOT/tests/integration/interface-doc.py
doc=$BOOTH_SOURCE_ROOT/docs/org.boothd.Booth1.md
booth_bus_start

# A code, then the student: a session from the scanned code, Capture, Retake, Capture,
# Commit, then a session without a code, cancelled.
# The observer starts first, so that it sees the first CodeScanned.
/usr/bin/python3 "$helper" observe "$BUS_ADDR" "$WORK/observed.json" &
observer=$!
BOOTH_FRAMES=$FRAMES/demo.playlist booth_daemon_start
wait "$observer" || fail "the observer failed (its message is above)"
ok "a whole session observed"
booth_daemon_stop

# No camera (a folder that does not exist): State error, Camera's message.
booth_daemon_start --camera file:"$WORK/no-such-folder"
/usr/bin/python3 "$helper" observe-idle "$BUS_ADDR" "$WORK/observed.json"
ok "a booth without a camera observed"
booth_daemon_stop

/usr/bin/python3 "$helper" compare "$doc" "$BOOTH_SOURCE_ROOT" "$WORK/observed.json" ||
  fail "docs/org.boothd.Booth1.md and the daemon differ (the list is above)"
ok "the interface document and the daemon agree"
