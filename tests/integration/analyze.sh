# SPDX-License-Identifier: GPL-2.0-or-later
# boothd --analyze runs the daemon's own analysis on files, without a bus: one JSON object
# per file with the QR payloads and their positions; bad files get an error object and a
# non-zero exit, never a crash.
source "$(dirname "$0")/common.sh"
booth_harness_init
qr=$BOOTH_SOURCE_ROOT/tests/data/qr
expect_exit 0 "$BOOTHD" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --analyze "$qr"/qrcode-*/*.png
echo "$OUT" >"$WORK/analyze.jsonl"
result=$(/usr/bin/python3 - "$WORK/analyze.jsonl" <<'PY'
import json, sys
n = exact = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += 1
    want = open(r["file"][:-4] + ".txt", "rb").read()
    if any(bytes.fromhex(c["hex"]) == want and c["width"] > 0 for c in r["codes"]):
        exact += 1
    else:
        print("no exact match:", r["file"])
print(f"{exact} of {n} exact")
PY
)
echo "# $result"
expect_eq "$(tail -n 1 <<<"$result")" "77 of 77 exact" "zxing photos decoded exactly"
expect_exit 0 "$BOOTHD" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --analyze "$FRAMES/code-path.png"
expect_eq "$(json 'd["codes"][0]["text"]' <<<"$OUT")" '../../etc/passwd' "path-like payload is text"

portraits=$BOOTH_SOURCE_ROOT/tests/data/portraits
expect_exit 1 "$BOOTHD" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --analyze "$portraits/test0.jpg" "$portraits/test1.jpg" "$WORK/none.png"
expect_eq "$(wc -l <<<"$OUT")" 3 "one line per file"
expect_eq "$(head -n 1 <<<"$OUT" | json 'd["width"], d["height"], d["codes"]')" '[576, 768, []]' "portrait"
expect_match "$(sed -n 2p <<<"$OUT" | json 'd["error"]')" "WebP images are not supported" "WebP error"
expect_match "$(sed -n 3p <<<"$OUT" | json 'd["error"]')" "none.png" "missing file error"
head -c 3000 "$portraits/test0.jpg" >"$WORK/cut.jpg"
expect_exit 1 "$BOOTHD" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --analyze "$WORK/cut.jpg"
expect_match "$(json 'd["error"]' <<<"$OUT")" "cut.jpg" "truncated JPEG error"
expect_exit 2 "$BOOTHD" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --analyze
