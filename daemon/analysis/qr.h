/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QR codes only, read by zxing-cpp (zxing-shim.h) and, where it reads nothing, by ZBar (in
 * binary mode): a phone screen held up to the camera brings glare, moire, tilt and small codes
 * that one reader or the other misses. Both give the payload as the exact bytes in the symbol
 * (no charset guessing), so the readers agree byte for byte on what both read. One scanner per
 * thread. */
#pragma once

#include <glib.h>

typedef struct {
  GBytes *data;
  int x, y, width, height; /* bounding box of the symbol's corners */
} BoothQrCode;

void booth_qr_code_free(BoothQrCode *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothQrCode, booth_qr_code_free)

/* Which readers a scanner runs: zxing-cpp first (the cheaper, and the better on photos), then
 * ZBar only when zxing-cpp read nothing. */
typedef enum {
  BOOTH_QR_ZXING = 1 << 0,       /* zxing-cpp's own thorough search (its defaults) */
  BOOTH_QR_ZBAR = 1 << 1,        /* one ZBar pass over every row and column */
  BOOTH_QR_ZBAR_SPARSE = 1 << 2, /* one ZBar pass over every second row and column */
} BoothQrReaders;

typedef struct BoothQrScanner BoothQrScanner;
/* What boothd reads with: zxing-cpp, then sparse ZBar. On frames without a code (most of
 * them) this costs less than one dense ZBar pass, and on phone photos it reads more than either
 * reader alone. */
BoothQrScanner *booth_qr_scanner_new(void);
/* readers: at most one of the two ZBar choices. */
BoothQrScanner *booth_qr_scanner_new_full(BoothQrReaders readers);
void booth_qr_scanner_free(BoothQrScanner *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothQrScanner, booth_qr_scanner_free)

/* luma: width*height bytes, tightly packed. Returns BoothQrCode* (possibly empty). */
GPtrArray *booth_qr_scanner_scan(BoothQrScanner *s, const guint8 *luma, int width, int height);
