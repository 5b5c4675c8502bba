#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""boothd's face and eye detection (daemon/analysis/faces.c) done with OpenCV alone, step for
step: the same working scale, the same resampling calls, the same cascades and parameters, the
same choice of eyes. The reference for the detector's accuracy and speed.

  opencv-pipeline.py [--cascade-dir DIR] [--face-cascade FILE] [--bench N] MIN_FACE PGM...

One JSON line per image, the same shape as face-detect-tool's "faces":
  {"file": PGM, "faces": [{"box": [x, y, w, h], "neighbors": n,
                           "eye_left": [x, y] or null, "eye_right": ...}], "ms": ms}
With --bench N each image runs N times and "ms" is the median (CPU time of the calling thread, where OpenCV runs). OpenCV runs on one thread.
Exits 77 (skipped) when OpenCV is not installed.
"""
import json
import math
import os
import statistics
import sys
import time

try:
    import cv2
except ImportError:
    print("skip: python3 OpenCV (cv2) is not installed", file=sys.stderr)
    sys.exit(77)

FACE_LBP = "lbpcascades/lbpcascade_frontalface_improved.xml"
EYE = "haarcascades/haarcascade_eye.xml"
EYEGLASSES = "haarcascades/haarcascade_eye_tree_eyeglasses.xml"
FACE_SCALE_FACTOR, FACE_MIN_NEIGHBORS, FACE_MAX_ENLARGE = 1.1, 3, 2.0
FACE_MAX_ENLARGED_PIXELS = 2100000.0
EYE_FACE_WIDTH, EYE_MAX_SHARE, EYE_MAX_ENLARGE = 120, 0.4, 4.0
EYE_SCALE_FACTOR, EYE_MIN_NEIGHBORS = 1.1, 3
MAX_BLOCK = 64


def plan_scale(w, h, have, want, max_enlarge, max_pixels=float("inf")):
    """(k, box_w, box_h, used_w, used_h, out_w, out_h) as faces.c's plan_scale."""
    u = min(want / have, max_enlarge)
    if u > 1.0 and u * u * w * h > max_pixels:
        u = max(1.0, math.sqrt(max_pixels / (float(w) * h)))
    k = min(int(1.0 / u), MAX_BLOCK) if u < 1.0 else 1
    bw, bh = w // k, h // k
    uw, uh = bw * k, bh * k
    return k, bw, bh, uw, uh, max(1, int(uw * u + 0.5)), max(1, int(uh * u + 0.5))


def apply_plan(img, plan):
    k, bw, bh, uw, uh, ow, oh = plan
    if k > 1:
        img = cv2.resize(img[:uh, :uw], (bw, bh), interpolation=cv2.INTER_AREA)
    if (ow, oh) != (img.shape[1], img.shape[0]):
        img = cv2.resize(img, (ow, oh), interpolation=cv2.INTER_LINEAR_EXACT)
    return img


def better(a, b):
    """faces.c's detection_better on (x, y, w, h, n)."""
    if a[4] != b[4]:
        return a[4] > b[4]
    if a[2] * a[3] != b[2] * b[3]:
        return a[2] * a[3] > b[2] * b[3]
    if a[1] != b[1]:
        return a[1] < b[1]
    return a[0] < b[0]


def detect(cascade, img, scale, neighbors, min_size, max_size=(0, 0)):
    rects, counts = cascade.detectMultiScale2(img, scaleFactor=scale, minNeighbors=neighbors,
                                              minSize=min_size, maxSize=max_size)
    return [tuple(int(v) for v in r) + (int(n),) for r, n in zip(rects, counts)]


def pick_eyes(eyes, face_w, left=None, right=None):
    found_l = found_r = None
    for e in eyes:
        if e[0] + e[2] / 2.0 < face_w / 2.0:
            if found_l is None or better(e, found_l):
                found_l = e
        elif found_r is None or better(e, found_r):
            found_r = e
    return left or found_l, right or found_r


class Pipeline:
    def __init__(self, cascade_dir, face_cascade):
        def load(name):
            path = name if os.path.isabs(name) else os.path.join(cascade_dir, name)
            c = cv2.CascadeClassifier(path)
            if c.empty():
                print("skip: cannot load %s" % path, file=sys.stderr)
                sys.exit(77)
            return c
        self.face, self.eye, self.glasses = load(face_cascade), load(EYE), load(EYEGLASSES)
        self.face_win = max(self.face.getOriginalWindowSize())
        self.eye_win = max(self.eye.getOriginalWindowSize())

    def eyes(self, luma, box):
        x, y, w, h = box
        rw, rh = w, (3 * h + 2) // 5
        plan = plan_scale(rw, rh, w, EYE_FACE_WIDTH, EYE_MAX_ENLARGE)
        k, bw, bh, uw, uh, ow, oh = plan
        min_eye = self.eye_win
        max_eye = int(ow * EYE_MAX_SHARE + 0.5)
        if ow < min_eye or oh < min_eye or max_eye < min_eye:
            return None, None
        img = apply_plan(luma[y:y + rh, x:x + rw], plan)
        args = (EYE_SCALE_FACTOR, EYE_MIN_NEIGHBORS, (min_eye, min_eye), (max_eye, max_eye))
        left, right = pick_eyes(detect(self.eye, img, *args), ow)
        if left is None or right is None:
            left, right = pick_eyes(detect(self.glasses, img, *args), ow, left, right)
        sx, sy = uw / ow, uh / oh
        return tuple(None if e is None else [x + (e[0] + e[2] / 2.0) * sx,
                                             y + (e[1] + e[3] / 2.0) * sy]
                     for e in (left, right))

    def run(self, luma, min_face):
        h, w = luma.shape
        win = self.face_win
        min_px = max(1, int(min_face * min(w, h) + 0.5))
        plan = plan_scale(w, h, min_px, win, FACE_MAX_ENLARGE, FACE_MAX_ENLARGED_PIXELS)
        k, bw, bh, uw, uh, ow, oh = plan
        ww, wh = self.face.getOriginalWindowSize()
        if ow < ww or oh < wh:
            return []
        img = apply_plan(luma, plan)
        sx, sy = uw / ow, uh / oh
        faces = []
        for fx, fy, fw, fh, n in detect(self.face, img, FACE_SCALE_FACTOR, FACE_MIN_NEIGHBORS,
                                        (ww, wh)):
            x0, y0 = int(fx * sx + 0.5), int(fy * sy + 0.5)
            x1, y1 = min(int((fx + fw) * sx + 0.5), w), min(int((fy + fh) * sy + 0.5), h)
            if x1 > x0 and y1 > y0:
                faces.append((x0, y0, x1 - x0, y1 - y0, n))
        # Largest first, then faces.c's strict order.
        faces.sort(key=lambda f: (-f[2] * f[3], -f[4], f[1], f[0]))
        out = []
        for f in faces:
            left, right = self.eyes(luma, f[:4])
            out.append({"box": list(f[:4]), "neighbors": f[4], "eye_left": left,
                        "eye_right": right})
        return out


def main(argv):
    cascade_dir, face, bench = "/usr/share/opencv4", FACE_LBP, 1
    while argv[:1] and argv[0].startswith("--"):
        opt, val, argv = argv[0], argv[1], argv[2:]
        if opt == "--cascade-dir":
            cascade_dir = val
        elif opt == "--face-cascade":
            face = val
        elif opt == "--bench":
            bench = int(val)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    pipeline = Pipeline(cascade_dir, face)
    min_face = float(argv[0])
    for pgm in argv[1:]:
        luma = cv2.imread(pgm, cv2.IMREAD_GRAYSCALE)
        if luma is None:
            print("cannot read %s" % pgm, file=sys.stderr)
            return 1
        times = []
        for _ in range(bench):
            t0 = time.thread_time()
            faces = pipeline.run(luma, min_face)
            times.append((time.thread_time() - t0) * 1000.0)
        print(json.dumps({"file": pgm, "faces": faces, "ms": statistics.median(times)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
