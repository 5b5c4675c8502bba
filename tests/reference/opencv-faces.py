#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reference measurements made with OpenCV, independently of boothd's own code, for the
framing tests and for the face-width calibration.

  opencv-faces.py detect [--upscale N] IMAGE...
      One line per image, "image PATH WIDTH HEIGHT N", then one line per face, largest first:
      "face X Y W H LX LY RX RY" (lbpcascade_frontalface_improved; eyes from haarcascade_eye
      inside the face, -1 when not found; L is the eye on the image's left).
  opencv-faces.py measure [--face-width-factor K] IMAGE
      For a finished photo: "measure HEAD_TOP EYE_LINE FACE_WIDTH CENTRE_OFFSET N" in pixels,
      measured here with OpenCV alone (head top: GrabCut segmentation of the person).
  opencv-faces.py calibrate DLIB_FACES_DIR
      Matches OpenCV's face boxes with dlib's 68-landmark annotations and prints the
      cheek-to-cheek width (landmarks 0 and 16) over the box width, the eye line and the chin
      in box heights.

Exits 77 (the test suite's "skipped") when OpenCV or its cascades are not installed.
"""
import os
import sys

try:
    import cv2
    import numpy as np
except ImportError:
    print("skip: python3 OpenCV (cv2) is not installed", file=sys.stderr)
    sys.exit(77)

CASCADE_DIRS = ["/usr/share/opencv4", "/usr/share/opencv", "/usr/local/share/opencv4"]


def cascade(kind, name):
    for d in CASCADE_DIRS:
        path = os.path.join(d, kind, name)
        if os.path.exists(path):
            c = cv2.CascadeClassifier(path)
            if not c.empty():
                return c
    print("skip: %s not found under %s" % (name, " ".join(CASCADE_DIRS)), file=sys.stderr)
    sys.exit(77)


FACE = cascade("lbpcascades", "lbpcascade_frontalface_improved.xml")
EYE = cascade("haarcascades", "haarcascade_eye.xml")


def load(path):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        print("cannot read %s" % path, file=sys.stderr)
        sys.exit(1)
    return img


def find_eyes(gray, box):
    """Eye centres inside the face box's upper part, (left, right) by image x, or None."""
    x, y, w, h = box
    y0 = max(0, int(y - 0.15 * h))
    y1 = min(gray.shape[0], int(y + 0.6 * h))
    x0, x1 = max(0, x), min(gray.shape[1], x + w)
    roi = gray[y0:y1, x0:x1]
    if roi.size == 0:
        return None, None
    found = EYE.detectMultiScale(roi, scaleFactor=1.05, minNeighbors=4,
                                 minSize=(max(8, w // 8), max(8, w // 8)),
                                 maxSize=(w // 2, w // 2))
    left = right = None
    for ex, ey, ew, eh in sorted(found, key=lambda e: -e[2]):
        cx, cy = x0 + ex + ew / 2.0, y0 + ey + eh / 2.0
        if cx < x + w / 2.0:
            left = left or (cx, cy)
        else:
            right = right or (cx, cy)
    return left, right


def detect(img, upscale=1):
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    g = gray
    if upscale != 1:
        g = cv2.resize(gray, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    boxes = FACE.detectMultiScale(g, scaleFactor=1.05, minNeighbors=4, minSize=(45, 45))
    faces = []
    for b in boxes:
        box = tuple(int(round(v / upscale)) for v in b)
        left, right = find_eyes(gray, box)
        faces.append((box, left, right))
    faces.sort(key=lambda f: -f[0][2] * f[0][3])
    return faces


def head_top(img, box):
    """Top of the head by GrabCut segmentation: the photo's top and side borders are
    background, the face box is the person, the rest is left to the algorithm; the head top
    is the first row where a fifth of the face's middle columns are the person."""
    x, y, w, h = box
    H, W = img.shape[:2]
    mask = np.full((H, W), cv2.GC_PR_BGD, np.uint8)
    mask[max(0, y - h):, max(0, x - w // 4):min(W, x + w + w // 4)] = cv2.GC_PR_FGD
    border = max(2, H // 40)
    mask[:border, :] = cv2.GC_BGD
    mask[:y + h // 4, :max(2, W // 40)] = cv2.GC_BGD
    mask[:y + h // 4, W - max(2, W // 40):] = cv2.GC_BGD
    mask[y:y + h, x:x + w] = cv2.GC_FGD
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.grabCut(img, mask, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)
    person = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    cols = person[:, x + w // 4:x + 3 * w // 4]
    rows = np.nonzero(cols.mean(axis=1) > 0.2)[0]
    return int(rows[0]) if len(rows) else -1


def cmd_detect(args):
    upscale = 1
    if args[:1] == ["--upscale"]:
        upscale = float(args[1])
        args = args[2:]
    for path in args:
        img = load(path)
        faces = detect(img, upscale)
        print("image %s %d %d %d" % (path, img.shape[1], img.shape[0], len(faces)))
        for box, left, right in faces:
            left = left or (-1, -1)
            right = right or (-1, -1)
            print("face %d %d %d %d %.1f %.1f %.1f %.1f" % (box + left + right))


def cmd_measure(args):
    k = 1.24
    if args[:1] == ["--face-width-factor"]:
        k = float(args[1])
        args = args[2:]
    img = load(args[0])
    faces = detect(img)
    if not faces:
        print("measure -1 -1 -1 0 0")
        return
    box, left, right = faces[0]
    x, y, w, h = box
    eye = (left[1] + right[1]) / 2 if left and right else -1
    centre = (left[0] + right[0]) / 2 if left and right else x + w / 2.0
    print("measure %d %.1f %.1f %.1f %d" % (head_top(img, box), eye, w * k,
                                            centre - img.shape[1] / 2.0, len(faces)))


def cmd_calibrate(args):
    import xml.etree.ElementTree as ET
    folder = args[0]
    rows = []
    for xml in ["training_with_face_landmarks.xml", "testing_with_face_landmarks.xml"]:
        for image in ET.parse(os.path.join(folder, xml)).getroot().iter("image"):
            img = load(os.path.join(folder, image.get("file")))
            # PASCAL faces are small: look at 4x so the 45-pixel cascade window sees them.
            found = [f[0] for f in detect(img, upscale=4)]
            for b in image.iter("box"):
                p = {int(q.get("name")): (float(q.get("x")), float(q.get("y")))
                     for q in b.iter("part")}
                width = np.hypot(p[16][0] - p[0][0], p[16][1] - p[0][1])
                el = np.mean([p[i] for i in range(36, 42)], axis=0)
                er = np.mean([p[i] for i in range(42, 48)], axis=0)
                mx, my = (el + er) / 2
                match = [d for d in found
                         if abs(d[0] + d[2] / 2 - mx) < 0.3 * d[2]
                         and abs(d[1] + d[3] / 2 - my) < 0.5 * d[3]
                         and 0.5 < d[2] / width < 2]
                if not match:
                    continue
                x, y, w, h = match[0]
                rows.append((width / w, (my - y) / h, (p[8][1] - y) / h))
    a = np.array(rows)
    print("faces %d of 43" % len(a))
    for i, name in enumerate(["face_width/box_width", "eye_line/box_height",
                              "chin/box_height"]):
        print("%s median %.3f mean %.3f sd %.3f" % (name, np.median(a[:, i]), a[:, i].mean(),
                                                     a[:, i].std()))


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    {"detect": cmd_detect, "measure": cmd_measure,
     "calibrate": cmd_calibrate}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
