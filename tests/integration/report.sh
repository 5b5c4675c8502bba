# SPDX-License-Identifier: GPL-2.0-or-later
# The day report through boothd and boothctl: a day of real sessions (committed, with retakes
# and overrides, cancelled, abandoned) made by the real boothd on the file camera, spread over
# the day of 2026-06-18 by moving each session's times (the records are boothd's own; only
# their times move), then `boothctl report --day 2026-06-18 --json --svg` compared with counts
# made here, independently, from the records with the sqlite3 module: per slot of the
# schedule, per hour, retakes, overrides and failing checks by name, median and 90th
# percentile seconds from code to commit, the busiest 10 minutes; the picture is SVG with a
# bar per 10 minutes and the slots named. Bad days and a bad schedule are refused in words.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
cp "$BOOTH_SOURCE_ROOT/etc/schedule.conf" "$WORK/schedule.conf"
sed -e 's/^auto_start=.*/auto_start=false/' -e 's/^abandon_timeout=.*/abandon_timeout=1/' \
  "$BOOTH_SOURCE_ROOT/etc/boothd.conf" >"$WORK/booth.conf"
sed -i "/^\[Booth\]/a booth_id=room-116\nroom=至善楼 116\nschedule=$WORK/schedule.conf" \
  "$WORK/booth.conf"
export BOOTH_CONFIG=$WORK/booth.conf BOOTH_FRAMES=$FRAMES/student.jpg TZ=Asia/Shanghai
booth_bus_start
booth_daemon_start

# 30 sessions: mostly committed, some after retakes, some cancelled, two abandoned.
PLAN=ccrcxcRcccrcaccxcccrccccxccRca
/usr/bin/python3 "$(dirname "$0")/day-sessions.py" "$BUS_ADDR" "$PLAN"
deadline=$((SECONDS + 15))
until [[ $(sql "select count(*) from sessions where status = 'abandoned'") == 2 ]]; do
  ((SECONDS < deadline)) || fail "the left sessions were not abandoned"
  sleep 0.2
done
booth_daemon_stop
expect_eq "$(sql "select count(*) from sessions")" 30 "30 sessions recorded"

# Spread them over 2026-06-18 (Asia/Shanghai): session k starts at a time from the list,
# each keeping its own durations. Three start before and after every slot's edges, one
# outside every slot, a burst at 09:10.
/usr/bin/python3 - "$WORK/state/records.db" <<'EOF'
import sqlite3, sys
from datetime import datetime, timedelta, timezone
tz = timezone(timedelta(hours=8))
starts = ["08:29:50", "08:30:00", "08:31:10", "08:45:00", "08:58:20", "09:05:00", "09:10:00",
          "09:11:30", "09:12:40", "09:14:00", "09:15:30", "09:17:00", "09:19:50", "09:29:59",
          "09:30:00", "09:52:00", "10:05:00", "10:29:00", "10:31:00", "11:10:00", "12:15:00",
          "14:00:00", "14:20:00", "14:21:00", "14:40:00", "15:00:00", "15:30:00", "15:45:00",
          "15:59:59", "16:30:00"]
con = sqlite3.connect(sys.argv[1])
rows = con.execute("select id, started_at from sessions order by started_at, rowid").fetchall()
assert len(rows) == len(starts)
for (sid, old), hms in zip(rows, starts):
    new = int(datetime.fromisoformat(f"2026-06-18T{hms}").replace(tzinfo=tz).timestamp() * 1e6)
    d = new - old
    con.execute("update sessions set started_at = started_at + ?2,"
                " ended_at = case when ended_at > 0 then ended_at + ?2 else ended_at end,"
                " code_at = case when code_at > 0 then code_at + ?2 else code_at end"
                " where id = ?1", (sid, d))
con.commit()
EOF
booth_daemon_start
expect_exit 0 ctl --json report --day 2026-06-18 --svg "$WORK/day.svg"
printf '%s\n' "$OUT" >"$WORK/report.json"

/usr/bin/python3 - "$WORK/state/records.db" "$WORK/report.json" "$WORK/schedule.conf" <<'EOF'
import configparser, json, sqlite3, sys
from datetime import datetime, timedelta, timezone
tz = timezone(timedelta(hours=8))
db, rep_path, sched = sys.argv[1:]
rep = json.load(open(rep_path, encoding="utf-8"))
con = sqlite3.connect(db)
rows = con.execute("select started_at, code_at, ended_at, status, attempts, overrides, checks"
                   " from sessions order by started_at").fetchall()
day0 = int(datetime(2026, 6, 18, tzinfo=tz).timestamp() * 1e6)

def minute(us):
    t = datetime.fromtimestamp(us / 1e6, tz)
    return t.hour * 60 + t.minute

def pct(v, p):
    v = sorted(v)
    if not v:
        return None
    r = p / 100 * (len(v) - 1)
    lo = int(r)
    return v[-1] if lo + 1 >= len(v) else v[lo] + (r - lo) * (v[lo + 1] - v[lo])

def tally(rs):
    t = {k: sum(1 for r in rs if r[3] == k) for k in ("committed", "cancelled", "abandoned")}
    t["started"] = len(rs)
    t["retakes"] = sum(max(r[4] - 1, 0) for r in rs)
    t["overridden"] = sum(1 for r in rs if r[3] == "committed" and r[5])
    secs = [(r[2] - r[1]) / 1e6 for r in rs if r[3] == "committed" and r[1]]
    t["seconds_median"], t["seconds_p90"] = pct(secs, 50), pct(secs, 90)
    return t

def check(where, got, want):
    for k, v in want.items():
        g = got.get(k)
        if v is None:
            assert g is None, (where, k, g)
        elif isinstance(v, float):
            assert abs(g - v) < 1e-6, (where, k, g, v)
        else:
            assert g == v, (where, k, g, v)

check("day", rep, tally(rows))
cp = configparser.ConfigParser(delimiters=("=",))
cp.optionxform = str
cp.read(sched, encoding="utf-8")
slots = []
for g in cp.sections():
    if g == "Schedule":
        continue
    a, b = [int(x[:2]) * 60 + int(x[3:]) for x in g.split("-")]
    slots.append((g, a, b))
slots.sort(key=lambda s: s[1])
assert [s["name"] for s in rep["slots"]] == [s[0] for s in slots]
inside = set()
for got, (name, a, b) in zip(rep["slots"], slots):
    rs = [r for r in rows if a <= minute(r[0]) < b]
    inside.update(id(r) for r in rs)
    check(name, got, tally(rs))
    assert got["colleges"] == cp[name]["colleges"].split(";")
check("outside", rep["outside_slots"], tally([r for r in rows if id(r) not in inside]))
hours = sorted({minute(r[0]) // 60 for r in rows})
assert len(rep["hours"]) == hours[-1] - hours[0] + 1
for h in rep["hours"]:
    hr = minute(h["start"]) // 60
    check(f"hour {hr}", h, tally([r for r in rows if minute(r[0]) // 60 == hr]))
ov, fail = {}, {}
for r in rows:
    if r[3] == "committed":
        for n in {o.split("/")[-1] for o in (r[5] or "").split(",") if o}:
            ov[n] = ov.get(n, 0) + 1
    checks = json.loads(r[6]) if r[6] else {}
    for n in {c["name"] for cs in checks.values() for c in cs if not c["pass"]}:
        fail[n] = fail.get(n, 0) + 1
assert rep["overrides_by_check"] == ov, (rep["overrides_by_check"], ov)
assert rep["failing_checks"] == fail, (rep["failing_checks"], fail)
hist = [0, 0, 0, 0]
for r in rows:
    hist[min(max(r[4] - 1, 0), 3)] += 1
assert rep["retakes_histogram"] == hist, (rep["retakes_histogram"], hist)
starts = [r[0] for r in rows]
best = max(range(len(starts)), key=lambda i: (sum(1 for s in starts if starts[i] <= s < starts[i] + 600e6), -i))
n_best = sum(1 for s in starts if starts[best] <= s < starts[best] + 600e6)
assert rep["busiest"]["start"] == starts[best] and rep["busiest"]["started"] == n_best, rep["busiest"]
assert sum(b[1] for b in rep["bins"]) == len(rows) and sum(b[2] for b in rep["bins"]) == rep["committed"]
assert "opaque" in rep["counts_note"]
print(f"# day: {rep['started']} started, {rep['committed']} committed, {rep['cancelled']} cancelled,"
      f" {rep['abandoned']} abandoned; busiest {n_best} from {datetime.fromtimestamp(starts[best] / 1e6, tz):%H:%M:%S};"
      f" median {rep['seconds_median']:.2f} s, p90 {rep['seconds_p90']:.2f} s")
EOF
ok "the report's numbers equal the counts made from the records"

/usr/bin/python3 - "$WORK/day.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
texts = " ".join(t.text or "" for t in root.iter(ns + "text"))
bars = [r for r in root.iter(ns + "rect") if r.find(ns + "title") is not None]
assert "08:30-09:30" in texts and "法学院" in texts and "14:00-15:00" in texts, texts[:300]
assert len(bars) >= 2 * 40, len(bars)  # two bars per 10 minutes from 08:20 to 16:30
EOF
ok "the picture is SVG: bars per 10 minutes, the slots named with their colleges"

expect_exit 0 ctl report --day 2026-06-18
expect_match "$OUT" "day report +2026-06-18, room-116 \(至善楼 116\)" "the text report's title"
expect_match "$OUT" "08:30-09:30" "the text report lists the slots"
expect_match "$OUT" "法学院, 商学院" "... with their colleges"
expect_exit 0 ctl --json report --day 2026-06-19
expect_eq "$(json 'd["started"], d["slots"][0]["started"]' <<<"$OUT")" "[0, 0]" "an empty day"
expect_exit 1 ctl report --day 2026-13-40
expect_match "$ERR" "not a day" "a day that does not exist"
printf '[08:30-09:30]\ncolleges=A\n[09:00-10:00]\ncolleges=B\n' >"$WORK/schedule.conf"
expect_exit 1 ctl report --day 2026-06-18
expect_match "$ERR" "schedule.conf: the slots \[08:30-09:30\] and \[09:00-10:00\] overlap" \
  "overlapping slots are named"
printf '[morning]\ncolleges=A\n' >"$WORK/schedule.conf"
expect_exit 1 ctl report
expect_match "$ERR" "\[morning\] is not a time slot" "a slot without times"
