/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Faces and eyes in a frame's luma, found with the cascades of opencv-data (evaluated by
 * cascade.c, no OpenCV linked). The face cascade runs on a copy of the frame scaled so that the
 * smallest face asked for just fills the cascade's window (block means for the whole part of a
 * shrink, then bilinear; enlarged at most twice, and to about 1080p, for small faces): the cost
 * follows the face size asked for, not the camera's resolution. Eyes are looked for in the upper
 * 60% of each face, scaled to 120 pixels wide, with the eye cascade and, for a side it missed, the
 * eyeglasses cascade; each eye is the centre of the best detection on its side of the face's
 * middle. Results are in full-frame coordinates, largest face first. The same steps done with
 * OpenCV (tests/reference/opencv-pipeline.py) give the same faces and eyes. Tracking
 * (booth_face_detector_track) follows faces of a camera's stream cheaply and is measured against
 * this full search, not against OpenCV. A detector keeps its buffers from frame to frame: use
 * one per thread. */
#pragma once

#include <glib.h>

#include "booth-rect.h"

#define BOOTH_FACE_CASCADE_DIR "/usr/share/opencv4"
/* Relative to the cascade folder. */
#define BOOTH_FACE_CASCADE_LBP "lbpcascades/lbpcascade_frontalface_improved.xml"
#define BOOTH_FACE_CASCADE_HAAR "haarcascades/haarcascade_frontalface_default.xml"
#define BOOTH_EYE_CASCADE "haarcascades/haarcascade_eye.xml"
#define BOOTH_EYEGLASSES_CASCADE "haarcascades/haarcascade_eye_tree_eyeglasses.xml"

typedef struct {
  double x, y;
  gboolean found;
} BoothPoint;

typedef struct {
  BoothRect box;
  BoothPoint eye_left, eye_right; /* eye_left is the eye on the image's left */
  int neighbors;                  /* how many detection windows agreed on this face */
} BoothFace;

typedef struct BoothFaceDetector BoothFaceDetector;

/* cascade_dir NULL: BOOTH_FACE_CASCADE_DIR. Loads the LBP face cascade and the eye and
 * eyeglasses cascades; any of them missing or malformed is an error naming the file. */
BoothFaceDetector *booth_face_detector_new(const char *cascade_dir, GError **error);
/* The same with another face cascade: a path relative to cascade_dir or absolute, e.g.
 * BOOTH_FACE_CASCADE_HAAR (NULL: BOOTH_FACE_CASCADE_LBP). */
BoothFaceDetector *booth_face_detector_new_full(const char *cascade_dir, const char *face_cascade,
                                                GError **error);
void booth_face_detector_free(BoothFaceDetector *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothFaceDetector, booth_face_detector_free)

/* luma: the full frame, width x height bytes, rows stride bytes apart. min_face: the smallest
 * face to find, as a fraction of the frame's shorter side (0 < min_face <= 1; 0.15 suits a
 * booth). Returns BoothFace, largest first. */
GArray *booth_face_detector_run(BoothFaceDetector *d, const guint8 *luma, int width, int height,
                                int stride, double min_face);
/* Intersection over union of two boxes: 0 when apart, 1 when equal. */
double booth_rect_iou(const BoothRect *a, const BoothRect *b);
/* The faces of the last frame (as booth_face_detector_run or this function returned them) found
 * again near where they were, each within half its width of its last box and at 0.8 to 1.25
 * times its last size, on a reduced copy of that part of the frame only. A face that has not
 * moved (by 3% of its width) keeps its last box and eyes; the eyes of one that moved are
 * searched again when eyes is TRUE, else carried with its box (moved and scaled with it). NULL
 * when last is empty or any face of it is not found again: the caller then runs the full
 * search. New faces are not looked for: run the full search now and then. */
GArray *booth_face_detector_track(BoothFaceDetector *d, const guint8 *luma, int width, int height,
                                  int stride, double min_face, const GArray *last, gboolean eyes);
