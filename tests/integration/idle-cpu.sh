# SPDX-License-Identifier: GPL-2.0-or-later
# The main loop sleeps when there is nothing to do. Over 5 s each, from /proc: the whole
# daemon's CPU without a camera (alone, then with a bus client watching), and the main
# thread's CPU with the file camera running (idle, then with a session and a watching
# client; the analysis thread works on every frame, the main thread only publishes).
source "$(dirname "$0")/common.sh"
booth_harness_init

# cpu_ticks PID [TID]: utime + stime in clock ticks, of the process or of one thread.
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1${2:+/task/$2}/stat")
  stat=${stat##*) } # the fields after the command name, which may hold spaces
  read -r -a f <<<"$stat"
  echo $((f[11] + f[12]))
}

# measure LABEL MAX_PERCENT [TID]: CPU over 5 s as a percentage of one core.
measure() {
  local label=$1 max=$2 tid=${3:-} hz before after pct
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks "$BOOTHD_PID" "$tid")
  sleep 5
  after=$(cpu_ticks "$BOOTHD_PID" "$tid")
  pct=$(awk "BEGIN { printf \"%.1f\", ($after - $before) * 100 / ($hz * 5) }")
  echo "# idle CPU, $label: $pct% of a core over 5 s (at most $max%)"
  awk "BEGIN { exit !($pct <= $max) }" || fail "$label: $pct% of a core, more than $max%"
  ok "$label sleeps"
}

booth_bus_start
# Without a camera: a nonexistent libcamera id keeps the supervisor probing, as at a booth
# whose camera is unplugged.
booth_daemon_start --camera libcamera:no-such-camera
expect_eq "$(booth_state)" error "no camera on this machine"
measure "no camera, whole daemon" 2
booth_watch_start "$WORK/watch.txt"
measure "no camera, a client watching, whole daemon" 2
booth_watch_stop
booth_daemon_stop

export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_daemon_start
booth_wait_state idle
measure "file camera at 15 fps, main thread" 5 "$BOOTHD_PID"
booth_watch_start "$WORK/watch2.txt"
expect_exit 0 ctl start --code "$CODE1"
booth_wait_state framing
measure "file camera, a session and a client watching, main thread" 5 "$BOOTHD_PID"
booth_watch_stop
expect_exit 0 ctl cancel
booth_daemon_stop
