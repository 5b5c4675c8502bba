/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Boosted cascades of Haar or LBP features as trained by OpenCV (the files Debian ships in
 * opencv-data), read from their XML with GMarkup and evaluated by our own code. Detection
 * repeats OpenCV's CascadeClassifier::detectMultiScale step for step: the same bilinear
 * pyramid, integral images (plain, squared and tilted), variance normalisation, window steps,
 * grouping and clipping. So the same luma and parameters give the same rectangles, and the
 * files behave as their authors measured them. A malformed file is refused with its name and
 * the fault; nothing in a file can make detection read outside its own buffers. */
#pragma once

#include <glib.h>

typedef struct BoothCascade BoothCascade;

/* BOOTH_ERROR_INVALID_ARGUMENT, naming the file and what is wrong, for anything that is not a
 * well-formed new-format BOOST cascade of HAAR or LBP features. */
BoothCascade *booth_cascade_load(const char *path, GError **error);
void booth_cascade_free(BoothCascade *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCascade, booth_cascade_free)

/* The size of the window the cascade was trained on (the smallest object it can find). */
void booth_cascade_get_window(const BoothCascade *c, int *width, int *height);

typedef struct {
  int x, y, width, height, neighbors;
} BoothDetection;

/* Same meaning as detectMultiScale's: scale_factor > 1; min_neighbors 0 returns the raw
 * windows ungrouped (neighbors 1); a max of 0 means the image size. */
typedef struct {
  double scale_factor;
  int min_neighbors;
  int min_width, min_height, max_width, max_height;
} BoothDetectParams;

/* Buffers one thread reuses from call to call (image pyramid, integral images, the cascade
 * laid out for the current row stride), so a steady stream of frames allocates nothing. */
typedef struct BoothCascadeScratch BoothCascadeScratch;
BoothCascadeScratch *booth_cascade_scratch_new(void);
void booth_cascade_scratch_free(BoothCascadeScratch *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCascadeScratch, booth_cascade_scratch_free)

/* luma: width x height bytes (each side at most 16384, at most 100 megapixels), rows stride
 * bytes apart. Returns BoothDetection, grouped and clipped to the image, in no particular
 * order. */
GArray *booth_cascade_detect(const BoothCascade *c, const guint8 *luma, int width, int height,
                             int stride, const BoothDetectParams *p);
/* The same with buffers kept in s between calls. */
GArray *booth_cascade_detect_scratch(const BoothCascade *c, BoothCascadeScratch *s,
                                     const guint8 *luma, int width, int height, int stride,
                                     const BoothDetectParams *p);

/* Resamples luma to dst_w x dst_h exactly as OpenCV's resize with INTER_LINEAR_EXACT does (the
 * pyramid's own resampler, which averages 2x2 blocks for an exact halving), so callers that
 * scale an image before detection can be checked against OpenCV pixel for pixel. dst is
 * dst_w x dst_h, tightly packed. */
void booth_cascade_resize(const guint8 *src, int src_w, int src_h, int src_stride, guint8 *dst,
                          int dst_w, int dst_h);
