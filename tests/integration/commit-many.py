#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Commits one session per code through boothd, as a front-end would (GIO, its own bus
connection): StartSession with the code, Capture (force), Commit (override). The codes are
read from files given on the command line, one code per file, and passed byte for byte
(code_bytes). Prints one line per session: "<session id> <code hex>"."""
import sys

from gi.repository import GLib

import boothbus

BUS, NAME, PATH, IFACE = sys.argv[1], "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1"
operator = sys.argv[2]
bus = boothbus.connect(BUS)


def call(method, args, reply):
    return bus.call_sync(NAME, PATH, IFACE, method, args, GLib.VariantType(reply),
                         0, 60000, None).unpack()


for path in sys.argv[3:]:
    with open(path, "rb") as f:
        code = f.read()
    option = {"code_bytes": GLib.Variant("ay", code)}
    option["operator"] = GLib.Variant("s", operator)
    (sid,) = call("StartSession", GLib.Variant("(a{sv})", (option,)), "(s)")
    call("Capture", GLib.Variant("(a{sv})", ({"force": GLib.Variant("b", True)},)), "(a{sv})")
    call("Commit", GLib.Variant("(a{sv})", ({"override": GLib.Variant("b", True)},)), "(a{sv})")
    print(sid, code.hex(), flush=True)
