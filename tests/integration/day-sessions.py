#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Sessions with the outcomes a day has, driven through boothd as a front-end would (GIO, its
own bus connection): committed with retakes and overrides, cancelled, abandoned (the client
leaves and abandon_timeout passes). Usage: day-sessions.py BUS PLAN, PLAN a list of letters,
one session each: c committed, r committed after one retake, R after two, x cancelled,
a abandoned (last). Codes are made from the session's place in the plan."""
import subprocess
import sys
import time

from gi.repository import GLib

import boothbus

BUS, PLAN = sys.argv[1], sys.argv[2]
NAME, PATH, IFACE = "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1"


def call(bus, method, args=None, reply=None, opts=None):
    v = GLib.Variant("(a{sv})", (opts or {},)) if args is None else args
    return bus.call_sync(NAME, PATH, IFACE, method, v,
                         GLib.VariantType(reply) if reply else None, 0, 60000, None)


def state(bus):
    v = bus.call_sync(NAME, PATH, "org.freedesktop.DBus.Properties", "Get",
                      GLib.Variant("(ss)", (IFACE, "State")), GLib.VariantType("(v)"), 0, 5000,
                      None)
    return v.unpack()[0]


if len(sys.argv) > 3 and sys.argv[3] == "--leave":
    # One session left by its owner: started and captured, then this process ends.
    bus = boothbus.connect(BUS)
    call(bus, "StartSession", opts={"code": GLib.Variant("s", sys.argv[4])}, reply="(s)")
    call(bus, "Capture", opts={"force": GLib.Variant("b", True)}, reply="(a{sv})")
    sys.exit(0)

bus = boothbus.connect(BUS)
force = {"force": GLib.Variant("b", True)}
for i, kind in enumerate(PLAN):
    code = f"XJM1:day-report-{i:03d}"
    if kind == "a":
        subprocess.run([sys.executable, __file__, BUS, "", "--leave", code], check=True)
        # The left session waits abandon_timeout for adoption, then is recorded abandoned.
        deadline = time.monotonic() + 15
        while state(bus) != "idle":
            assert time.monotonic() < deadline, "the left session was not abandoned"
            time.sleep(0.1)
        continue
    call(bus, "StartSession", opts={"code": GLib.Variant("s", code)}, reply="(s)")
    call(bus, "Capture", opts=force, reply="(a{sv})")
    for _ in range({"r": 1, "R": 2}.get(kind, 0)):
        call(bus, "Retake", args=GLib.Variant("()", ()))
        call(bus, "Capture", opts=force, reply="(a{sv})")
    if kind == "x":
        call(bus, "Cancel", args=GLib.Variant("()", ()))
    else:
        call(bus, "Commit", opts={"override": GLib.Variant("b", True)}, reply="(a{sv})")
