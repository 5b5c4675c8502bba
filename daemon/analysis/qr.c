/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "qr.h"

#include <zbar.h>

#include "analysis/zxing-shim.h"

struct BoothQrScanner {
  BoothQrReaders readers;
  zbar_image_scanner_t *scanner;
};

void
booth_qr_code_free(BoothQrCode *c)
{
  if (!c)
    return;
  g_bytes_unref(c->data);
  g_free(c);
}

BoothQrScanner *
booth_qr_scanner_new_full(BoothQrReaders readers)
{
  g_assert(readers != 0 &&
           (readers & ~(BOOTH_QR_ZXING | BOOTH_QR_ZBAR | BOOTH_QR_ZBAR_SPARSE)) == 0);
  g_assert(!((readers & BOOTH_QR_ZBAR) && (readers & BOOTH_QR_ZBAR_SPARSE)));
  BoothQrScanner *s = g_new0(BoothQrScanner, 1);
  s->readers = readers;
  s->scanner = zbar_image_scanner_create();
  zbar_image_scanner_set_config(s->scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config(s->scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  zbar_image_scanner_set_config(s->scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
  if (readers & BOOTH_QR_ZBAR_SPARSE) {
    zbar_image_scanner_set_config(s->scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 2);
    zbar_image_scanner_set_config(s->scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 2);
  }
  return s;
}

BoothQrScanner *
booth_qr_scanner_new(void)
{
  return booth_qr_scanner_new_full(BOOTH_QR_ZXING | BOOTH_QR_ZBAR_SPARSE);
}

void
booth_qr_scanner_free(BoothQrScanner *s)
{
  if (!s)
    return;
  zbar_image_scanner_destroy(s->scanner);
  g_free(s);
}

static void
zbar_scan(BoothQrScanner *s, const guint8 *luma, int width, int height, GPtrArray *out)
{
  zbar_image_t *img = zbar_image_create();
  zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
  zbar_image_set_size(img, (unsigned)width, (unsigned)height);
  zbar_image_set_data(img, luma, (unsigned long)width * (unsigned long)height, NULL);
  if (zbar_scan_image(s->scanner, img) > 0) {
    for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym;
         sym = zbar_symbol_next(sym)) {
      if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
        continue;
      BoothQrCode *c = g_new0(BoothQrCode, 1);
      c->data = g_bytes_new(zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym));
      int x0 = G_MAXINT, y0 = G_MAXINT, x1 = G_MININT, y1 = G_MININT;
      unsigned n = zbar_symbol_get_loc_size(sym);
      for (unsigned i = 0; i < n; i++) {
        int x = zbar_symbol_get_loc_x(sym, i), y = zbar_symbol_get_loc_y(sym, i);
        x0 = MIN(x0, x), y0 = MIN(y0, y), x1 = MAX(x1, x), y1 = MAX(y1, y);
      }
      if (n > 0)
        c->x = x0, c->y = y0, c->width = x1 - x0 + 1, c->height = y1 - y0 + 1;
      g_ptr_array_add(out, c);
    }
  }
  zbar_image_destroy(img);
}

GPtrArray *
booth_qr_scanner_scan(BoothQrScanner *s, const guint8 *luma, int width, int height)
{
  g_assert(s && luma && width > 0 && height > 0);
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)booth_qr_code_free);
  if (s->readers & BOOTH_QR_ZXING)
    booth_zxing_scan(luma, width, height, width, BOOTH_ZXING_HARD, out);
  if (out->len == 0 && (s->readers & (BOOTH_QR_ZBAR | BOOTH_QR_ZBAR_SPARSE)))
    zbar_scan(s, luma, width, height, out);
  return out;
}
