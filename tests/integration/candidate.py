#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""OpenCandidate and the Session property's report, from one GIO connection that owns its
session: each profile's fd is its durable file in candidates/, read-only, and keeps its bytes,
the committed photo's, after Commit removes the file. Usage: candidate.py BUS_ADDRESS CODE.
Prints TAP-like lines; exits 1 on a failure."""
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
    return fdlist.steal_fds()[reply.unpack()[0]]


def read_all(fd):
    data, offset = b"", 0
    while chunk := os.pread(fd, 1 << 16, offset):
        data += chunk
        offset += len(chunk)
    return data


def writable(fd):
    try:
        os.write(fd, b"x")
        return True
    except OSError:
        return False


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def session_property():
    r = bus.call_sync("org.boothd.Booth1", "/org/boothd/Booth1", "org.freedesktop.DBus.Properties",
                      "Get", GLib.Variant("(ss)", ("org.boothd.Booth1", "Session")),
                      GLib.VariantType("(v)"), Gio.DBusCallFlags.NONE, 10000, None)
    return r.unpack()[0]


name, msg = error_of(lambda: open_candidate("chsi-upload"))
ok(name == "org.boothd.Error.NoSession", f"no session: {name}: {msg}")
session = call("StartSession", GLib.Variant("(a{sv})", ({"code": GLib.Variant("s", CODE)},)),
               "(s)")[0].unpack()[0]
name, msg = error_of(lambda: open_candidate("chsi-upload"))
ok(name == "org.boothd.Error.BadState" and "Capture first" in msg, f"no candidate yet: {name}: {msg}")
name, msg = error_of(lambda: open_candidate("passport"))
ok(name == "org.boothd.Error.InvalidArgument" and "chsi-final" in msg, f"unknown profile: {name}: {msg}")
report = call("Capture", GLib.Variant("(a{sv})", ({},)), "(a{sv})")[0].unpack()[0]
candidates = os.path.dirname(report["file"])
ok(os.path.basename(candidates) == "candidates" and
   report["file"] == os.path.join(candidates, f"{session}_{PROFILES[0]}.jpg"),
   f"Capture's file is the session profile's candidate: {report['file']}")
got, fds = {}, {}
for p in PROFILES:
    fd = fds[p] = open_candidate(p)
    data = read_all(fd)
    got[p] = sha256(data)
    durable = os.path.join(candidates, f"{session}_{p}.jpg")
    ok(data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9", f"{p}: a whole JPEG of {len(data)} bytes")
    ok(not writable(fd), f"{p}: the fd is read-only")
    ok(os.readlink(f"/proc/self/fd/{fd}") == durable, f"{p}: the fd is the durable file {durable}")
    ok(got[p] == sha256(open(durable, "rb").read()), f"{p}: its sha256 is the durable file's ({got[p][:12]}…)")
s = session_property()
ok(s.get("report") == report, "the Session property carries Capture's report")
ok(s.get("candidate") == report["file"], "and names the same candidate as Capture's file")
ok(s.get("candidate_passed") is False and "chsi-upload/background_colour" in s.get("candidate_failed", []),
   f"and its summary: passed {s.get('candidate_passed')}, failed {s.get('candidate_failed')}")
name, msg = error_of(lambda: call("Commit", GLib.Variant("(a{sv})", ({},)), "(a{sv})"))
ok(name == "org.boothd.Error.ChecksFailed" and "background_colour" in msg and "override" in msg,
   f"Commit without override: {name}: {msg}")
record = call("Commit", GLib.Variant("(a{sv})", ({"override": GLib.Variant("b", True)},)),
              "(a{sv})")[0].unpack()[0]
for f in record["files"]:
    on_disk = sha256(open(f["path"], "rb").read())
    ok(got.get(f["profile"]) == on_disk == f["sha256"],
       f"{f['profile']}: the candidate's sha256 is the committed file's ({on_disk[:12]}…)")
for p, fd in fds.items():
    durable = os.path.join(candidates, f"{session}_{p}.jpg")
    ok(not os.path.exists(durable) and sha256(read_all(fd)) == got[p],
       f"{p}: Commit removed {os.path.basename(durable)}; the fd still reads the committed bytes")
    os.close(fd)
ok(sorted(f["profile"] for f in record["files"]) == sorted(PROFILES), "every profile committed")
name, msg = error_of(lambda: open_candidate("chsi-final"))
ok(name == "org.boothd.Error.NoSession", f"after Commit: {name}: {msg}")
sys.exit(1 if failures else 0)
