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

Two last cases test what boothd's row kernels do where float cannot decide: they add a
stage's leaves in float, OpenCV in double, and a sum too near the threshold for float is added
again in double. Each cuts a cascade to its first stage (6 trees: 64 sums) and puts the stage's
threshold on a sum of leaves that float rounds up past the double sum, then one float lower:
windows whose double sum lies between the two pass one threshold and not the other, in
OpenCV, which the case checks first. With min_neighbors 0 every window that passes is
compared, and all must be exactly equal: a window kept by float alone would show.

Photos: tests/data/faces/dlib (PASCAL group photos), tests/data/portraits (the WebP one is
left out: the daemon decodes JPEG and PNG only).
Environment: FACE_DETECT_TOOL, BOOTH_TEST_DATA, BOOTH_SOURCE_ROOT.
"""
import glob
import itertools
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
# (cascade, photos) for the float-edge cases: scale 1.1, min_neighbors 0, min size 1/8.
EDGE_CASES = [
    ("lbpcascades/lbpcascade_frontalface_improved.xml", ["test0.pgm", "test3.pgm"]),
    ("haarcascades/haarcascade_eye.xml", ["test0.pgm", "test3.pgm"]),
]
EDGE_TRIES = 8


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


def edge_thresholds(stage):
    """Thresholds for a stage of few trees: each a float sum of its leaves (in tree order, as
    float32) above the same sum in double by less than one float step, nearest the stage's
    own threshold first."""
    import numpy as np
    leaves = [[float(v) for v in w.find("leafValues").text.split()]
              for w in stage.find("weakClassifiers")]
    own = float(stage.find("stageThreshold").text) - 1e-5
    found = set()
    for combo in itertools.product(*leaves):
        d, f = 0.0, np.float32(0)
        for v in combo:
            d += v
            f = np.float32(f + np.float32(v))
        if float(np.nextafter(f, np.float32(-np.inf))) <= d < float(f):
            found.add(float(f))
    return sorted(found, key=lambda t: abs(t - own))


def file_threshold(want):
    """The stageThreshold to write for a threshold of 'want' in use: OpenCV (and boothd) take
    1e-5 off the file's value, in float."""
    import numpy as np
    eps = np.float32(1e-5)
    t = np.float32(want) + eps
    for _ in range(8):
        got = np.float32(t - eps)
        if got == np.float32(want):
            return float(t)
        t = np.nextafter(t, np.float32(np.inf if got < want else -np.inf))
    raise ValueError("no stageThreshold gives %r" % want)


def edge_cascade(src, dst, threshold):
    """src's cascade cut to its first stage, that stage's threshold in use 'threshold', written
    to dst."""
    tree = ET.parse(src)
    cascade = tree.getroot().find("cascade")
    stages = cascade.find("stages")
    for st in list(stages)[1:]:
        stages.remove(st)
    cascade.find("stageNum").text = "1"
    list(stages)[0].find("stageThreshold").text = repr(file_threshold(threshold))
    tree.write(dst, xml_declaration=True)


def raw_windows(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [sorted(map(tuple, json.loads(line)["detections"])) for line in out.splitlines()]


def edge_case(n, python, ref, tool, tmp, cascade, pgms):
    """One float-edge case (see the module's text): True when it passes."""
    import numpy as np
    src = os.path.join(CASCADE_DIR, cascade)
    stage = list(ET.parse(src).getroot().find("cascade").find("stages"))[0]
    print("# %s cut to its first stage, threshold on a sum float rounds up; min_neighbors 0" %
          cascade)
    for at in edge_thresholds(stage)[:EDGE_TRIES]:
        below = float(np.nextafter(np.float32(at), np.float32(-np.inf)))
        runs = []
        for t in (at, below):
            path = os.path.join(tmp, "edge-%r.xml" % t)
            edge_cascade(src, path, t)
            lo = [str(int(min(pgm_size(p)) / 8)) for p in pgms]
            cv = [raw_windows([python, ref, "--share", path, "1.1", "0", "0.125", "0.125", "0",
                               "0", p])[0] for p in pgms]
            ours = [raw_windows([tool, "detect", path, "1.1", "0", m, m, "0", "0", p])[0]
                    for p, m in zip(pgms, lo)]
            runs.append((cv, ours))
        (cv_at, ours_at), (cv_below, ours_below) = runs
        moved = sum(len(set(a) ^ set(b)) for a, b in zip(cv_at, cv_below))
        if moved == 0:
            print("#   threshold %r: no window's sum lies there, next" % at)
            continue
        same = all(a == b for a, b in zip(cv_at + cv_below, ours_at + ours_below))
        print("#   threshold %r: OpenCV %d windows, %d more one float lower; ours %d and %d, "
              "%s" % (at, sum(map(len, cv_at)), moved, sum(map(len, ours_at)),
                      sum(map(len, ours_below)), "all equal" if same else "NOT equal"))
        print("%s %d - %s: sums at the float edge decided as in double" %
              ("ok" if same else "not ok", n, os.path.basename(cascade)))
        return same
    print("not ok %d - %s: no threshold in %d tries has a window at the edge" %
          (n, os.path.basename(cascade), EDGE_TRIES))
    return False


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

        print("1..%d" % (len(CASES) + len(EDGE_CASES)))
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
        for n, (cascade, names) in enumerate(EDGE_CASES, len(CASES) + 1):
            pgms = [p for p in photos["portraits"] if os.path.basename(p)[10:] in names]
            failed += not edge_case(n, python, ref, tool, tmp, cascade, pgms)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
