#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Drives whole sessions through one long-lived front-end connection: StartSession with a
fresh code, Capture, Commit (override: the sample backdrop is grey). Every CHECK sessions it
prints boothd's RSS (the lowest over a second) and open fds; after WARMUP sessions both must
stay within 10% of what they were then. Usage: soak-driver.py BUS_ADDRESS BOOTHD_PID SESSIONS WARMUP CHECK"""
import os
import sys
import time

from gi.repository import Gio, GLib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import boothbus  # noqa: E402

address, pid = sys.argv[1], int(sys.argv[2])
sessions, warmup, check = (int(a) for a in sys.argv[3:6])
bus = boothbus.connect(address)


def call(method, options, reply):
    return bus.call_sync("org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1",
                         method, GLib.Variant("(a{sv})", (options,)), GLib.VariantType(reply),
                         Gio.DBusCallFlags.NONE, 60000, None).unpack()[0]


def sample():
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def figures():
    """The lowest of 10 samples over a second, and the highest: the analysis thread decodes
    and measures a frame 15 times a second, so one sample may catch a frame's buffers in
    flight; a leak raises the lowest too."""
    samples = []
    for _ in range(10):
        samples.append(sample())
        time.sleep(0.1)
    return min(s[0] for s in samples), max(s[0] for s in samples), max(s[1] for s in samples)


base = None
failed = 0
for i in range(1, sessions + 1):
    code = f"XJM1:soak-{i:06d}-{os.urandom(6).hex()}"
    sid = call("StartSession", {"code": GLib.Variant("s", code)}, "(s)")
    call("Capture", {}, "(a{sv})")
    rec = call("Commit", {"override": GLib.Variant("b", True)}, "(a{sv})")
    if rec["session_id"] != sid or bytes(rec["code_bytes"]) != code.encode():
        print(f"not ok - session {i}: record {rec['session_id']} holds the wrong code", flush=True)
        failed += 1
    if i % check == 0:
        rss, peak, fds = figures()
        print(f"# after {i} sessions: RSS {rss / 1024:.1f} MiB (up to {peak / 1024:.1f} within "
              f"a second), {fds} fds", flush=True)
        if i == warmup:
            base = (rss, fds)
        elif base and (rss > base[0] * 1.1 or fds > base[1] * 1.1):
            print(f"not ok - grew past 10% of the figures after {warmup} sessions "
                  f"({base[0] / 1024:.1f} MiB, {base[1]} fds)", flush=True)
            failed += 1
print(f"# {sessions} sessions, {failed} problems", flush=True)
sys.exit(1 if failed else 0)
