# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# What the daemon tests share beyond harness.sh.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

FRAMES=$BOOTH_SOURCE_ROOT/tests/data/frames
CODE1='XJM1:8GvQ2mZrT0c4pL7wq9YbE3sNdKfA6uHx1JtVnR5oW2iC0lM8eDgB7yPzS4hQ'
CODE2='XJM1:Nw3Lk9Qf2Xr7Tz0bVc5Ym8Hd1Gs6Ja4Pe9Ku2Io7Ry3Wt0Ex5Zq8Lb1Mn6Vc2'

# json EXPR: evaluates a Python expression over the JSON document on stdin, bound to d.
# Strings print as they are, everything else as JSON (true, 3, [...]).
json() {
  /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r))' "$1"
}

# booth_state_file_count DIR: number of files in $WORK/state/DIR.
booth_files() {
  find "$WORK/state/$1" -type f | wc -l
}

# booth_jpeg_size FILE: "WIDTHxHEIGHT" read by djpeg (an independent decoder).
booth_jpeg_size() {
  djpeg -pnm -outfile "$WORK/size.pnm" "$1"
  head -c 64 "$WORK/size.pnm" | tr '\n' ' ' | awk '{print $2 "x" $3}'
}

# sql QUERY: reads the record store with the sqlite3 shell (independent of boothd).
sql() {
  sqlite3 -batch -noheader "$WORK/state/records.db" "$1"
}

# booth_wait_student [TIMEOUT_S=10]: waits until no code is in view, i.e. the frames have
# moved on from the code to the student, as an operator waits before Capture.
booth_wait_student() {
  local deadline=$((SECONDS + ${1:-10}))
  until [[ $(ctl --json status | json 'd["Framing"]["codes_in_view"]') == 0 ]]; do
    ((SECONDS < deadline)) || fail "a code is still in view after ${1:-10} s"
    sleep 0.05
  done
  ok "the student is in view"
}
