#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""OpenCV's CascadeClassifier as the reference for boothd's own cascade evaluator.

  opencv-detect.py [--bench N] [--share] CASCADE SCALE MIN_NEIGHBORS MIN_W MIN_H MAX_W MAX_H PGM...

One JSON line per image, the same shape as face-detect-tool's "detect":
  {"file": PGM, "detections": [[x, y, w, h, neighbors], ...], "ms": milliseconds}
detections come from detectMultiScale2 (detectMultiScale's grouping, with the number of
windows in each group). With --bench N each image is detected N times and "ms" is the median (CPU time of the calling thread, where OpenCV runs).
With --share the four sizes are fractions of each image's shorter side (int() of the product).
OpenCV runs on one thread. Images are read as PGM so that both sides see the same luma.
Exits 77 (skipped) when OpenCV is not installed.
"""
import json
import statistics
import sys
import time

try:
    import cv2
except ImportError:
    print("skip: python3 OpenCV (cv2) is not installed", file=sys.stderr)
    sys.exit(77)


def main(argv):
    bench, share = 1, False
    while argv[:1] in (["--bench"], ["--share"]):
        if argv[0] == "--share":
            share, argv = True, argv[1:]
        else:
            bench, argv = int(argv[1]), argv[2:]
    if len(argv) < 8:
        print(__doc__, file=sys.stderr)
        return 2
    path, scale, neighbors = argv[0], float(argv[1]), int(argv[2])
    sizes = [float(v) if share else int(v) for v in argv[3:7]]
    cv2.setNumThreads(1)
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        print("cannot load %s" % path, file=sys.stderr)
        return 1
    for pgm in argv[7:]:
        gray = cv2.imread(pgm, cv2.IMREAD_GRAYSCALE)
        if gray is None:
            print("cannot read %s" % pgm, file=sys.stderr)
            return 1
        short = min(gray.shape)
        lim = [int(short * v) for v in sizes] if share else sizes
        min_size, max_size = (lim[0], lim[1]), (lim[2], lim[3])
        times = []
        for _ in range(bench):
            t0 = time.thread_time()
            rects, counts = cascade.detectMultiScale2(gray, scaleFactor=scale,
                                                      minNeighbors=neighbors, minSize=min_size,
                                                      maxSize=max_size)
            times.append((time.thread_time() - t0) * 1000.0)
        found = [[int(v) for v in r] + [int(n)] for r, n in zip(rects, counts)]
        print(json.dumps({"file": pgm, "detections": found, "ms": statistics.median(times)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
