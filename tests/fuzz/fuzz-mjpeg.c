/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the converter's MJPEG path: any bytes, as the frame of a 640x480
 * camera, of a camera whose size the first bytes choose (the frame after them, at an
 * offset), and of a camera the size the JPEG's own frame header gives (so that mutated
 * streams are decoded to the end rather than stopped at the size check), at every rotation.
 * One converter lives across inputs, as on a camera thread, so a frame that leaves the
 * decoder in a bad state shows up as later good frames failing. The same bytes also go
 * through a raw layout whose strides and offsets the input chooses, which drives the bounds
 * checks. Whatever the input: a frame or an error, never both, never neither, the right
 * size, and every refusal counted. */
#include "camera/convert.h"
#include "error.h"

#include <stdint.h>
#include <stdlib.h>

/* Keeps one input from taking seconds: the decoder's work grows with the pixels. */
#define FUZZ_MAX_PIXELS (1024 * 1024)
/* The converter's own limit on a side; a larger layout is the caller's mistake, not a frame's. */
#define FUZZ_MAX_SIDE 16384

static BoothConverter *conv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const guint8 *data, gsize len, const BoothPixelLayout *l, int rotation)
{
  const BoothConverterStats before = booth_converter_stats(conv);
  GError *error = NULL;
  BoothFrame *f = booth_converter_convert(conv, data, len, l, rotation, &error);
  const BoothConverterStats after = booth_converter_stats(conv);
  if (f) {
    const int w = rotation % 180 ? l->height : l->width;
    const int h = rotation % 180 ? l->width : l->height;
    if (error || f->width != w || f->height != h || after.converted != before.converted + 1)
      abort();
    booth_frame_unref(f);
  } else {
    /* The layouts here are sound, so every refusal is the frame's fault and must be counted. */
    if (!error || !g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT) ||
        after.dropped_corrupt != before.dropped_corrupt + 1)
      abort();
    g_error_free(error);
  }
}

/* The size in the first frame header (SOF0 to SOF15 but DHT, JPG and DAC), if the segments up
 * to it are well formed. */
static gboolean
jpeg_frame_size(const guint8 *d, gsize len, int *width, int *height)
{
  if (len < 4 || d[0] != 0xff || d[1] != 0xd8)
    return FALSE;
  gsize i = 2;
  while (i + 9 <= len && d[i] == 0xff) {
    const guint8 m = d[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
      *height = d[i + 5] << 8 | d[i + 6];
      *width = d[i + 7] << 8 | d[i + 8];
      return TRUE;
    }
    if (m == 0xda || m == 0xd9)
      return FALSE;
    i += 2 + ((gsize)d[i + 2] << 8 | d[i + 3]);
  }
  return FALSE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!conv)
    conv = booth_converter_new();
  const int rotation = size ? data[size - 1] % 4 * 90 : 0;

  BoothPixelLayout l;
  booth_pixel_layout_init(&l, BOOTH_PIX_MJPEG, 640, 480);
  check(data, size, &l, rotation);

  int w, h;
  if (jpeg_frame_size(data, size, &w, &h) && w > 0 && h > 0 && w <= FUZZ_MAX_SIDE &&
      h <= FUZZ_MAX_SIDE && (gint64)w * h <= FUZZ_MAX_PIXELS) {
    booth_pixel_layout_init(&l, BOOTH_PIX_MJPEG, w, h);
    check(data, size, &l, rotation);
  }

  if (size >= 4) {
    booth_pixel_layout_init(&l, BOOTH_PIX_MJPEG, 1 + (data[0] | data[1] << 8) % 1024,
                            1 + (data[2] | data[3] << 8) % 1024);
    l.offset[0] = 4;
    check(data, size, &l, rotation);
  }

  /* Raw: format, size, padding and offsets from the first bytes; the rest is the buffer. */
  if (size >= 8) {
    const BoothPixelFormat f = (BoothPixelFormat)(1 + data[0] % (BOOTH_PIX_N - 1));
    booth_pixel_layout_init(&l, f, 1 + data[1] % 64, 1 + data[2] % 64);
    for (int p = 0; p < l.n_planes; p++) {
      l.stride[p] += data[3 + p] % 16;
      l.offset[p] = (gsize)data[5 + p] * (gsize)(p + 1) * 8;
    }
    l.bytes_used = data[7] < 128 ? 0 : (gsize)data[7] * 16;
    if (l.bytes_used <= size)
      check(data, size, &l, rotation);
  }
  return 0;
}
