/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "photo/jpeg.h"

#include "error.h"
#include "log.h"

#include <string.h>
#include <turbojpeg.h>

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(tjhandle, tjDestroy, NULL)

/* A quality dip this many steps below the search result is still looked for; wider ones
 * would cost an encode each for nothing in practice. */
#define JPEG_STEP_DOWN_TRIES 3

static void
jpeg_tj_free(gpointer buf)
{
  tjFree(buf);
}

/* TurboJPEG 2.1 writes its JFIF APP0 right after SOI (density 1:1, no unit). Print shops and
 * ID portals read the resolution from there; anything else at that place is left alone. */
static void
jpeg_set_density(guint8 *buf, gsize len, int dpi)
{
  g_assert(buf);
  g_assert(dpi > 0 && dpi <= 65535);
  if (len < 20 || buf[0] != 0xff || buf[1] != 0xd8 || buf[2] != 0xff || buf[3] != 0xe0 ||
      memcmp(buf + 6, "JFIF", 5) != 0 || ((buf[4] << 8) | buf[5]) < 16)
    return;
  buf[13] = 1; /* dots per inch */
  buf[14] = buf[16] = (guint8)(dpi >> 8);
  buf[15] = buf[17] = (guint8)(dpi & 0xff);
}

static GBytes *
jpeg_compress(tjhandle tj, const BoothFrame *img, int quality, int dpi, GError **error)
{
  g_assert(tj && img);
  unsigned char *buf = NULL;
  unsigned long size = 0;
  /* Halving chroma saves about a third of the file and is invisible at ordinary qualities;
   * whoever asks for 90 or more wants the detail kept, such as coloured hair strands and
   * the sharp edge between face and background. */
  int subsamp = quality >= 90 ? TJSAMP_444 : TJSAMP_420;
  if (tjCompress2(tj, img->data, img->width, img->stride, img->height, TJPF_RGB, &buf, &size,
                  subsamp, quality, 0) != 0) {
    tjFree(buf);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot encode the %d x %d photo (%s)",
                img->width, img->height, tjGetErrorStr2(tj));
    return NULL;
  }
  if (dpi > 0)
    jpeg_set_density(buf, size, dpi);
  return g_bytes_new_with_free_func(buf, size, jpeg_tj_free, buf);
}

GBytes *
booth_jpeg_encode(const BoothFrame *img, int quality, int dpi, GError **error)
{
  g_assert(img && img->data);
  g_assert(quality >= 1 && quality <= 100);
  g_assert(dpi >= 0 && dpi <= 65535);
  g_auto(tjhandle) tj = tjInitCompress();
  if (!tj) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot start the JPEG encoder (%s)",
                tjGetErrorStr2(NULL));
    return NULL;
  }
  return jpeg_compress(tj, img, quality, dpi, error);
}

void
booth_jpeg_result_clear(BoothJpegResult *r)
{
  g_assert(r);
  g_clear_pointer(&r->data, g_bytes_unref);
  memset(r, 0, sizeof *r);
}

/* Encodings of one search, by quality, so that none is made twice. */
typedef struct {
  tjhandle tj;
  const BoothFrame *img;
  int dpi;
  int encodes;
  GBytes *tried[101];
} JpegSearch;

static gboolean
jpeg_search_try(JpegSearch *s, int quality, GError **error)
{
  g_assert(quality >= 1 && quality <= 100);
  if (s->tried[quality])
    return TRUE;
  s->tried[quality] = jpeg_compress(s->tj, s->img, quality, s->dpi, error);
  s->encodes++;
  return s->tried[quality] != NULL;
}

static gsize
jpeg_search_size(const JpegSearch *s, int quality)
{
  g_assert(s->tried[quality]);
  return g_bytes_get_size(s->tried[quality]);
}

static int
jpeg_search_run(JpegSearch *s, gsize min_bytes, gsize max_bytes, int min_quality, gboolean *fits,
                GError **error)
{
  /* Invariant: lo is below min_quality or fits under max_bytes; hi is 101 or does not. */
  int lo = min_quality - 1, hi = 101;
  while (hi - lo > 1) {
    int mid = lo + (hi - lo) / 2;
    if (!jpeg_search_try(s, mid, error))
      return -1;
    if (jpeg_search_size(s, mid) <= max_bytes)
      lo = mid;
    else
      hi = mid;
  }
  *fits = FALSE;
  if (lo < min_quality)
    return min_quality; /* even the lowest allowed quality is too big */
  if (jpeg_search_size(s, lo) >= min_bytes) {
    *fits = TRUE;
    return lo;
  }
  if (lo == 100)
    return 100; /* even the best quality is too small */

  /* Size is not monotonic in quality: a slightly lower quality can make a slightly larger
   * file (quantisation tables change in steps), and land in a narrow window. */
  for (int q = lo - 1; q >= MAX(min_quality, lo - JPEG_STEP_DOWN_TRIES); q--) {
    if (!jpeg_search_try(s, q, error))
      return -1;
    gsize size = jpeg_search_size(s, q);
    if (size >= min_bytes && size <= max_bytes) {
      *fits = TRUE;
      return q;
    }
  }
  /* The window falls between two neighbouring qualities: offer the nearer one. */
  gsize under = min_bytes - jpeg_search_size(s, lo);
  gsize over = jpeg_search_size(s, lo + 1) - max_bytes;
  return over < under ? lo + 1 : lo;
}

gboolean
booth_jpeg_encode_to_window(const BoothFrame *img, gsize min_bytes, gsize max_bytes,
                            int min_quality, int dpi, BoothJpegResult *out, GError **error)
{
  g_assert(img && img->data);
  g_assert(min_bytes <= max_bytes);
  g_assert(min_quality >= 1 && min_quality <= 100);
  g_assert(dpi >= 0 && dpi <= 65535);
  g_assert(out);
  memset(out, 0, sizeof *out);

  g_auto(tjhandle) tj = tjInitCompress();
  if (!tj) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot start the JPEG encoder (%s)",
                tjGetErrorStr2(NULL));
    return FALSE;
  }
  JpegSearch s = {.tj = tj, .img = img, .dpi = dpi};
  gboolean fits = FALSE;
  int quality = jpeg_search_run(&s, min_bytes, max_bytes, min_quality, &fits, error);
  if (quality > 0) {
    out->data = g_steal_pointer(&s.tried[quality]);
    out->quality = quality;
    out->fits = fits;
    out->encodes = s.encodes;
    booth_debug("photo",
                "JPEG for %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT
                " bytes: quality %d, %" G_GSIZE_FORMAT " bytes, %s, %d encodes",
                min_bytes, max_bytes, quality, g_bytes_get_size(out->data),
                fits ? "fits" : "does not fit", s.encodes);
  }
  for (int q = 0; q <= 100; q++)
    g_clear_pointer(&s.tried[q], g_bytes_unref);
  return quality > 0;
}

/* libjpeg's luminance table at quality 50 (Annex K), for telling the quality of a file. */
static const guint16 std_luminance[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};

int
booth_jpeg_estimate_quality(const guint8 *data, gsize len)
{
  g_assert(data || len == 0);
  if (len < 4 || data[0] != 0xFF || data[1] != 0xD8)
    return 0;
  gsize i = 2;
  while (i + 4 <= len && data[i] == 0xFF) {
    guint8 marker = data[i + 1];
    gsize seg = ((gsize)data[i + 2] << 8) | data[i + 3];
    if (seg < 2 || i + 2 + seg > len || marker == 0xDA) /* start of scan: no table found */
      return 0;
    if (marker == 0xDB) {
      /* Tables in this segment: Pq/Tq, then 64 values of 1 or 2 bytes. */
      gsize p = i + 4, end = i + 2 + seg;
      while (p < end) {
        guint8 pq = data[p] >> 4, tq = data[p] & 15;
        gsize n = pq ? 128 : 64;
        if (p + 1 + n > end)
          return 0;
        if (tq == 0) {
          /* The order of the values does not matter to a sum: the table's scale over the
           * standard's is libjpeg's scaling factor, from which its quality follows. */
          double sum = 0, std = 0;
          for (int k = 0; k < 64; k++) {
            sum += pq ? (data[p + 1 + 2 * k] << 8 | data[p + 2 + 2 * k]) : data[p + 1 + k];
            std += std_luminance[k];
          }
          double scale = sum * 100.0 / std;
          double q = scale <= 100 ? (200.0 - scale) / 2.0 : 5000.0 / scale;
          return (int)CLAMP(q + 0.5, 1, 100);
        }
        p += 1 + n;
      }
    }
    i += 2 + seg;
  }
  return 0;
}
