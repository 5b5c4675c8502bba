# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# What the kiosk tests add to the integration harness: an X server (Xvfb), a session bus of
# the test's own for the accessibility bus (AT-SPI), boothkiosk on the private boothd bus,
# reading its screen through the accessibility tree, and screenshots. Skips (exit 77) where
# GTK 4, Xvfb, pyatspi or OpenCV's Python module are missing. Everything stops on exit with
# the harness's cleanup.
source "$BOOTH_SOURCE_ROOT/tests/integration/common.sh"

KIOSK_PID=
XVFB_PID=
SESSION_BUS_PID=
ATSPI_PID=
SHOTS=${BOOTH_BUILD_ROOT:-.}/tests/kiosk/screenshots
KIOSK_LOG=

kiosk_skip_unless_ready() {
  local missing=()
  [[ -n ${BOOTHKIOSK:-} && -x ${BOOTHKIOSK:-} ]] || missing+=("boothkiosk (GTK 4)")
  command -v Xvfb >/dev/null || missing+=(Xvfb)
  [[ -x /usr/libexec/at-spi-bus-launcher ]] || missing+=(at-spi2-core)
  /usr/bin/python3 -c 'import pyatspi' 2>/dev/null || missing+=(python3-pyatspi)
  /usr/bin/python3 -c 'import cv2' 2>/dev/null || missing+=("python3-opencv (picture-check.py)")
  command -v import >/dev/null || missing+=("import (imagemagick)")
  if ((${#missing[@]})); then
    echo "# skipped: missing ${missing[*]}"
    exit 77
  fi
}

kiosk__stop() {
  local pid
  for pid in "$KIOSK_PID" "$ATSPI_PID" "$SESSION_BUS_PID" "$XVFB_PID"; do
    [[ -n $pid ]] && booth__stop_process "$pid"
  done
  KIOSK_PID= ATSPI_PID= SESSION_BUS_PID= XVFB_PID=
  if [[ -n $KIOSK_LOG && -s $KIOSK_LOG ]]; then
    echo "# --- last lines of boothkiosk's log ---"
    tail -n 15 "$KIOSK_LOG" | sed 's/^/# /'
  fi
}

kiosk__cleanup() {
  local status=$?
  kiosk__stop
  (exit "$status")
  booth__cleanup
}

# kiosk_init: the harness, then the display and the accessibility bus.
kiosk_init() {
  kiosk_skip_unless_ready
  booth_harness_init
  trap kiosk__cleanup EXIT
  mkdir -p "$SHOTS"
  KIOSK_LOG=$WORK/boothkiosk.log

  # -noreset: an X server resets when its last client leaves (the accessibility launcher
  # connects and leaves just before the kiosk starts), and a client that comes during the
  # reset finds no display.
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$WORK/display" \
    2>"$WORK/xvfb.log" &
  XVFB_PID=$!
  local deadline=$((SECONDS + 10))
  until [[ -s $WORK/display ]]; do
    ((SECONDS < deadline)) || fail "Xvfb gave no display within 10 s: $(cat "$WORK/xvfb.log")"
    sleep 0.05
  done
  export DISPLAY=:$(head -n 1 "$WORK/display")
  export GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=atspi NO_AT_BRIDGE=0
  ok "Xvfb on $DISPLAY"
}

# kiosk_a11y_start: after booth_bus_start (which points DBUS_SESSION_BUS_ADDRESS at the
# boothd bus): a session bus of our own with the accessibility bus launcher on it.
kiosk_a11y_start() {
  : >"$WORK/session.address"
  dbus-daemon --session --nofork --print-address=3 3>"$WORK/session.address" \
    2>"$WORK/session-bus.log" &
  SESSION_BUS_PID=$!
  local deadline=$((SECONDS + 10))
  until [[ -s $WORK/session.address ]]; do
    ((SECONDS < deadline)) || fail "the session bus printed no address"
    sleep 0.05
  done
  export DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$WORK/session.address")
  /usr/libexec/at-spi-bus-launcher --launch-immediately >"$WORK/atspi.log" 2>&1 &
  ATSPI_PID=$!
  until busctl --user --address="$DBUS_SESSION_BUS_ADDRESS" list 2>/dev/null | grep -q org.a11y.Bus; do
    ((SECONDS < deadline)) || fail "at-spi-bus-launcher did not take org.a11y.Bus"
    sleep 0.05
  done
  ok "accessibility bus up"
}

# kiosk_start [ARGS...]: boothkiosk --windowed on the boothd bus, with the build tree's
# catalogue; returns once its window is in the accessibility tree.
kiosk_start() {
  BOOTHKIOSK_LOCALEDIR=$BOOTH_BUILD_ROOT/client/kiosk/po G_DEBUG=fatal-criticals \
    "$BOOTHKIOSK" --windowed --bus "$BUS_ADDR" "$@" >>"$KIOSK_LOG" 2>&1 &
  KIOSK_PID=$!
  local deadline=$((SECONDS + 20))
  until kiosk_read dump >"$WORK/dump" 2>&1; do
    booth__alive "$KIOSK_PID" || { cat "$KIOSK_LOG" >&2; fail "boothkiosk exited at start"; }
    ((SECONDS < deadline)) || { cat "$KIOSK_LOG" >&2; cat "$WORK/dump" >&2; fail "boothkiosk not in the accessibility tree after 20 s"; }
    sleep 0.2
  done
  ok "boothkiosk $* is up (pid $KIOSK_PID)"
}

kiosk_stop() {
  booth__stop_process "$KIOSK_PID"
  KIOSK_PID=
}

kiosk_read() {
  /usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/kiosk/atspi-read.py" "$@"
}

# kiosk_expect SCREEN [TEXT...]: the screen shows, with every TEXT on it (20 s at most).
kiosk_expect() {
  local out
  out=$(kiosk_read wait "$@") || fail "boothkiosk does not show screen '$1' with: ${*:2}"
  ok "screen $1 shows: ${*:2}"
  KIOSK_TEXTS=$out
}

# kiosk_wait_photo: the review shows the candidate photo, neither "loading" nor "not
# available" over it (10 s at most).
kiosk_wait_photo() {
  local deadline=$((SECONDS + 10)) dump
  while :; do
    dump=$(kiosk_read dump 2>&1 || true)
    if grep -q 'screen: review' <<<"$dump" && grep -q candidate-photo <<<"$dump" &&
      ! grep -Eq "$(T '照片暂时无法显示|正在载入照片' 'Photo not available|Loading the photo')" <<<"$dump"; then
      ok "the review shows the candidate photo, no placeholder"
      return 0
    fi
    ((SECONDS < deadline)) || fail "the review shows no candidate photo after 10 s:"$'\n'"$dump"
    sleep 0.2
  done
}

# kiosk_shot NAME: a screenshot of the whole display, $SHOTS/NAME.png.
kiosk_shot() {
  import -window root "$SHOTS/$1.png"
  ok "screenshot $SHOTS/$1.png"
}

# T ZH EN: the text in the language under test (KIOSK_LANG, zh or en). The tests spell out
# both, so a missing or wrong translation fails them.
T() {
  if [[ $KIOSK_LANG == zh ]]; then printf '%s' "$1"; else printf '%s' "$2"; fi
}
