#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A front-end in a hurry: sends StartSession and, without waiting for its reply, Capture and
Cancel on the same connection, ROUNDS times. Prints one line per call: "METHOD ok" or
"METHOD error NAME MESSAGE". Usage: pipelined.py BUS_ADDRESS CODE ROUNDS"""
import sys

from gi.repository import Gio, GLib

import boothbus

address, code, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
bus = boothbus.connect(address)
loop = GLib.MainLoop()
pending = 0


def finished(method):
    def done(conn, result):
        global pending
        try:
            conn.call_finish(result)
            print(method, "ok", flush=True)
        except GLib.Error as e:
            print(method, "error", Gio.DBusError.get_remote_error(e),
                  Gio.DBusError.strip_remote_error(e) or e.message, flush=True)
        pending -= 1
        if pending == 0:
            loop.quit()
    return done


def send(method, args):
    global pending
    pending += 1
    bus.call("org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1", method, args,
             None, Gio.DBusCallFlags.NONE, 60000, None, finished(method))


for _ in range(rounds):
    send("StartSession", GLib.Variant("(a{sv})", ({"code": GLib.Variant("s", code)},)))
    send("Capture", GLib.Variant("(a{sv})", ({},)))
    send("Cancel", None)
    loop.run()
bus.close_sync(None)
