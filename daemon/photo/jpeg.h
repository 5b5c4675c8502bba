/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JPEG encoding of frames (TurboJPEG), optionally stamped with a print resolution, and the
 * search for the highest quality whose file lands in a byte window (ID photo portals accept
 * files only between a minimum and a maximum size). */
#pragma once

#include "frame.h"

#include <glib.h>

/* quality 1..100; dpi 0 keeps TurboJPEG's JFIF header, 1..65535 records that density in it.
 * Chroma is subsampled 4:2:0 below quality 90 and kept whole (4:4:4) from 90 on. */
GBytes *booth_jpeg_encode(const BoothFrame *img, int quality, int dpi, GError **error);

typedef struct {
  GBytes *data;  /* the chosen encoding; set whenever the call succeeds */
  int quality;   /* its quality */
  gboolean fits; /* its size is within [min_bytes, max_bytes] */
  int encodes;   /* how many encodings the search took */
} BoothJpegResult;

void booth_jpeg_result_clear(BoothJpegResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BoothJpegResult, booth_jpeg_result_clear)

/* The highest quality in [min_quality, 100] whose file is between min_bytes and max_bytes.
 * When none is, fits is FALSE and data is the closest attempt: the min_quality encoding if
 * even that is too big, the quality-100 one if even that is too small, otherwise whichever
 * neighbour of the gap is nearer the window. out need not be initialised: it is overwritten,
 * and owns data until booth_jpeg_result_clear(). Returns FALSE only when encoding fails. */
gboolean booth_jpeg_encode_to_window(const BoothFrame *img, gsize min_bytes, gsize max_bytes,
                                     int min_quality, int dpi, BoothJpegResult *out,
                                     GError **error);

/* The JPEG quality a file was written at, told from its luminance quantization table the way
 * libjpeg scales it (1-100, within a step or two for libjpeg's own files); 0 when data is not a
 * JPEG or has no such table. */
int booth_jpeg_estimate_quality(const guint8 *data, gsize len);
