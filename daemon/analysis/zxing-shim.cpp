/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zxing-cpp shim proper, behind the C API in zxing-shim.h. Written against zxing-cpp 1.4
 * (Debian 12): Result::bytes() is the payload without character set conversion. */
#include <glib.h>

extern "C" {
#include "analysis/zxing-shim.h"
}

#include <algorithm>
#include <climits>

#include <ZXing/ReadBarcode.h>

guint
booth_zxing_scan(const guint8 *luma, int width, int height, int stride, BoothZxingEffort effort,
                 GPtrArray *out)
{
  g_assert(luma && width > 0 && height > 0 && stride >= width && out);
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  hints.setTryHarder(effort == BOOTH_ZXING_HARD);
  hints.setTryRotate(effort == BOOTH_ZXING_HARD);
  hints.setTryDownscale(effort == BOOTH_ZXING_HARD);
  hints.setBinarizer(ZXing::Binarizer::LocalAverage);
  ZXing::ImageView view(luma, width, height, ZXing::ImageFormat::Lum, stride);
  guint n = 0;
  try {
    for (const ZXing::Result &r : ZXing::ReadBarcodes(view, hints)) {
      if (!r.isValid() || r.format() != ZXing::BarcodeFormat::QRCode)
        continue;
      const ZXing::ByteArray &bytes = r.bytes();
      BoothQrCode *c = g_new0(BoothQrCode, 1);
      c->data = g_bytes_new(bytes.data(), bytes.size());
      int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;
      for (const ZXing::PointI &p : r.position()) {
        x0 = std::min(x0, p.x), y0 = std::min(y0, p.y);
        x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
      }
      c->x = x0, c->y = y0, c->width = x1 - x0 + 1, c->height = y1 - y0 + 1;
      g_ptr_array_add(out, c);
      n++;
    }
  } catch (const std::exception &e) {
    /* A reader that throws has read nothing that can be trusted. */
    g_debug("zxing-cpp: %s", e.what());
  }
  return n;
}
