#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What the kiosk's screenshots show, against what boothd hands out, read by an independent
client (GIO, fds passed over the bus; the preview parsed with struct as the interface
document lays it out, the JPEGs decoded by OpenCV). X Y W H are a widget's extents in the
screenshot, from the accessibility tree.

  picture-check.py changed A.png B.png X Y W H
      the region differs between the two screenshots (the preview moved on a frame)
  picture-check.py overlay BUS SHOT.png X Y W H
      a preview frame read with the kiosk's options (960 px, mirrored) gives the face box
      and the centre line; mapped into the region as the kiosk fits the picture, they are
      drawn there (the face box's colour, the line's white) and not a few pixels beside
  picture-check.py photo BUS SHOT.png X Y W H PROFILE
      the candidate from OpenCandidate, scaled as GtkPicture fits it into the region, is
      what the screenshot shows: mean absolute difference under a bound that the same photo
      mirrored and the camera's whole picture both exceed
Prints TAP-like lines and the figures ('#'); exits 1 on a failure."""
import os
import select
import struct
import sys
import time

import cv2
import numpy as np
from gi.repository import Gio, GLib

HEADER = struct.Struct("<4sHHIQqHH19hHHI")
FIELDS = ("magic version header_len flags sequence timestamp_us width height face_x face_y "
          "face_w face_h left_eye_x left_eye_y right_eye_x right_eye_y crop_x crop_y crop_w "
          "crop_h head_top_min_y head_top_max_y eye_line_min_y eye_line_max_y face_width_min "
          "face_width_max centre_x score hints_len jpeg_len").split()
NO_CAMERA, MIRRORED, HAS_FACE, HAS_CROP = 1, 2, 4, 16
# The kiosk's colours (client/kiosk/preview-view.c), drawn at 0.9 and 0.85 alpha: close to
# the pure colour over any picture.
FACE_COLOURS = {"ready": (0.2, 0.9, 0.3), "not ready": (1.0, 0.6, 0.1)}
MARKS = (1.0, 1.0, 1.0)
# A photo shown as it is differs from its scaled copy by the scalers' rounding; the same
# photo mirrored or another framing of the student differ many times more.
PHOTO_BOUND = 8.0
failures = 0


def ok(cond, what):
    global failures
    print(("ok " if cond else "not ok ") + what, flush=True)
    failures += not cond


def connect(address):
    return Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def call_fd(bus, method, args):
    reply, fdlist = bus.call_with_unix_fd_list_sync(
        "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1", method, args,
        GLib.VariantType("(h)"), Gio.DBusCallFlags.NONE, 10000, None, None)
    return fdlist.steal_fds()[reply.unpack()[0]]


def preview_frame(bus):
    """The first frame with a picture, a face and a crop, read with the kiosk's options."""
    opts = {"max_side": GLib.Variant("u", 960), "fps": GLib.Variant("d", 15.0),
            "quality": GLib.Variant("u", 80), "mirror": GLib.Variant("b", True)}
    fd = call_fd(bus, "OpenPreview", GLib.Variant("(a{sv})", (opts,)))
    buf, deadline = b"", time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 1)[0]:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                buf += chunk
            while len(buf) >= HEADER.size:
                h = dict(zip(FIELDS, HEADER.unpack_from(buf)))
                total = h["header_len"] + h["hints_len"] + h["jpeg_len"]
                if len(buf) < total:
                    break
                jpeg = buf[total - h["jpeg_len"]:total]
                buf = buf[total:]
                want = HAS_FACE | HAS_CROP
                if not h["flags"] & NO_CAMERA and h["flags"] & want == want:
                    h["picture"] = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
                    return h
    finally:
        os.close(fd)
    raise SystemExit("not ok no preview frame with a face in 10 s")


def region(shot, x, y, w, h):
    img = cv2.imread(shot, cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"not ok cannot read {shot}")
    return img[y:y + h, x:x + w].astype(np.float32)


def fit(src_w, src_h, w, h):
    """Where a picture of src_w x src_h lands when fitted at its aspect, centred, in w x h."""
    scale = min(w / src_w, h / src_h)
    return scale, (w - src_w * scale) / 2, (h - src_h * scale) / 2


def near(pixels, rgb, tolerance):
    """Which pixels (BGR) are within tolerance of the colour rgb (0..1) in every channel."""
    bgr = np.array([rgb[2], rgb[1], rgb[0]], np.float32) * 255
    return np.all(np.abs(pixels - bgr) <= tolerance, axis=-1)


def best_line(mask_of, centre, reach):
    """The share of the best line within reach of centre, and its offset."""
    shares = {d: float(np.mean(mask_of(centre + d))) for d in range(-reach, reach + 1)}
    d = max(shares, key=shares.get)
    return shares[d], d


def changed(a, b, x, y, w, h):
    ra, rb = region(a, x, y, w, h), region(b, x, y, w, h)
    diff = np.abs(ra - rb).max(axis=-1)
    share = float(np.mean(diff > 8))
    print(f"# preview region {w}x{h}: {share:.0%} of its pixels changed, "
          f"mean abs diff {float(np.mean(np.abs(ra - rb))):.1f}")
    ok(share > 0.2, f"the preview changed between the screenshots ({share:.0%} of the pixels)")


def overlay(address, shot, x, y, w, h):
    f = preview_frame(connect(address))
    img = region(shot, x, y, w, h)
    fw, fh = f["width"], f["height"]
    scale, x0, y0 = fit(fw, fh, w, h)
    print(f"# frame {f['sequence']} {fw}x{fh} mirrored {bool(f['flags'] & MIRRORED)}, "
          f"shown at {scale:.3f} from ({x0:.0f},{y0:.0f}) in the {w}x{h} preview; face "
          f"({f['face_x']},{f['face_y']},{f['face_w']},{f['face_h']}), centre_x "
          f"{f['centre_x']}, score {f['score']}")
    ok(f["flags"] & MIRRORED, "the kiosk's options give a mirrored stream: no flip to apply")

    def sx(v):
        return int(round(x0 + v * scale))

    def sy(v):
        return int(round(y0 + v * scale))

    # The face box's top edge: a row of its colour across the box's width.
    colour = FACE_COLOURS["ready" if f["score"] >= 800 else "not ready"]
    left, right = sx(f["face_x"]) + 4, sx(f["face_x"] + f["face_w"]) - 4
    top = sy(f["face_y"])
    share, d = best_line(lambda r: near(img[r, left:right], colour, 45), top, 6)
    beside = float(np.mean(near(img[top - 15, left:right], colour, 45)))
    print(f"# face box top edge at row {top + d} (header: {top}): {share:.0%} in its colour, "
          f"{beside:.0%} 15 px above")
    ok(share > 0.8 and beside < 0.2, "the face box is drawn where the header puts it")
    # The left edge, the same way down the box's height.
    upper, lower = sy(f["face_y"]) + 4, sy(f["face_y"] + f["face_h"]) - 4
    share, d = best_line(lambda c: near(img[upper:lower, c], colour, 45), sx(f["face_x"]), 6)
    ok(share > 0.8, f"and its left edge ({share:.0%} in its colour)")

    # The centre line: white from the picture's top to its bottom, the face box's rows aside.
    rows = np.r_[sy(0) + 2:sy(fh) - 2]
    rows = rows[(rows < top - 6) | (rows > sy(f["face_y"] + f["face_h"]) + 6)]
    centre = sx(f["centre_x"])
    share, d = best_line(lambda c: near(img[rows, c], MARKS, 40), centre, 6)
    beside = max(float(np.mean(near(img[rows, centre + o], MARKS, 40))) for o in (-30, 30))
    print(f"# centre line at column {centre + d} (header: {centre}): {share:.0%} white, "
          f"at most {beside:.0%} 30 px beside")
    ok(share > 0.9 and beside < 0.5, "the centre line is drawn where the header puts it")


def photo(address, shot, x, y, w, h, profile):
    bus = connect(address)
    fd = call_fd(bus, "OpenCandidate", GLib.Variant("(s)", (profile,)))
    data = b""
    while chunk := os.read(fd, 1 << 16):
        data += chunk
    os.close(fd)
    cand = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    ok(cand is not None, f"OpenCandidate {profile}: a JPEG of {len(data)} bytes")
    ch, cw = cand.shape[:2]
    scale, x0, y0 = fit(cw, ch, w, h)
    pw, ph = int(round(cw * scale)), int(round(ch * scale))
    px, py = int(round(x0)), int(round(y0))
    shown = region(shot, x + px, y + py, pw, ph)
    print(f"# candidate {cw}x{ch} shown as {pw}x{ph} at ({x + px},{y + py})")

    def mad(img):
        scaled = cv2.resize(img, (pw, ph), interpolation=cv2.INTER_AREA).astype(np.float32)
        return float(np.mean(np.abs(shown - scaled)))

    same = mad(cand)
    mirrored = mad(cv2.flip(cand, 1))
    camera = mad(preview_frame(bus)["picture"])
    print(f"# mean absolute difference from the screen: candidate {same:.2f}, the candidate "
          f"mirrored {mirrored:.2f}, the camera's whole picture {camera:.2f} (bound "
          f"{PHOTO_BOUND})")
    ok(same < PHOTO_BOUND, f"the screen shows the candidate ({same:.2f} < {PHOTO_BOUND})")
    ok(min(mirrored, camera) > 2 * PHOTO_BOUND,
       "the bound tells another picture: the mirrored candidate and the camera's picture "
       "are over twice it")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "changed":
        changed(args[0], args[1], *map(int, args[2:6]))
    elif cmd == "overlay":
        overlay(args[0], args[1], *map(int, args[2:6]))
    elif cmd == "photo":
        photo(args[0], args[1], *map(int, args[2:6]), args[6])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if failures else 0


sys.exit(main())
