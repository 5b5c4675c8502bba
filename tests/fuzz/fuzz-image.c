/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the file camera's decoders (JPEG through TurboJPEG, PNG through libpng,
 * chosen by magic bytes): any bytes, under a pixel limit the first byte picks (so that the
 * refusal from the header is fuzzed as well as the decoding), and under the file camera's
 * default limit. Whatever the input: a frame or an error, never both, never neither; a frame
 * within the limit, of the size and stride a frame has, named after the file; an error that
 * names the file. */
#include "error.h"
#include "photo/image.h"

#include <stdint.h>
#include <stdlib.h>

/* Keeps one input from taking seconds: the decoders' work grows with the pixels. */
#define FUZZ_MAX_PIXELS (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const guint8 *data, gsize len, gint64 max_pixels)
{
  GError *error = NULL;
  BoothFrame *f = booth_image_decode_max(data, len, "/frames/fuzz.png", max_pixels, &error);
  if (f) {
    if (error || f->width < 1 || f->height < 1 || (gint64)f->width * f->height > max_pixels ||
        f->stride < f->width * 3 || g_strcmp0(f->origin, "fuzz.png") != 0)
      abort();
    /* Every pixel is there to be read (ASan checks the reads). */
    guint sum = 0;
    for (int y = 0; y < f->height; y++)
      for (int x = 0; x < f->width * 3; x++)
        sum += f->data[(gsize)y * (gsize)f->stride + (gsize)x];
    (void)sum;
    booth_frame_unref(f);
  } else {
    if (!error || !g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT) ||
        !g_str_has_prefix(error->message, "fuzz.png: "))
      abort();
    g_error_free(error);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  check(data, size, FUZZ_MAX_PIXELS);
  /* 1 to 65536 pixels: the seeds' sizes lie on both sides. */
  if (size > 0)
    check(data, size, 1 + (gint64)data[size - 1] * 257);
  return 0;
}
