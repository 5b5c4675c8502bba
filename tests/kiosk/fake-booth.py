#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for boothd that already has OpenPreview and OpenCandidate (the daemon in this
tree does not yet), so the kiosk's picture path can be tested: the preview stream written
to the BPV1 format by this independent writer, alternating two pictures with a face box and
the guide lines, and a candidate photo. SIGUSR1 moves it from framing to reviewing.
  fake-booth.py BUS_ADDRESS PICTURE_A PICTURE_B CANDIDATE"""
import os
import signal
import socket
import struct
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.boothd.Booth1">
<method name="OpenPreview"><arg type="a{sv}" direction="in"/><arg type="h" direction="out"/></method>
<method name="OpenCandidate"><arg type="s" direction="in"/><arg type="h" direction="out"/></method>
<property name="State" type="s" access="read"/>
<property name="Session" type="a{sv}" access="read"/>
<property name="Framing" type="a{sv}" access="read"/>
<property name="Camera" type="a{sv}" access="read"/>
</interface></node>"""
HEADER = struct.Struct("<4sHHIQqHH4h2h2h4h4h2hhHHI")
assert HEADER.size == 78

address, pic_a, pic_b, candidate = sys.argv[1:5]
pictures = [open(pic_a, "rb").read(), open(pic_b, "rb").read()]
state = {"State": GLib.Variant("s", "framing")}
clients = []
seq = [0]
conn = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def session(has_candidate):
    return GLib.Variant("a{sv}", {"id": GLib.Variant("s", "fake-session"),
                                  "has_code": GLib.Variant("b", True),
                                  "profile": GLib.Variant("s", "chsi-upload"),
                                  "attempts": GLib.Variant("u", 1 if has_candidate else 0),
                                  "has_candidate": GLib.Variant("b", has_candidate)})


props = {
    "State": GLib.Variant("s", "framing"),
    "Session": session(False),
    "Framing": GLib.Variant("a{sv}", {"hints": GLib.Variant("as", ["move_left"]),
                                      "score": GLib.Variant("d", 0.6)}),
    "Camera": GLib.Variant("a{sv}", {"state": GLib.Variant("s", "running")}),
}


def frame():
    seq[0] += 1
    jpeg = pictures[seq[0] % 2]
    hints = b"move_left\0"
    # 576x768 frames (tests/data/frames/student.jpg); bands as a 3:4 crop would put them.
    return HEADER.pack(b"BPV1", 1, 78, 0b10110, seq[0], seq[0] * 200000, 576, 768,
                       216, 176, 121, 120, 243, 206, 304, 203, 87, 7, 372, 496,
                       36, 80, 155, 233, 116, 194, 273, 600, len(hints), len(jpeg)) + hints + jpeg


def tick():
    data = frame()
    for s in list(clients):
        try:
            s.sendall(data)
        except OSError:
            clients.remove(s)
    return True


def method_call(connection, sender, path, interface, method, params, invocation):
    if method == "OpenPreview":
        ours, theirs = socket.socketpair()
        clients.append(ours)
        fds = Gio.UnixFDList.new_from_array([os.dup(theirs.fileno())])
        theirs.close()
        invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)), fds)
    elif method == "OpenCandidate":
        fd = os.open(candidate, os.O_RDONLY)
        invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)),
                                                  Gio.UnixFDList.new_from_array([fd]))


def get_property(connection, sender, path, interface, name):
    return props[name]


def review():
    props["State"] = GLib.Variant("s", "reviewing")
    props["Session"] = session(True)
    conn.emit_signal(None, "/org/boothd/Booth1", "org.freedesktop.DBus.Properties",
                     "PropertiesChanged",
                     GLib.Variant("(sa{sv}as)", ("org.boothd.Booth1",
                                                 {"State": props["State"],
                                                  "Session": props["Session"]}, [])))
    return False


info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
conn.register_object("/org/boothd/Booth1", info, method_call, get_property, None)
Gio.bus_own_name_on_connection(conn, "org.boothd.Booth1", Gio.BusNameOwnerFlags.NONE, None, None)
GLib.timeout_add(200, tick)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, review)
loop = GLib.MainLoop()
# The test's bus going away ends the stand-in, however the test ended.
conn.connect("closed", lambda *args: loop.quit())
loop.run()
