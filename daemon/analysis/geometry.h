/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profile geometry: where to crop a frame so that, scaled to the profile's size, the face
 * falls inside the profile's bands (face width, eye line, head top) and is centred left-right.
 * The crop always has the profile's exact aspect and lies inside the frame: nothing is padded,
 * drawn or mirrored, and the photo is never enlarged beyond the profile's max_enlarge.
 * When the bands cannot all be met, the eye line and the face width win over the head top,
 * and the caller learns which band fails and by how much. */
#pragma once

#include <glib.h>

#include "analysis/faces.h"
#include "profile.h"

/* Where the eye line sits in a face box when the detector found no eyes, in box heights
 * below the box top: the median over the 37 faces of dlib's annotated PASCAL photos that
 * OpenCV's lbpcascade_frontalface_improved finds (eye centres from landmarks 36-47; mean
 * 0.226, sd 0.025; tests/reference/opencv-faces.py calibrate). */
#define BOOTH_FACE_EYE_LINE_IN_BOX 0.226
/* The chin (landmark 8) below the box top, in box heights: median 1.208, sd 0.063. */
#define BOOTH_FACE_CHIN_IN_BOX 1.208

typedef enum {
  BOOTH_GEOMETRY_FRAME_TOO_SMALL = 1 << 0, /* the frame has fewer pixels than the output */
  BOOTH_GEOMETRY_FACE_TOO_SMALL = 1 << 1,
  BOOTH_GEOMETRY_FACE_TOO_LARGE = 1 << 2,
  BOOTH_GEOMETRY_LEFT_EDGE = 1 << 3, /* the image's left, as stored (never mirrored) */
  BOOTH_GEOMETRY_RIGHT_EDGE = 1 << 4,
  BOOTH_GEOMETRY_TOP_EDGE = 1 << 5,
  BOOTH_GEOMETRY_BOTTOM_EDGE = 1 << 6,
  BOOTH_GEOMETRY_HEAD_TOP = 1 << 7, /* head top out of its band with eyes and width in theirs */
} BoothGeometryProblem;

typedef struct {
  BoothRect crop; /* in the frame; always inside it and of the profile's aspect */
  double scale;   /* output pixels per frame pixel */
  /* Where the face lands in the output, in output pixels (head_top NAN when unknown). */
  double face_width;
  double eye_line;
  double head_top;
  double centre_offset; /* face centre minus the middle column; > 0 on the image's right */
  guint problems;       /* BoothGeometryProblem bits, 0 when every band is met */
  /* Frame pixels the crop would need beyond the left, right, top and bottom edges. */
  int beyond[4];
} BoothGeometry;

/* The face's measures in frame pixels: cheek-to-cheek width (box width times the profile's
 * face_width_factor), the eye line (mean of the eyes found, else estimated from the box) and
 * the face's middle column (between the eyes when both are found, else the box centre). */
double booth_geometry_face_width(const BoothProfile *p, const BoothFace *face);
double booth_geometry_eye_line(const BoothFace *face);
double booth_geometry_face_centre(const BoothFace *face);

/* Chooses the crop. head_top is the frame row of the top of the head, or -1 when unknown
 * (the head-top band is then not used). Aims for the middle of every band, the eye line
 * counting twice the head top; the face stays within half of centre_max of the middle column
 * (the other half is left for the detector's jitter on the finished photo). Returns FALSE
 * when a band cannot be met; *out is then the nearest crop inside the frame and problem
 * (when not NULL) receives one sentence per failure, naming the band and the amount, e.g.
 * "face too near the left edge: the crop needs 37 px beyond the frame". */
gboolean booth_geometry_solve(const BoothProfile *p, const BoothFace *face, int head_top,
                              int frame_w, int frame_h, BoothGeometry *out, GString *problem);
