/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QR codes only, with ZBar, in binary mode so the payload is the exact bytes in the symbol
 * (no charset guessing). One scanner per thread. */
#pragma once

#include <glib.h>

typedef struct {
  GBytes *data;
  int x, y, width, height; /* bounding box of the symbol's corners */
} BoothQrCode;

void booth_qr_code_free(BoothQrCode *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothQrCode, booth_qr_code_free)

typedef struct BoothQrScanner BoothQrScanner;
BoothQrScanner *booth_qr_scanner_new(void);
void booth_qr_scanner_free(BoothQrScanner *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothQrScanner, booth_qr_scanner_free)

/* luma: width*height bytes, tightly packed. Returns BoothQrCode* (possibly empty). */
GPtrArray *booth_qr_scanner_scan(BoothQrScanner *s, const guint8 *luma, int width, int height);
