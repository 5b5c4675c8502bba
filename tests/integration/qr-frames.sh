# SPDX-License-Identifier: GPL-2.0-or-later
# Real camera photos of QR codes (zxing's blackbox set), played as frames by the file
# camera: every code arrives in a CodeScanned signal with exactly the expected bytes. With
# auto_start=false the booth only signals: no session starts.
source "$(dirname "$0")/common.sh"
booth_harness_init
qr=$BOOTH_SOURCE_ROOT/tests/data/qr
for f in "$qr"/qrcode-1/*.png "$qr"/qrcode-3/0*.png; do echo "$f 0.4"; done >"$WORK/qr.playlist"
sed 's/^auto_start=.*/auto_start=false/' "$BOOTH_SOURCE_ROOT/etc/boothd.conf" >"$WORK/boothd.conf"
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
export BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$WORK/qr.playlist
n=$(wc -l <"$WORK/qr.playlist")
booth_bus_start
booth_watch_start "$WORK/watch.jsonl" --json
booth_daemon_start
# One pass over the playlist, and a little more.
sleep "$(awk "BEGIN { print $n * 0.4 + 2 }")"
booth_watch_stop
expect_eq "$(booth_state)" idle "no session started (auto_start=false)"

result=$(/usr/bin/python3 - "$WORK/qr.playlist" "$WORK/watch.jsonl" <<'PY'
import json, sys
expected = {}
for line in open(sys.argv[1]):
    png = line.rsplit(" ", 1)[0]
    expected[png] = open(png[:-4] + ".txt", "rb").read()
seen = set()
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e.get("event") == "CodeScanned":
        seen.add(bytes(e["info"]["code_bytes"]))
        if e["info"]["code_bytes"] and e["payload"].encode() != bytes(e["info"]["code_bytes"]):
            print("payload string differs from code_bytes:", e["payload"])
missing = [p for p, b in expected.items() if b not in seen]
extra = [b for b in seen if b not in expected.values()]
print(f"{len(expected) - len(missing)} of {len(expected)} frames' codes signalled exactly; "
      f"{len(extra)} unexpected")
for p in missing:
    print("missing:", p)
PY
)
echo "# $result"
expect_match "$result" "^([0-9]+) of \\1 frames' codes signalled exactly; 0 unexpected$" "every code signalled exactly"
booth_daemon_stop
