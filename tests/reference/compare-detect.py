#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""boothd's cascade evaluator against OpenCV's CascadeClassifier, as a TAP test.

For every cascade and parameter set below, both detect on the same luma (face-detect-tool's
PGM of each photo) with the same scale factor, min_neighbors and size limits: ours with
face-detect-tool "detect", OpenCV's with opencv-detect.py. A detection of one side is matched
when the other side has one with IoU >= 0.5; each test passes when at least 95% of OpenCV's
detections are matched by ours and 95% of ours by OpenCV's, and at least 95% of OpenCV's are
exactly equal to one of ours (box and neighbour count): the evaluator promises to repeat
OpenCV's arithmetic, and a slip in it (a rounding in the pyramid, the grouping's eps) still
overlaps well but shows here. A Debian release whose OpenCV changes its own arithmetic would
show here first.

One more LBP case runs a cascade made from the improved frontal one with its first three stages
merged into one of 19 trees (thresholds added): a first stage larger than the part boothd runs
eight windows at a time.

Photos: tests/data/faces/dlib (PASCAL group photos), tests/data/portraits (the WebP one is
left out: the daemon decodes JPEG and PNG only).
Environment: FACE_DETECT_TOOL, BOOTH_TEST_DATA, BOOTH_SOURCE_ROOT.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CASCADE_DIR = "/usr/share/opencv4"
MATCH_IOU = 0.5
REQUIRED = 0.95
# (cascade, scale factor, min_neighbors, min size as a share of the shorter side, max share,
#  photos: "all" or "portraits")
CASES = [
    ("lbpcascades/lbpcascade_frontalface_improved.xml", 1.1, 3, 1 / 16.0, 0, "all"),
    ("haarcascades/haarcascade_frontalface_default.xml", 1.1, 3, 1 / 16.0, 0, "all"),
    ("lbpcascades/lbpcascade_frontalface_improved.xml", 1.2, 5, 1 / 12.0, 0.5, "all"),
    ("haarcascades/haarcascade_frontalface_default.xml", 1.2, 5, 1 / 12.0, 0.5, "all"),
    ("haarcascades/haarcascade_frontalface_alt2.xml", 1.1, 3, 1 / 16.0, 0, "all"),
    ("haarcascades/haarcascade_eye.xml", 1.1, 3, 1 / 40.0, 1 / 8.0, "portraits"),
    ("haarcascades/haarcascade_eye_tree_eyeglasses.xml", 1.1, 3, 1 / 40.0, 1 / 8.0, "portraits"),
    ("merged:lbpcascades/lbpcascade_frontalface_improved.xml", 1.1, 3, 1 / 16.0, 0, "all"),
]
MERGED_STAGES = 3


def merge_first_stages(src, dst, n):
    """src's cascade with its first n stages made one (their weak classifiers in order, their
    thresholds added), written to dst."""
    tree = ET.parse(src)
    cascade = tree.getroot().find("cascade")
    stages = cascade.find("stages")
    first = list(stages)[:n]
    weak = first[0].find("weakClassifiers")
    count, threshold = 0, 0.0
    for st in first:
        count += int(st.find("maxWeakCount").text)
        threshold += float(st.find("stageThreshold").text)
        if st is not first[0]:
            for w in list(st.find("weakClassifiers")):
                weak.append(w)
            stages.remove(st)
    first[0].find("maxWeakCount").text = str(count)
    first[0].find("stageThreshold").text = repr(threshold)
    cascade.find("stageNum").text = str(len(list(stages)))
    tree.write(dst, xml_declaration=True)


def iou(a, b):
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


def matched(these, others):
    return sum(1 for a in these if any(iou(a, b) >= MATCH_IOU for b in others))


def pgm_size(path):
    with open(path, "rb") as f:
        parts = f.read(64).split()
    return int(parts[1]), int(parts[2])


def main():
    tool = os.environ["FACE_DETECT_TOOL"]
    data = os.environ.get("BOOTH_TEST_DATA", "tests/data")
    ref = os.path.join(os.environ.get("BOOTH_SOURCE_ROOT", "."), "tests", "reference",
                       "opencv-detect.py")
    python = sys.executable
    if subprocess.run([python, "-c", "import cv2"], capture_output=True).returncode != 0:
        print("1..0 # SKIP python3 OpenCV (cv2) is not installed")
        return 0
    photos = {"all": [], "portraits": []}
    with tempfile.TemporaryDirectory() as tmp:
        group = sorted(glob.glob(os.path.join(data, "faces", "dlib", "*.jpg")))
        portraits = sorted(glob.glob(os.path.join(data, "portraits", "*.jpg")))
        for path in group + portraits:
            pgm = os.path.join(tmp, os.path.basename(os.path.dirname(path)) + "-" +
                               os.path.splitext(os.path.basename(path))[0] + ".pgm")
            r = subprocess.run([tool, "luma", path, pgm], capture_output=True, text=True)
            if r.returncode != 0:
                print("# skipped %s: %s" % (path, r.stderr.strip()))
                continue
            photos["all"].append(pgm)
            if path in portraits:
                photos["portraits"].append(pgm)

        print("1..%d" % len(CASES))
        failed = 0
        for n, (cascade, scale, neighbors, min_share, max_share, which) in enumerate(CASES, 1):
            if cascade.startswith("merged:"):
                path = os.path.join(tmp, "merged.xml")
                merge_first_stages(os.path.join(CASCADE_DIR, cascade[7:]), path, MERGED_STAGES)
            else:
                path = os.path.join(CASCADE_DIR, cascade)
            totals = [0, 0, 0, 0, 0]  # ours, cv, ours matched, cv matched, exactly equal
            ms = [0.0, 0.0]
            print("# %s scale %.2f min_neighbors %d: per photo ours/OpenCV detections, "
                  "matched both ways, exactly equal" % (cascade, scale, neighbors))
            shares = [str(min_share), str(min_share), str(max_share), str(max_share)]
            out = subprocess.run([python, ref, "--share", path, str(scale), str(neighbors)] +
                                 shares + photos[which], check=True, capture_output=True,
                                 text=True).stdout
            refs = [json.loads(line) for line in out.splitlines()]
            for pgm, cv in zip(photos[which], refs):
                w, h = pgm_size(pgm)
                lo = int(min(w, h) * min_share)
                hi = int(min(w, h) * max_share)
                args = [path, str(scale), str(neighbors), str(lo), str(lo), str(hi), str(hi), pgm]
                ours = json.loads(subprocess.run([tool, "detect"] + args, check=True,
                                                 capture_output=True, text=True).stdout)
                a = [d[:4] for d in ours["detections"]]
                b = [d[:4] for d in cv["detections"]]
                exact = sum(1 for d in ours["detections"] if d in cv["detections"])
                row = [len(a), len(b), matched(a, b), matched(b, a), exact]
                totals = [t + v for t, v in zip(totals, row)]
                ms[0] += ours["ms"]
                ms[1] += cv["ms"]
                print("#   %-32s %3d/%-3d  %3d/%-3d  %3d" % (os.path.basename(pgm), *row))
            share_cv = totals[3] / float(totals[1]) if totals[1] else 1.0
            share_ours = totals[2] / float(totals[0]) if totals[0] else 1.0
            print("# total: OpenCV %d, ours %d; OpenCV's matched by ours %.1f%%, ours matched "
                  "by OpenCV's %.1f%%; exactly equal %d; CPU ms ours %.0f, OpenCV %.0f" %
                  (totals[1], totals[0], 100 * share_cv, 100 * share_ours, totals[4], ms[0],
                   ms[1]))
            exact_share = totals[4] / float(totals[1]) if totals[1] else 1.0
            ok = (share_cv >= REQUIRED and share_ours >= REQUIRED and exact_share >= REQUIRED and
                  totals[1] > 0)
            failed += not ok
            print("%s %d - %s x%.2f n%d agrees with OpenCV" % ("ok" if ok else "not ok", n,
                                                                os.path.basename(cascade),
                                                                scale, neighbors))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
