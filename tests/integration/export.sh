# SPDX-License-Identifier: GPL-2.0-or-later
# Export batches through the real boothd on the file camera: 30 sessions committed with the
# payloads of real QR photos (one of them binary), exported with boothctl into a folder;
# `sha256sum -c SHA256SUMS` passes; manifest.csv (UTF-8 with a BOM) and manifest.json list
# exactly the 30 with their exact codes, the room and the operator in Chinese intact; a second
# export writes nothing; --all writes everything again; --since and --session choose; a
# folder that is not writable, and one too small (a tmpfs in a mount namespace of boothctl's
# own, handed over as a descriptor), give errors that say what to do, and leave nothing
# written and nothing marked; a photo damaged in the store is named and stops the export.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
{
  sed 's/^auto_start=.*/auto_start=false/' "$BOOTH_SOURCE_ROOT/etc/boothd.conf"
} >"$WORK/booth.conf"
# The [Booth] keys that name the booth in a batch.
sed -i '/^\[Booth\]/a booth_id=room-101\nroom=至善楼 101' "$WORK/booth.conf"
export BOOTH_CONFIG=$WORK/booth.conf BOOTH_FRAMES=$FRAMES/student.jpg TZ=Asia/Shanghai
booth_bus_start
booth_daemon_start

# The codes: 21 payloads of the jsQR photos (bytes, some not text) and the 9 distinct ones of
# the photos in tests/data/qr.
codes=("$BOOTH_SOURCE_ROOT"/tests/data/codes/jsqr-*.bin)
declare -A seen=()
for f in "$BOOTH_SOURCE_ROOT"/tests/data/qr/qrcode-*/[0-9]*.txt; do
  [[ $f == *metadata* ]] && continue
  sum=$(sha256sum <"$f")
  [[ -n ${seen[$sum]:-} ]] && continue
  seen[$sum]=1
  codes+=("$f")
done
expect_eq "${#codes[@]}" 30 "30 distinct codes"
/usr/bin/python3 "$(dirname "$0")/commit-many.py" "$BUS_ADDR" "张老师" "${codes[@]}" \
  >"$WORK/committed.txt"
expect_eq "$(wc -l <"$WORK/committed.txt")" 30 "30 sessions committed"

# Export.
mkdir "$WORK/stick"
expect_exit 0 ctl export "$WORK/stick"
batch=$(awk '$1 == "batch" {print $2}' <<<"$OUT")
[[ $batch =~ ^room-101_[0-9]{8}-[0-9]{6}$ ]] || fail "batch name '$batch'"
ok "batch $batch"
expect_eq "$(ls -A "$WORK/stick")" "$batch" "one batch folder, nothing else"
(cd "$WORK/stick/$batch" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c failed"
ok "sha256sum -c SHA256SUMS passes"
expect_eq "$(find "$WORK/stick/$batch" -name '*.jpg' | wc -l)" 60 "60 photos (2 profiles)"
expect_eq "$(sql "select count(*) from sessions where exported = '$batch'")" 30 \
  "30 sessions marked with the batch"

# The manifests against the records (read with the sqlite3 shell) and the codes given.
/usr/bin/python3 - "$WORK/stick/$batch" "$WORK/committed.txt" "$WORK/state/records.db" <<'EOF'
import csv, hashlib, io, json, os, sqlite3, sys
batch, committed, db = sys.argv[1:]
raw = open(os.path.join(batch, "manifest.csv"), "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "manifest.csv has no BOM"
rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
doc = json.load(open(os.path.join(batch, "manifest.json"), encoding="utf-8"))
given = dict(line.split() for line in open(committed))
con = sqlite3.connect(db)
records = {r[0]: r for r in con.execute(
    "select s.id, s.code, f.profile, f.sha256, f.bytes, s.operator from sessions s"
    " join files f on f.session_id = s.id where s.status = 'committed'")}
assert len(rows) == 60 and len(doc["rows"]) == 60, (len(rows), len(doc["rows"]))
assert {r["session"] for r in rows} == set(given), "the CSV lists other sessions"
for r, j in zip(rows, doc["rows"]):
    code = bytes.fromhex(r["code_hex"])
    assert r["code_hex"] == given[r["session"]], ("code", r["session"])
    assert j["code_hex"] == r["code_hex"] and j["session"] == r["session"]
    try:
        text = code.decode("utf-8")
        is_text = text.isprintable() and text[0] not in "=+-@"
    except UnicodeDecodeError:
        is_text = False
    assert r["code_text"] == (text if is_text else ""), ("code_text", r["session"])
    assert j["code_text"] == (text if is_text else None), ("json code_text", r["session"])
    assert r["room"] == "至善楼 101" and r["operator"] == "张老师" and r["booth"] == "room-101"
    photo = open(os.path.join(batch, r["file"]), "rb").read()
    assert r["file"] == f'{r["session"]}_{r["profile"]}.jpg'
    assert hashlib.sha256(photo).hexdigest() == r["sha256"] == j["sha256"]
    assert int(r["bytes"]) == len(photo) == j["bytes"]
    assert r["committed"].endswith("+08:00"), r["committed"]
    assert isinstance(j["checks"], dict) and j["checks"], "no checks in the JSON"
    for name, c in j["checks"].items():
        assert r[f"{name} verdict"] == c["verdict"] in ("pass", "fail", "overridden")
    assert sorted(j["overrides"]) == sorted(filter(None, r["overrides"].split(";")))
binary = [r for r in rows if not r["code_text"]]
assert binary, "no binary code among the 30"
print(f"# manifests: 60 rows, 30 sessions, {len(binary)} rows with a code that is not text")
EOF
ok "manifest.csv and manifest.json hold exactly the 30 sessions, their codes and hashes"

# Again: nothing new; --all: everything again, in a new batch.
expect_exit 0 ctl export "$WORK/stick"
expect_match "$OUT" "nothing to export" "a second export writes nothing"
expect_eq "$(ls -A "$WORK/stick" | wc -l)" 1 "still one batch"
sleep 1.1 # batches are named to the second
expect_exit 0 ctl --json export --all "$WORK/stick"
all=$(json 'd["batch"]' <<<"$OUT")
expect_eq "$(json 'd["sessions"], d["photos"]' <<<"$OUT")" "[30, 60]" "--all: 30 sessions again"
(cd "$WORK/stick/$all" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c failed (--all)"
expect_eq "$(sql "select count(*) from sessions where exported = '$all'")" 30 \
  "the sessions now name the newest batch"

# --session chooses (also one exported before); --since a time after every commit: nothing.
first=$(awk 'NR == 1 {print $1}' "$WORK/committed.txt")
sleep 1.1
expect_exit 0 ctl --json export --session "$first" "$WORK/stick"
expect_eq "$(json 'd["sessions"]' <<<"$OUT")" 1 "--session exports that session"
expect_exit 0 ctl export --all --since "$(date -d '+1 hour' '+%Y-%m-%d %H:%M')" "$WORK/stick"
expect_match "$OUT" "nothing to export" "--since after the last commit: nothing"
expect_exit 1 ctl export --session 20990101T000000Z-00000000 "$WORK/stick"
expect_match "$ERR" "no session" "an unknown session is named"
expect_exit 2 ctl export --since yesterday "$WORK/stick"
expect_match "$ERR" "not a time" "a bad --since says how to write a time"
expect_exit 2 ctl export "$WORK/no-such-folder"
expect_match "$ERR" "cannot open the folder" "a missing folder"

# A folder boothd may not write to: its own read-only bind of the stick is not needed; a
# read-only folder for the user boothd runs as is (root here: a read-only mount).
marked=$(sql "select count(*) from sessions where exported is not null")
new_one() {
  /usr/bin/python3 "$(dirname "$0")/commit-many.py" "$BUS_ADDR" "李老师" "$1" >>"$WORK/committed.txt"
}
printf 'XJM1:export-space-test' >"$WORK/code-a"
new_one "$WORK/code-a"
if unshare --mount --propagation private true 2>/dev/null; then
  # Too small: 64 KiB for two photos of ~30 KiB and the manifest.
  mkdir "$WORK/small"
  expect_exit 1 unshare --mount --propagation private bash -c \
    'mount -t tmpfs -o size=64k boothd-export "$1" && shift && "$@"' _ "$WORK/small" \
    "$BOOTHCTL" --bus "$BUS_ADDR" export "$WORK/small"
  expect_match "$ERR" "not enough space" "a small folder: the space error"
  expect_match "$ERR" "nothing was written" "... and it says nothing was written"
  # Read-only.
  expect_exit 1 unshare --mount --propagation private bash -c \
    'mount -t tmpfs -o size=8m,ro boothd-export "$1" && shift && "$@"' _ "$WORK/small" \
    "$BOOTHCTL" --bus "$BUS_ADDR" export "$WORK/small"
  expect_match "$ERR" "read-only" "a read-only folder says so"
else
  echo "# no mount namespace here: the small and read-only folders are not tried"
fi
expect_eq "$(sql "select count(*) from sessions where exported is not null")" "$marked" \
  "nothing marked after the failures"

# A photo damaged in the store: named, nothing exported, nothing marked.
victim=$(sql "select path from files f join sessions s on s.id = f.session_id
  where s.exported is null and s.status = 'committed' limit 1")
[[ $victim == /* ]] || victim=$WORK/state/$victim
printf 'X' | dd of="$victim" bs=1 seek=100 conv=notrunc status=none
mkdir "$WORK/stick2"
expect_exit 1 ctl export "$WORK/stick2"
expect_match "$ERR" "damaged" "a damaged photo is named"
expect_eq "$(ls -A "$WORK/stick2")" "" "nothing left in the folder"
expect_eq "$(sql "select count(*) from sessions where exported is not null")" "$marked" \
  "nothing marked"
