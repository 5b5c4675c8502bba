#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Random option dicts for every method, sent to the real boothd through GIO: valid and
unknown keys (long ones of multibyte characters among them), right and wrong types, nested
variants, odd strings. Every call must be answered (a reply or an org.boothd.Error /
InvalidArgs error) well before the client's timeout, and boothd must stay up.
Usage: random-options.py BUS_ADDRESS CALLS SEED. Prints a summary line."""
import random
import sys

from gi.repository import Gio, GLib

import boothbus

address, calls, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
bus = boothbus.connect(address)

KEYS = {
    "StartSession": ["code", "code_bytes", "operator", "profile", "adopt", "detach"],
    "Capture": ["force"],
    "Commit": ["override", "session_id"],
    "ListRecords": ["limit", "status", "session_id"],
}
ALPHABET = "aZ09 -_./é中文😀\u2028\t\"'\\" + "".join(chr(c) for c in range(0x20, 0x7f))


def text():
    n = rng.choice([0, 1, 5, 40, 63, 64, 65, 200, 3000])
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def value(depth=0):
    kind = rng.choice("bsuiydvay" if depth < 2 else "bsuiyd")
    if kind == "b":
        return GLib.Variant("b", rng.random() < 0.5)
    if kind == "s":
        return GLib.Variant("s", text())
    if kind == "u":
        return GLib.Variant("u", rng.choice([0, 1, 7, 100, 10001, 2**32 - 1]))
    if kind == "i":
        return GLib.Variant("i", rng.randint(-2**31, 2**31 - 1))
    if kind == "y":
        return GLib.Variant("y", rng.randint(0, 255))
    if kind == "d":
        return GLib.Variant("d", rng.choice([0.0, -1.5, 1e300, float("nan")]))
    if kind == "v":
        return GLib.Variant("v", value(depth + 1))
    return GLib.Variant("ay", bytes(rng.randint(0, 255) for _ in range(rng.choice([0, 3, 90]))))


def options(method):
    d = {}
    for _ in range(rng.randint(0, 4)):
        key = rng.choice(KEYS[method]) if rng.random() < 0.7 else text()
        d[key] = value()
    return d


answered = errors = 0
names = {}
for i in range(calls):
    method = rng.choice(["StartSession", "Capture", "Commit", "ListRecords", "Retake", "Cancel"])
    args = None if method in ("Retake", "Cancel") else GLib.Variant("(a{sv})", (options(method),))
    try:
        bus.call_sync("org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1", method, args,
                      None, Gio.DBusCallFlags.NONE, 10000, None)
        answered += 1
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e)
        if name is None or not (name.startswith("org.boothd.Error.")
                                or name == "org.freedesktop.DBus.Error.InvalidArgs"):
            print(f"call {i}: {method} got no answer from boothd: {e.message}", flush=True)
            sys.exit(1)
        names[name] = names.get(name, 0) + 1
        errors += 1
summary = ", ".join(f"{n.rsplit('.', 1)[1]} {c}" for n, c in sorted(names.items()))
print(f"{calls} random calls (seed {seed}): {answered} replies, {errors} errors ({summary}), "
      "0 unanswered")
