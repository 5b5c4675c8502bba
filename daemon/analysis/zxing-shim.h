/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A plain C view of zxing-cpp (1.4, Debian 12), the second QR reader behind ZBar. It reads QR
 * codes only (no Micro QR, no other symbologies) from 8-bit luma and returns each payload as
 * the exact bytes of the symbol's data segments: no character set conversion, ECI designators
 * left out, as ZBar's binary mode gives them. Nothing of C++ or zxing-cpp shows through this
 * header; the functions are thread-safe and keep no state between calls. */
#pragma once

#include <glib.h>

#include "analysis/qr.h"

G_BEGIN_DECLS

typedef enum {
  BOOTH_ZXING_FAST, /* one pass: local-average binariser, no rotation, no downscaled copies */
  BOOTH_ZXING_HARD, /* zxing-cpp's thorough search: rotations, downscaled copies, more lines */
} BoothZxingEffort;

/* luma: width x height bytes, rows stride bytes apart. Appends a BoothQrCode for each QR code
 * read to out, its box the bounding box of the symbol's corners; returns how many it added. */
guint booth_zxing_scan(const guint8 *luma, int width, int height, int stride,
                       BoothZxingEffort effort, GPtrArray *out);

G_END_DECLS
