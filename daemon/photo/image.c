/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "photo/image.h"

#include "error.h"
#include "file.h"
#include "log.h"

#include <png.h>
#include <string.h>
#include <turbojpeg.h>

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(tjhandle, tjDestroy, NULL)

static gboolean
image_check_size(gint64 width, gint64 height, gint64 max_pixels, const char *label, GError **error)
{
  g_assert(label);
  if (width < 1 || height < 1) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the image has no pixels (%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT ")", label,
                width, height);
    return FALSE;
  }
  if (width > BOOTH_IMAGE_MAX_SIDE || height > BOOTH_IMAGE_MAX_SIDE) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the image is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                " pixels; boothd reads images up to %d pixels on a side",
                label, width, height, BOOTH_IMAGE_MAX_SIDE);
    return FALSE;
  }
  if (width * height > max_pixels) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the image is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                " pixels (%.1f megapixels), more than the %" G_GINT64_FORMAT " pixels allowed",
                label, width, height, (double)(width * height) / 1e6, max_pixels);
    return FALSE;
  }
  return TRUE;
}

static BoothFrame *
image_new_frame(int width, int height, const char *label, GError **error)
{
  BoothFrame *frame = booth_frame_new(width, height);
  if (!frame)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "%s: not enough memory to decode a %d x %d image", label, width, height);
  return frame;
}

/* Formats people try to hand us often enough to deserve their own name in the message. */
static const char *
image_foreign_format(const guint8 *d, gsize len)
{
  if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
    return "WebP";
  if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
    return "GIF";
  if (len >= 14 && d[0] == 'B' && d[1] == 'M')
    return "BMP";
  if (len >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
    return "TIFF";
  if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0) {
    if (memcmp(d + 8, "avif", 4) == 0 || memcmp(d + 8, "avis", 4) == 0)
      return "AVIF";
    if (memcmp(d + 8, "hei", 3) == 0 || memcmp(d + 8, "hev", 3) == 0 ||
        memcmp(d + 8, "mif1", 4) == 0 || memcmp(d + 8, "msf1", 4) == 0)
      return "HEIC";
  }
  if ((len >= 2 && d[0] == 0xff && d[1] == 0x0a) ||
      (len >= 12 && memcmp(d, "\0\0\0\x0cJXL \r\n\x87\n", 12) == 0))
    return "JPEG XL";
  return NULL;
}

/* ---- JPEG ---- */

/* CMYK JPEGs come from print workflows (Photoshop), which store the channels inverted (Adobe
 * convention) and expect a colour-managed conversion; the naive one is close enough to see
 * a face, and refusing would only leave the operator puzzled. */
static void
image_cmyk_to_rgb(const guint8 *cmyk, BoothFrame *frame)
{
  for (int y = 0; y < frame->height; y++) {
    const guint8 *s = cmyk + (gsize)y * (gsize)frame->width * 4;
    guint8 *d = frame->data + (gsize)y * (gsize)frame->stride;
    for (int x = 0; x < frame->width; x++, s += 4, d += 3) {
      d[0] = (guint8)((s[0] * s[3] + 127) / 255);
      d[1] = (guint8)((s[1] * s[3] + 127) / 255);
      d[2] = (guint8)((s[2] * s[3] + 127) / 255);
    }
  }
}

static BoothFrame *
image_decode_jpeg(const guint8 *data, gsize len, gint64 max_pixels, const char *label,
                  GError **error)
{
  g_assert(data && label);
  g_auto(tjhandle) tj = tjInitDecompress();
  if (!tj) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "%s: cannot start the JPEG decoder (%s)",
                label, tjGetErrorStr2(NULL));
    return NULL;
  }
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, data, (unsigned long)len, &width, &height, &subsamp, &colorspace) !=
      0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: truncated or corrupt JPEG (%s)", label, tjGetErrorStr2(tj));
    return NULL;
  }
  /* A file cut inside its metadata reads as a tables-only stream, which has no frame. */
  if (width < 1 || height < 1) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: truncated or corrupt JPEG (the image header is missing)", label);
    return NULL;
  }
  if (!image_check_size(width, height, max_pixels, label, error))
    return NULL;
  g_autoptr(BoothFrame) frame = image_new_frame(width, height, label, error);
  if (!frame)
    return NULL;

  /* A crafted progressive JPEG can ask for thousands of scans and take minutes to decode. */
  const int flags = TJFLAG_LIMITSCANS;
  int rc;
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    g_autofree guint8 *cmyk = g_try_malloc((gsize)width * (gsize)height * 4);
    if (!cmyk) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                  "%s: not enough memory to decode a %d x %d CMYK image", label, width, height);
      return NULL;
    }
    rc = tjDecompress2(tj, data, (unsigned long)len, cmyk, width, width * 4, height, TJPF_CMYK,
                       flags);
    if (rc == 0 || tjGetErrorCode(tj) == TJERR_WARNING)
      image_cmyk_to_rgb(cmyk, frame);
  } else {
    rc = tjDecompress2(tj, data, (unsigned long)len, frame->data, width, frame->stride, height,
                       TJPF_RGB, flags);
  }
  if (rc != 0) {
    const char *msg = tjGetErrorStr2(tj);
    /* libjpeg only warns when the data stops early and fills the rest with grey; a photo with
     * its lower part missing is still a broken file to the person who has to redo it. */
    if (tjGetErrorCode(tj) == TJERR_FATAL || strstr(msg, "Premature end of JPEG file")) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s: truncated or corrupt JPEG (%s)", label, msg);
      return NULL;
    }
    booth_warn("photo", "%s: %s (decoded anyway)", label, msg);
  }
  return g_steal_pointer(&frame);
}

/* ---- PNG ---- */

/* Everything the setjmp-protected reader touches lives here, outside the frame that calls
 * setjmp, so that nothing it allocates is lost or indeterminate after libpng longjmps out. */
typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  gint64 max_pixels;
  const char *label;
  png_structp png;
  png_infop info;
  BoothFrame *frame;
  guint8 *rgba;
  png_bytep *rows;
  GError *error;     /* our own refusal, which takes precedence over libpng's message */
  char message[200]; /* libpng's error, for the person */
} PngJob;

static void
png_on_error(png_structp png, png_const_charp msg)
{
  PngJob *job = png_get_error_ptr(png);
  g_strlcpy(job->message, msg ? msg : "unknown error", sizeof job->message);
  png_longjmp(png, 1);
}

static void
png_on_warning(png_structp png, png_const_charp msg)
{
  PngJob *job = png_get_error_ptr(png);
  /* Warnings are mostly about ancillary chunks (colour profiles, text); pixels are fine. */
  booth_debug("photo", "%s: libpng: %s", job->label, msg);
}

static void
png_on_read(png_structp png, png_bytep out, size_t n)
{
  PngJob *job = png_get_io_ptr(png);
  if (n > job->len - job->pos)
    png_error(png, "the file ends before the image does");
  memcpy(out, job->data + job->pos, n);
  job->pos += n;
}

/* Lays transparent pixels over white, exactly and without gamma: an ID photo's background is
 * white, and libpng's own compositing would depend on gamma chunks in the file. */
static void
png_composite_row(const guint8 *rgba, guint8 *rgb, int width)
{
  for (int x = 0; x < width; x++, rgba += 4, rgb += 3) {
    unsigned a = rgba[3], white = 255 * (255 - a);
    rgb[0] = (guint8)((rgba[0] * a + white + 127) / 255);
    rgb[1] = (guint8)((rgba[1] * a + white + 127) / 255);
    rgb[2] = (guint8)((rgba[2] * a + white + 127) / 255);
  }
}

/* May longjmp out at any libpng call; holds no resource of its own, only job's. */
static gboolean
png_read_all(PngJob *job)
{
  png_structp png = job->png;
  png_infop info = job->info;
  png_read_info(png, info);
  png_uint_32 width = 0, height = 0;
  int depth = 0, color = 0;
  png_get_IHDR(png, info, &width, &height, &depth, &color, NULL, NULL, NULL);
  if (!image_check_size(width, height, job->max_pixels, job->label, &job->error))
    return FALSE;

  gboolean has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  gboolean alpha = (color & PNG_COLOR_MASK_ALPHA) || has_trns;
  if (color == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb(png);
  if (!(color & PNG_COLOR_MASK_COLOR) && depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if (has_trns)
    png_set_tRNS_to_alpha(png);
  if (depth == 16)
    png_set_scale_16(png);
  if (!(color & PNG_COLOR_MASK_COLOR))
    png_set_gray_to_rgb(png);
  int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  gsize channels = alpha ? 4 : 3;
  if (png_get_rowbytes(png, info) != (gsize)width * channels)
    png_error(png, "unexpected pixel layout after conversion");

  job->frame = image_new_frame((int)width, (int)height, job->label, &job->error);
  if (!job->frame)
    return FALSE;
  BoothFrame *f = job->frame;

  if (alpha && passes == 1) {
    /* One row at a time: an RGBA copy of a large image would double the memory. */
    job->rgba = g_try_malloc((gsize)width * 4);
    if (!job->rgba)
      png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) {
      png_read_row(png, job->rgba, NULL);
      png_composite_row(job->rgba, f->data + (gsize)y * (gsize)f->stride, (int)width);
    }
  } else {
    /* Interlaced images need every row in memory until the last pass. */
    job->rows = g_try_new(png_bytep, height);
    if (alpha)
      job->rgba = g_try_malloc((gsize)width * 4 * height);
    if (!job->rows || (alpha && !job->rgba))
      png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++)
      job->rows[y] = alpha ? job->rgba + (gsize)y * width * 4 : f->data + (gsize)y * f->stride;
    png_read_image(png, job->rows);
    if (alpha) {
      for (png_uint_32 y = 0; y < height; y++)
        png_composite_row(job->rows[y], f->data + (gsize)y * (gsize)f->stride, (int)width);
    }
  }
  png_read_end(png, NULL);
  return TRUE;
}

/* The only function that calls setjmp: it keeps no state of its own across the jump. */
static gboolean
png_run(PngJob *job)
{
  if (setjmp(png_jmpbuf(job->png)))
    return FALSE;
  png_set_read_fn(job->png, job, png_on_read);
  return png_read_all(job);
}

/* libpng allocates a chunk's buffer from its length field before reading it: a 611-byte file
 * claiming a 2 GB chunk made boothd allocate 2 GB (found by the image fuzzer). The whole file is
 * in memory, so no chunk may claim more bytes than the whole file has. */
static gboolean
png_chunks_fit(const guint8 *data, gsize len)
{
  gsize at = 8; /* the signature */
  while (at + 12 <= len) {
    guint32 n = (guint32)data[at] << 24 | (guint32)data[at + 1] << 16 | (guint32)data[at + 2] << 8 |
                data[at + 3];
    /* Larger than the whole file: no file of this size holds it. A chunk cut short by a
     * truncated file is libpng's to report (after the header, so a size refusal comes first). */
    if (n > len)
      return FALSE;
    if (n > len - at - 12)
      return TRUE;
    if (memcmp(data + at + 4, "IEND", 4) == 0)
      return TRUE;
    at += 12 + (gsize)n;
  }
  return at == len; /* ends without IEND: libpng says what is missing */
}

static BoothFrame *
image_decode_png(const guint8 *data, gsize len, gint64 max_pixels, const char *label,
                 GError **error)
{
  g_assert(data && label);
  if (!png_chunks_fit(data, len)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: truncated or corrupt PNG (a chunk claims more bytes than the file has)",
                label);
    return NULL;
  }
  PngJob job = {.data = data, .len = len, .max_pixels = max_pixels, .label = label};
  job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, png_on_error, png_on_warning);
  if (job.png)
    job.info = png_create_info_struct(job.png);
  if (!job.png || !job.info) {
    png_destroy_read_struct(job.png ? &job.png : NULL, NULL, NULL);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "%s: cannot start the PNG decoder", label);
    return NULL;
  }

  BoothFrame *frame = NULL;
  if (png_run(&job)) {
    frame = g_steal_pointer(&job.frame);
  } else if (job.error) {
    g_propagate_error(error, g_steal_pointer(&job.error));
  } else {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: truncated or corrupt PNG (%s)", label, job.message);
  }
  png_destroy_read_struct(&job.png, &job.info, NULL);
  booth_frame_unref(job.frame);
  g_free(job.rgba);
  g_free(job.rows);
  return frame;
}

/* ---- entry points ---- */

BoothFrame *
booth_image_decode_max(const guint8 *data, gsize len, const char *name, gint64 max_pixels,
                       GError **error)
{
  g_assert(data || len == 0);
  g_assert(max_pixels > 0 && max_pixels <= BOOTH_IMAGE_MAX_PIXELS);
  g_assert(!error || !*error);
  g_autofree char *label = g_path_get_basename(name && *name ? name : "image");

  if (len == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: the file is empty", label);
    return NULL;
  }
  if (len > BOOTH_IMAGE_MAX_FILE_BYTES) {
    g_autofree char *size = booth_file_format_size(len);
    g_autofree char *limit = booth_file_format_size(BOOTH_IMAGE_MAX_FILE_BYTES);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the file is %s; an image may be at most %s", label, size, limit);
    return NULL;
  }

  BoothFrame *frame;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) {
    frame = image_decode_jpeg(data, len, max_pixels, label, error);
  } else if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) {
    frame = image_decode_png(data, len, max_pixels, label, error);
  } else {
    const char *other = image_foreign_format(data, len);
    if (other)
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s: %s images are not supported (boothd reads JPEG and PNG)", label, other);
    else
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: not a JPEG or PNG image",
                  label);
    return NULL;
  }
  if (frame)
    frame->origin = g_steal_pointer(&label);
  return frame;
}

BoothFrame *
booth_image_decode(const guint8 *data, gsize len, const char *name, GError **error)
{
  return booth_image_decode_max(data, len, name, BOOTH_IMAGE_MAX_PIXELS, error);
}

BoothFrame *
booth_image_load_max(const char *path, gint64 max_pixels, GError **error)
{
  g_assert(path);
  g_assert(!error || !*error);
  gsize len = 0;
  g_autofree char *data =
      booth_file_read(path, BOOTH_IMAGE_MAX_FILE_BYTES, "an image", &len, error);
  if (!data)
    return NULL;
  return booth_image_decode_max((const guint8 *)data, len, path, max_pixels, error);
}

BoothFrame *
booth_image_load(const char *path, GError **error)
{
  return booth_image_load_max(path, BOOTH_IMAGE_MAX_PIXELS, error);
}
