#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The preview stream from an independent client (GIO, the fd passed over the bus), read
byte by byte as common/booth-preview.h lays it out. Usage: preview.py BUS_ADDRESS BOOTHD_PID
IMAGE, IMAGE being what the file camera shows. Prints TAP-like lines; exits 1 on a failure."""
import os
import select
import struct
import sys
import time

import cv2
import numpy as np
from gi.repository import Gio, GLib

ADDRESS, PID, IMAGE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
HEADER_LEN = 78
# magic, version, header_len, flags, sequence, timestamp, width, height, 19 x i16, score,
# hints_len, jpeg_len: little-endian, no padding.
HEADER = struct.Struct("<4sHHIQqHH19hHHI")
assert HEADER.size == HEADER_LEN
FIELDS = ("magic version header_len flags sequence timestamp_us width height face_x face_y "
          "face_w face_h left_eye_x left_eye_y right_eye_x right_eye_y crop_x crop_y crop_w "
          "crop_h head_top_min_y head_top_max_y eye_line_min_y eye_line_max_y face_width_min "
          "face_width_max centre_x score hints_len jpeg_len").split()
NO_CAMERA, MIRRORED, HAS_FACE, HAS_EYES, HAS_CROP = 1, 2, 4, 8, 16
failures = 0


def ok(cond, what):
    global failures
    print(("ok " if cond else "not ok ") + what, flush=True)
    if not cond:
        failures += 1


bus = Gio.DBusConnection.new_for_address_sync(
    ADDRESS,
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)


def call(method, args, reply_type):
    return bus.call_with_unix_fd_list_sync(
        "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1", method, args,
        GLib.VariantType(reply_type), Gio.DBusCallFlags.NONE, 10000, None, None)


def open_preview(**opts):
    types = {"max_side": "u", "fps": "d", "quality": "u", "mirror": "b"}
    v = {k: GLib.Variant(types[k], val) for k, val in opts.items()}
    reply, fdlist = call("OpenPreview", GLib.Variant("(a{sv})", (v,)), "(h)")
    fds = fdlist.steal_fds()
    return fds[reply.unpack()[0]]


def error_name(fn):
    try:
        fn()
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e)
        return name, e.message.removeprefix(f"GDBus.Error:{name}: ")
    return None, None


def stats():
    r = bus.call_sync("org.boothd.Booth1", "/org/boothd/Booth1",
                      "org.freedesktop.DBus.Properties", "Get",
                      GLib.Variant("(ss)", ("org.boothd.Booth1", "Stats")),
                      GLib.VariantType("(v)"), Gio.DBusCallFlags.NONE, 10000, None)
    return r.unpack()[0]


class Stream:
    """One preview fd, parsed strictly: every frame must start where the last ended."""

    def __init__(self, fd):
        self.fd, self.buf, self.frames = fd, b"", []

    def feed(self):
        data = os.read(self.fd, 1 << 20)
        if not data:
            raise EOFError("the daemon closed the preview")
        self.buf += data
        while len(self.buf) >= HEADER_LEN:
            h = dict(zip(FIELDS, HEADER.unpack_from(self.buf)))
            if h["magic"] != b"BPV1" or h["version"] != 1 or h["header_len"] != HEADER_LEN:
                raise ValueError(f"bad header {h}")
            total = h["header_len"] + h["hints_len"] + h["jpeg_len"]
            if len(self.buf) < total:
                break
            hints = self.buf[HEADER_LEN:HEADER_LEN + h["hints_len"]]
            if h["hints_len"] and not hints.endswith(b"\0"):
                raise ValueError(f"hints not NUL-terminated: {hints!r}")
            h["hints"] = [x.decode() for x in hints.split(b"\0")[:-1]]
            h["jpeg"] = self.buf[HEADER_LEN + h["hints_len"]:total]
            if h["jpeg_len"] and not (h["jpeg"][:2] == b"\xff\xd8" and h["jpeg"][-2:] == b"\xff\xd9"):
                raise ValueError("the payload is not a whole JPEG")
            h["arrived"] = time.monotonic()
            self.frames.append(h)
            self.buf = self.buf[total:]


def pump(streams, seconds):
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([s.fd for s in streams], [], [], left)
        for s in streams:
            if s.fd in ready:
                s.feed()


def rate(frames):
    """Frames a second by the frames' own capture times."""
    pics = [f for f in frames if not f["flags"] & NO_CAMERA]
    if len(pics) < 3:
        return 0.0
    return (len(pics) - 1) / ((pics[-1]["timestamp_us"] - pics[0]["timestamp_us"]) / 1e6)


def decode(frame):
    return cv2.imdecode(np.frombuffer(frame["jpeg"], np.uint8), cv2.IMREAD_COLOR)


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / float(aw * ah + bw * bh - w * h)


def rss_kib():
    """The lowest of 10 samples over a second: frames in flight move single samples."""
    low = None
    for _ in range(10):
        for line in open(f"/proc/{PID}/status"):
            if line.startswith("VmRSS:"):
                v = int(line.split()[1])
                low = v if low is None else min(low, v)
        time.sleep(0.1)
    return low


source = cv2.imread(IMAGE, cv2.IMREAD_COLOR)
# boothd finds faces with OpenCV's improved LBP cascade (evaluated by its own code); Haar's
# default cascade draws its boxes about 1.6 times as wide around the same face, so against it
# the test asks for the same face (our box inside Haar's, centres close), against LBP's for
# IoU > 0.5.
haar = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
lbp = cv2.CascadeClassifier("/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml")

# ---- one stream ----
# 5 frames/s: what the file camera's 15 and the analysis give even in a sanitizer build on a
# busy machine (the preview is encoded per analysed frame).
one = Stream(open_preview(fps=5.0))
pump([one], 4)
ok(len(one.frames) > 12, f"one stream: {len(one.frames)} frames in 4 s")
f = one.frames[-1]
ok(f["width"] == 480 and f["height"] == 640, f"640 on the longer side: {f['width']}x{f['height']}")
seqs = [x["sequence"] for x in one.frames]
ok(seqs == sorted(set(seqs)), "sequences rise")
r1 = rate(one.frames[2:])
print(f"# one stream at fps=5: {r1:.2f} frames/s")
# At most the rate asked for; at least half of it, which a loaded machine still gives.
ok(2.5 <= r1 <= 6, f"frame rate {r1:.2f}: at most 5 (+20%), at least 2.5")
ok(f["flags"] & (HAS_FACE | HAS_CROP) == HAS_FACE | HAS_CROP and not f["flags"] & MIRRORED,
   f"flags {f['flags']:#x}: a face and a crop, not mirrored")
img = decode(f)
ok(img is not None and img.shape[:2] == (f["height"], f["width"]), "the JPEG decodes at its size")
expected = cv2.resize(source, (f["width"], f["height"]), interpolation=cv2.INTER_AREA)
mad = float(np.mean(np.abs(img.astype(np.int16) - expected.astype(np.int16))))
print(f"# mean absolute difference from the camera's image scaled alike: {mad:.2f}")
ok(mad < 6, f"the picture is the camera's image (mean abs diff {mad:.2f} < 6)")
gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
box = (f["face_x"], f["face_y"], f["face_w"], f["face_h"])
for name, cascade in (("Haar", haar), ("LBP", lbp)):
    found = sorted(cascade.detectMultiScale(gray, 1.1, 5, minSize=(60, 60)), key=lambda b: -b[2] * b[3])
    ok(len(found) >= 1, f"OpenCV's {name} cascade finds a face in the preview frame")
    if not len(found):
        continue
    theirs = tuple(int(x) for x in found[0])
    v = iou(box, theirs)
    inside = iou(box, theirs) * (box[2] * box[3] + theirs[2] * theirs[3]) / (1 + v) / (box[2] * box[3])
    dc = np.hypot(box[0] + box[2] / 2 - theirs[0] - theirs[2] / 2, box[1] + box[3] / 2 - theirs[1] - theirs[3] / 2)
    print(f"# face box {box}, OpenCV {name} {theirs}: IoU {v:.2f}, {inside:.0%} of ours inside, centres {dc:.0f} px apart")
    if name == "LBP":
        ok(v > 0.5, f"the header's face box overlaps OpenCV's LBP box (IoU {v:.2f} > 0.5)")
    else:
        ok(inside > 0.9 and dc < 0.25 * theirs[2], f"the header's face box is the face Haar finds ({inside:.0%} inside, {dc:.0f} px)")
ok(f["crop_y"] <= f["head_top_min_y"] <= f["head_top_max_y"] < f["eye_line_min_y"]
   <= f["eye_line_max_y"] <= f["crop_y"] + f["crop_h"], "guide lines lie in order inside the crop")
ok(0 < f["face_width_min"] < f["face_width_max"] <= f["crop_w"], "face width bounds fit the crop")
ok(f["score"] <= 1000 and "background_not_blue" in f["hints"], f"score {f['score']}, hints {f['hints']}")

# ---- mirrored ----
mir = Stream(open_preview(fps=5.0, mirror=True))
pump([mir], 1.5)
m = mir.frames[-1]
ok(m["flags"] & MIRRORED, "mirror=true sets MIRRORED")
ok(abs(m["face_x"] - (f["width"] - f["face_x"] - f["face_w"])) <= 2 and m["face_w"] == f["face_w"],
   f"mirrored face box: x {m['face_x']} is width - x - w of {f['face_x']}")
ok(abs(m["centre_x"] - (f["width"] - 1 - f["centre_x"])) <= 1, "mirrored centre line")
if m["flags"] & HAS_EYES and f["flags"] & HAS_EYES:
    ok(abs(m["left_eye_x"] - (f["width"] - 1 - f["left_eye_x"])) <= 2, "eyes mirrored, not swapped")
mad = float(np.mean(np.abs(decode(m).astype(np.int16) - cv2.flip(img, 1).astype(np.int16))))
ok(mad < 3, f"the mirrored picture is the flipped picture (mean abs diff {mad:.2f})")
os.close(mir.fd)
os.close(one.fd)

# ---- bad options ----
name, msg = error_name(lambda: open_preview(quality=0))
ok(name == "org.boothd.Error.InvalidArgument" and "quality" in msg, f"quality 0: {name}: {msg}")
name, msg = error_name(lambda: call("OpenPreview", GLib.Variant("(a{sv})", ({"width": GLib.Variant("u", 3)},)), "(h)"))
ok(name == "org.boothd.Error.InvalidArgument" and "max_side" in msg, f"unknown option: {name}: {msg}")

# ---- four streams, one stuck ----
deadline = time.monotonic() + 3
while stats()["preview_clients"] != 0 and time.monotonic() < deadline:
    time.sleep(0.1)
ok(stats()["preview_clients"] == 0, "closed streams end (Stats preview_clients 0)")
streams = [Stream(open_preview(fps=5.0)) for _ in range(3)]
stuck = Stream(open_preview(fps=15.0, max_side=1024, quality=95))
name, msg = error_name(lambda: open_preview())
ok(name == "org.boothd.Error.Busy" and "max_clients" in msg, f"a fifth stream: {name}: {msg}")
ok(stats()["preview_clients"] == 4, "Stats preview_clients 4")
pump(streams + [stuck], 2)
base = sum(rate(s.frames[1:]) for s in streams) / len(streams)
before = rss_kib()
for s in streams:
    s.frames.clear()
dropped_before = stats()["preview_dropped"]
pump(streams, 5)  # stuck is not read for 5 s
after = rss_kib()
rates = [rate(s.frames[1:]) for s in streams]
print(f"# three readers while one is stuck: {', '.join(f'{r:.2f}' for r in rates)} frames/s")
print(f"# the same readers before the stall: {base:.2f} frames/s")
# The stuck reader costs the others nothing: they keep the rate they had (the machine's load
# sets that rate, not the stall) and never exceed the 5 asked for.
ok(all(0.75 * base <= r <= 6 for r in rates),
   f"the other readers keep their rate ({base:.2f} frames/s before) within 25%")
print(f"# boothd RSS {before} KiB before the stall, {after} KiB after 5 s of it")
ok(after - before < 6 * 1024, f"RSS grew {(after - before) / 1024:.1f} MiB (< 6) with a stuck reader")
st = stats()
ok(st["preview_dropped"] > dropped_before, f"the stuck reader's frames are counted as dropped ({st['preview_dropped']})")
# The stuck reader catches up with whole frames: the parser above refuses anything else.
pump([stuck], 1)
ok(len(stuck.frames) > 0 and len(stuck.buf) < stuck.frames[-1]["header_len"] + 2**20,
   f"the stuck reader resumes with whole frames ({len(stuck.frames)} frames)")
for s in streams + [stuck]:
    os.close(s.fd)
deadline = time.monotonic() + 3
while stats()["preview_clients"] != 0 and time.monotonic() < deadline:
    time.sleep(0.1)
ok(stats()["preview_clients"] == 0, "closing the fds ends the clients")
print(f"# Stats: preview_frames {stats()['preview_frames']}, preview_dropped {stats()['preview_dropped']}")
sys.exit(1 if failures else 0)
