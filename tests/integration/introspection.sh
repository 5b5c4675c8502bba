# SPDX-License-Identifier: GPL-2.0-or-later
# The vtable is the interface's source: the live introspection of org.boothd.Booth1 must
# equal dbus/org.boothd.Booth1.xml. Run with --write to update the file from the daemon.
source "$(dirname "$0")/common.sh"
booth_harness_init
booth_bus_start
booth_daemon_start
xml=$BOOTH_SOURCE_ROOT/dbus/org.boothd.Booth1.xml
bctl introspect --xml-interface org.boothd.Booth1 /org/boothd/Booth1 |
  awk '/^<!DOCTYPE/,/^<node>/ { print; next }
       /<interface name="org.boothd.Booth1">/ { keep = 1 }
       keep { print }
       /<\/interface>/ && keep { keep = 0 }
       END { print "</node>" }' >"$WORK/live.xml"
if [[ ${1:-} == --write ]]; then
  cp "$WORK/live.xml" "$xml"
  ok "wrote $xml"
else
  diff -u "$xml" "$WORK/live.xml" || fail "dbus/org.boothd.Booth1.xml differs from the live interface (tests/integration/introspection.sh --write updates it)"
  ok "live introspection equals dbus/org.boothd.Booth1.xml"
fi
expect_match "$(cat "$WORK/live.xml")" '<method name="StartSession">' "interface present"
booth_daemon_stop
