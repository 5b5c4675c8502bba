# SPDX-License-Identifier: GPL-2.0-or-later
# Live framing: in a session every analysed frame is measured; the Framing property carries
# the face, the eyes and the hints, FramingHints goes out when the hints change, and neither
# floods the bus (at most 4 updates a second).
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
bctl monitor --json=short --match "type='signal',sender='org.boothd.Booth1'" >"$WORK/monitor.jsonl" 2>/dev/null &
monitor=$!
sleep 0.5
expect_exit 0 ctl start --code "$CODE1"
sleep 3
kill "$monitor"
wait "$monitor" 2>/dev/null || true

framing=$(ctl --json status | json 'd["Framing"]')
expect_eq "$(json 'd["n_faces"], len(d["face"]), len(d["eyes"])' <<<"$framing")" '[1, 4, 4]' "a face and both eyes"
expect_match "$(json 'd["hints"]' <<<"$framing")" '"background_not_blue"' "the grey wall is named"
expect_eq "$(json '0 < d["score"] < 1' <<<"$framing")" true "a score between 0 and 1"
expect_eq "$(json 'd["crop_ok"]' <<<"$framing")" true "the profile's crop can be taken"

counts=$(/usr/bin/python3 - "$WORK/monitor.jsonl" <<'PY'
import json, sys
framing = hints = 0
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("member") == "FramingHints":
        hints += 1
    elif m.get("member") == "PropertiesChanged" and "Framing" in json.dumps(m.get("payload", {})):
        framing += 1
print(framing, hints)
PY
)
read -r framing_updates hints_signals <<<"$counts"
echo "# over 3 s at 15 fps: $framing_updates Framing updates, $hints_signals FramingHints signals"
((framing_updates >= 1 && framing_updates <= 13)) || fail "$framing_updates Framing updates in 3 s"
ok "Framing updates are rate-limited ($framing_updates in 3 s)"
((hints_signals >= 1 && hints_signals <= 4)) || fail "$hints_signals FramingHints signals in 3 s"
ok "FramingHints only on change ($hints_signals)"
booth_daemon_stop
