#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""OpenCandidate and the Session property's report, from one GIO connection that owns its
session. Usage: candidate.py BUS_ADDRESS CODE. Prints TAP-like lines; exits 1 on a failure."""
import hashlib
import os
import sys

from gi.repository import Gio, GLib

ADDRESS, CODE = sys.argv[1], sys.argv[2]
PROFILES = ["chsi-upload", "chsi-final"]
failures = 0


def ok(cond, what):
    global failures
    print(("ok " if cond else "not ok ") + what, flush=True)
    failures += not cond


bus = Gio.DBusConnection.new_for_address_sync(
    ADDRESS,
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)


def call(method, args, reply_type):
    return bus.call_with_unix_fd_list_sync(
        "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1", method, args,
        GLib.VariantType(reply_type), Gio.DBusCallFlags.NONE, 60000, None, None)


def error_of(fn):
    try:
        fn()
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e)
        return name, e.message.removeprefix(f"GDBus.Error:{name}: ")
    return None, None


def open_candidate(profile):
    reply, fdlist = call("OpenCandidate", GLib.Variant("(s)", (profile,)), "(h)")
    fd = fdlist.steal_fds()[reply.unpack()[0]]
    data = b""
    while chunk := os.read(fd, 1 << 16):
        data += chunk
    try:
        os.write(fd, b"x")
        writable = True
    except OSError:
        writable = False
    os.close(fd)
    return data, writable


def session_property():
    r = bus.call_sync("org.boothd.Booth1", "/org/boothd/Booth1", "org.freedesktop.DBus.Properties",
                      "Get", GLib.Variant("(ss)", ("org.boothd.Booth1", "Session")),
                      GLib.VariantType("(v)"), Gio.DBusCallFlags.NONE, 10000, None)
    return r.unpack()[0]


name, msg = error_of(lambda: open_candidate("chsi-upload"))
ok(name == "org.boothd.Error.NoSession", f"no session: {name}: {msg}")
call("StartSession", GLib.Variant("(a{sv})", ({"code": GLib.Variant("s", CODE)},)), "(s)")
name, msg = error_of(lambda: open_candidate("chsi-upload"))
ok(name == "org.boothd.Error.BadState" and "Capture first" in msg, f"no candidate yet: {name}: {msg}")
name, msg = error_of(lambda: open_candidate("passport"))
ok(name == "org.boothd.Error.InvalidArgument" and "chsi-final" in msg, f"unknown profile: {name}: {msg}")
report = call("Capture", GLib.Variant("(a{sv})", ({},)), "(a{sv})")[0].unpack()[0]
got = {}
for p in PROFILES:
    data, writable = open_candidate(p)
    got[p] = hashlib.sha256(data).hexdigest()
    ok(data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9", f"{p}: a whole JPEG of {len(data)} bytes")
    ok(not writable, f"{p}: the fd is read-only")
s = session_property()
ok(s.get("report") == report, "the Session property carries Capture's report")
ok(s.get("candidate_passed") is False and "chsi-upload/background_colour" in s.get("candidate_failed", []),
   f"and its summary: passed {s.get('candidate_passed')}, failed {s.get('candidate_failed')}")
name, msg = error_of(lambda: call("Commit", GLib.Variant("(a{sv})", ({},)), "(a{sv})"))
ok(name == "org.boothd.Error.ChecksFailed" and "background_colour" in msg and "override" in msg,
   f"Commit without override: {name}: {msg}")
record = call("Commit", GLib.Variant("(a{sv})", ({"override": GLib.Variant("b", True)},)),
              "(a{sv})")[0].unpack()[0]
for f in record["files"]:
    on_disk = hashlib.sha256(open(f["path"], "rb").read()).hexdigest()
    ok(got.get(f["profile"]) == on_disk == f["sha256"],
       f"{f['profile']}: the candidate's sha256 is the committed file's ({on_disk[:12]}…)")
ok(sorted(f["profile"] for f in record["files"]) == sorted(PROFILES), "every profile committed")
name, msg = error_of(lambda: open_candidate("chsi-final"))
ok(name == "org.boothd.Error.NoSession", f"after Commit: {name}: {msg}")
sys.exit(1 if failures else 0)
