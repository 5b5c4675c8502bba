/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A photo profile: the standard a photo must meet (size, KB window, geometry bands,
 * background, checks, burst). Data only: analysis/ and photo/ read it, core/profile.c loads it
 * from its file (etc/profiles/NAME.profile). */
#pragma once

#include <glib.h>

typedef struct {
  char *name; /* file stem: chsi-upload */
  char *description;
  char *path;
  int width; /* output size in pixels */
  int height;
  int aspect_w; /* crop aspect, e.g. 3:4 */
  int aspect_h;
  int min_kb; /* JPEG size window, 1 KB = 1024 bytes */
  int max_kb;
  int min_quality; /* lowest JPEG quality allowed */
  int dpi;         /* JFIF density written into the file */

  /* [Geometry], in output pixels. A key left out takes the CHSI proportions at the
   * profile's size (head top 50-110 and eye line 200-300 of 640, face width 180-300 and
   * centre 24 of 480). */
  int head_top_min; /* rows from the top edge to the top of the head (hair included) */
  int head_top_max;
  int eye_line_min; /* rows from the top edge to the line through the eye centres */
  int eye_line_max;
  int face_width_min; /* cheek to cheek */
  int face_width_max;
  double face_width_factor; /* face width = face detector box width * this */
  int centre_max;           /* the face centre may be this far off the middle column */
  double max_enlarge;       /* output pixels per frame pixel at most: enlarging adds no detail */

  /* [Background] */
  guint8 background[3];
  double bg_max_distance; /* CIE76 colour distance of the measured mean from background */
  double bg_max_spread;   /* RMS colour distance around the fitted smooth background */
  double bg_max_gradient; /* colour change of the fitted background across the photo */
  double bg_max_foreign;  /* share of the background region that is not background */

  /* [Checks] */
  double max_tilt_deg; /* eye line off horizontal */
  int luma_min;        /* mean luma (BT.601, 0-255) of the face */
  int luma_max;
  double max_clipped;           /* share of face pixels at luma 250 or more */
  double min_sharpness;         /* variance of the Laplacian of the face's luma */
  double clothing_min_distance; /* CIE76 from the background and from skin or yellow */

  /* [Capture] */
  int burst; /* frames taken at Capture; the best framed one is kept */
} BoothProfile;
