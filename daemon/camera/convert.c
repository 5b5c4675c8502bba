/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "camera/convert.h"

#include "error.h"
#include "log.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <turbojpeg.h>

/* The same bound as booth_frame_new(), checked first so that every product below fits. */
#define CONVERT_MAX_SIDE 16384

typedef enum {
  KIND_MJPEG,
  KIND_PACKED_422,
  KIND_SEMI_420,
  KIND_PACKED_RGB,
} Kind;

typedef struct {
  const char *name;
  Kind kind;
  int n_planes;
  int bpp; /* bytes per pixel, packed RGB */
  int c0;  /* packed 4:2:2: byte of Y0 in a pair; packed RGB: byte of R */
  int c1;  /* packed 4:2:2: byte of U; 4:2:0: byte of U in a chroma pair; packed RGB: G */
  int c2;  /* packed 4:2:2: byte of V; packed RGB: B */
} FormatInfo;

static const FormatInfo formats[BOOTH_PIX_N] = {
    [BOOTH_PIX_MJPEG] = {"MJPEG", KIND_MJPEG, 1, 0, 0, 0, 0},
    [BOOTH_PIX_YUYV] = {"YUYV", KIND_PACKED_422, 1, 0, 0, 1, 3},
    [BOOTH_PIX_UYVY] = {"UYVY", KIND_PACKED_422, 1, 0, 1, 0, 2},
    [BOOTH_PIX_NV12] = {"NV12", KIND_SEMI_420, 2, 0, 0, 0, 1},
    [BOOTH_PIX_NV21] = {"NV21", KIND_SEMI_420, 2, 0, 0, 1, 0},
    [BOOTH_PIX_RGB888] = {"RGB888", KIND_PACKED_RGB, 1, 3, 0, 1, 2},
    [BOOTH_PIX_BGR888] = {"BGR888", KIND_PACKED_RGB, 1, 3, 2, 1, 0},
    [BOOTH_PIX_XRGB8888] = {"XRGB8888", KIND_PACKED_RGB, 1, 4, 1, 2, 3},
    [BOOTH_PIX_XBGR8888] = {"XBGR8888", KIND_PACKED_RGB, 1, 4, 3, 2, 1},
    [BOOTH_PIX_RGBX8888] = {"RGBX8888", KIND_PACKED_RGB, 1, 4, 0, 1, 2},
    [BOOTH_PIX_BGRX8888] = {"BGRX8888", KIND_PACKED_RGB, 1, 4, 2, 1, 0},
};

struct BoothConverter {
  tjhandle tj;     /* created with the first MJPEG frame */
  guint8 *scratch; /* a decoded JPEG waiting to be rotated */
  gsize scratch_size;
  GMutex stats_lock; /* the bus thread reads the counts while the camera thread converts */
  BoothConverterStats stats;
};

/* ---- formats and layouts ---- */

gboolean
booth_pixel_format_parse(const char *name, BoothPixelFormat *format)
{
  g_assert(name && format);
  for (int i = 0; i < BOOTH_PIX_N; i++) {
    if (g_ascii_strcasecmp(name, formats[i].name) == 0) {
      *format = (BoothPixelFormat)i;
      return TRUE;
    }
  }
  if (g_ascii_strcasecmp(name, "MJPG") == 0) {
    *format = BOOTH_PIX_MJPEG;
    return TRUE;
  }
  return FALSE;
}

const char *
booth_pixel_format_name(BoothPixelFormat format)
{
  g_assert((unsigned)format < BOOTH_PIX_N);
  return formats[format].name;
}

/* Bytes in one row of a plane, and the number of rows, as the header describes them. */
static void
plane_geometry(const FormatInfo *fi, int plane, int width, int height, gint64 *row_bytes,
               gint64 *rows)
{
  const gint64 pairs = ((gint64)width + 1) / 2;
  *rows = height;
  switch (fi->kind) {
  case KIND_PACKED_422:
    *row_bytes = pairs * 4;
    break;
  case KIND_SEMI_420:
    *row_bytes = plane == 0 ? width : pairs * 2;
    if (plane == 1)
      *rows = ((gint64)height + 1) / 2;
    break;
  case KIND_PACKED_RGB:
    *row_bytes = (gint64)width * fi->bpp;
    break;
  case KIND_MJPEG:
  default:
    *row_bytes = 0;
    break;
  }
}

void
booth_pixel_layout_init(BoothPixelLayout *layout, BoothPixelFormat format, int width, int height)
{
  g_assert(layout && (unsigned)format < BOOTH_PIX_N);
  memset(layout, 0, sizeof *layout);
  layout->format = format;
  layout->width = width;
  layout->height = height;
  layout->n_planes = formats[format].n_planes;
  /* Strides stay 0 for impossible sizes, which booth_converter_convert() refuses. */
  if (width < 1 || height < 1 || width > CONVERT_MAX_SIDE || height > CONVERT_MAX_SIDE)
    return;
  gsize offset = 0;
  for (int p = 0; p < layout->n_planes; p++) {
    gint64 row_bytes, rows;
    plane_geometry(&formats[format], p, width, height, &row_bytes, &rows);
    layout->stride[p] = (int)row_bytes;
    layout->offset[p] = offset;
    offset += (gsize)row_bytes * (gsize)rows;
  }
}

gsize
booth_pixel_layout_size(const BoothPixelLayout *layout)
{
  g_assert(layout);
  if ((unsigned)layout->format >= BOOTH_PIX_N || layout->width < 1 || layout->height < 1 ||
      layout->width > CONVERT_MAX_SIDE || layout->height > CONVERT_MAX_SIDE ||
      layout->n_planes != formats[layout->format].n_planes)
    return 0;
  gsize end = 0;
  for (int p = 0; p < layout->n_planes && formats[layout->format].kind != KIND_MJPEG; p++) {
    gint64 row_bytes, rows;
    plane_geometry(&formats[layout->format], p, layout->width, layout->height, &row_bytes, &rows);
    if (layout->stride[p] < row_bytes)
      return 0;
    const guint64 extent = (guint64)layout->stride[p] * (guint64)(rows - 1) + (guint64)row_bytes;
    if (layout->offset[p] > G_MAXSIZE - extent)
      return 0;
    end = MAX(end, layout->offset[p] + (gsize)extent);
  }
  return end;
}

/* Checks the layout on its own; every failure here is the caller's mistake, not the frame's. */
static gboolean
layout_check(const BoothPixelLayout *layout, gsize len, int rotation, GError **error)
{
  if ((unsigned)layout->format >= BOOTH_PIX_N) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "unknown pixel format %d",
                (int)layout->format);
    return FALSE;
  }
  const FormatInfo *fi = &formats[layout->format];
  if (layout->width < 1 || layout->height < 1 || layout->width > CONVERT_MAX_SIDE ||
      layout->height > CONVERT_MAX_SIDE) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s frame of %d x %d pixels: sides must be 1 to %d pixels", fi->name, layout->width,
                layout->height, CONVERT_MAX_SIDE);
    return FALSE;
  }
  if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "rotation of %d degrees: only 0, 90, 180 and 270 are possible", rotation);
    return FALSE;
  }
  if (layout->n_planes != fi->n_planes) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s frames have %d plane(s), the layout says %d", fi->name, fi->n_planes,
                layout->n_planes);
    return FALSE;
  }
  if (layout->bytes_used > len) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s frame: %" G_GSIZE_FORMAT " bytes used in a buffer of %" G_GSIZE_FORMAT,
                fi->name, layout->bytes_used, len);
    return FALSE;
  }
  if ((unsigned)layout->matrix > BOOTH_YUV_BT709) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "unknown YUV matrix %d",
                (int)layout->matrix);
    return FALSE;
  }
  for (int p = 0; p < fi->n_planes && fi->kind != KIND_MJPEG; p++) {
    gint64 row_bytes, rows;
    plane_geometry(fi, p, layout->width, layout->height, &row_bytes, &rows);
    if (layout->stride[p] < row_bytes) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s %d x %d: plane %d has rows of %" G_GINT64_FORMAT
                  " bytes, longer than its stride of %d",
                  fi->name, layout->width, layout->height, p, row_bytes, layout->stride[p]);
      return FALSE;
    }
  }
  return TRUE;
}

/* Checks that every plane lies inside the bytes the frame fills. A buffer too short for its
 * layout is a damaged frame (a USB transfer cut short), so it counts as corrupt. */
static gboolean
layout_check_extent(const BoothPixelLayout *layout, gsize avail, GError **error)
{
  const FormatInfo *fi = &formats[layout->format];
  for (int p = 0; p < fi->n_planes; p++) {
    gint64 row_bytes, rows;
    plane_geometry(fi, p, layout->width, layout->height, &row_bytes, &rows);
    const guint64 extent = (guint64)layout->stride[p] * (guint64)(rows - 1) + (guint64)row_bytes;
    if (layout->offset[p] > avail || extent > avail - layout->offset[p]) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s %d x %d: plane %d needs %" G_GUINT64_FORMAT
                  " bytes from offset %" G_GSIZE_FORMAT
                  " (stride %d), but the frame has only %" G_GSIZE_FORMAT " bytes",
                  fi->name, layout->width, layout->height, p, extent, layout->offset[p],
                  layout->stride[p], avail);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- where converted pixels go ---- */

/* Rotation is folded into where each pixel is stored: source pixel (x, y) goes to byte
 * origin + y * row + x * pix of the output. Offsets stay integers until the store, so no
 * pointer ever points outside the frame. */
typedef struct {
  guint8 *base;
  ptrdiff_t origin;
  ptrdiff_t row;
  ptrdiff_t pix;
} Placement;

static Placement
placement_for(BoothFrame *out, int src_width, int src_height, int rotation)
{
  const ptrdiff_t stride = out->stride;
  const ptrdiff_t w = src_width, h = src_height;
  Placement p = {.base = out->data};
  switch (rotation) {
  case 90: /* (x, y) -> column h-1-y, row x */
    p.origin = (h - 1) * 3;
    p.row = -3;
    p.pix = stride;
    break;
  case 180: /* (x, y) -> column w-1-x, row h-1-y */
    p.origin = (h - 1) * stride + (w - 1) * 3;
    p.row = -stride;
    p.pix = -3;
    break;
  case 270: /* (x, y) -> column y, row w-1-x */
    p.origin = (w - 1) * stride;
    p.row = 3;
    p.pix = -stride;
    break;
  default:
    p.origin = 0;
    p.row = stride;
    p.pix = 3;
    break;
  }
  return p;
}

/* ---- YUV ---- */

/* 16.16 fixed point: the largest sum, 1.164 * 255 + 2.11 * 128 scaled by 65536, fits an int
 * with room to spare, and the rounding error stays far below one step of 8-bit output. */
#define FIX_SHIFT 16
#define FIX_HALF (1 << (FIX_SHIFT - 1))

typedef struct {
  int y_offset; /* 16 for limited range, 0 for full */
  int y;        /* luma gain */
  int rv;       /* V to R */
  int gu;       /* U to G, subtracted */
  int gv;       /* V to G, subtracted */
  int bu;       /* U to B */
} YuvCoeffs;

static int
fix(double v)
{
  return (int)lrint(v * (1 << FIX_SHIFT));
}

/* Derived from the matrix's luma weights, so the constants cannot drift from the standard:
 * R = Y' + 2(1-Kr) Cr, B = Y' + 2(1-Kb) Cb, G from the weighted remainder; limited range
 * scales luma by 255/219 and chroma by 255/224 first. */
static YuvCoeffs
yuv_coeffs(BoothYuvMatrix matrix, gboolean full_range)
{
  const double kr = matrix == BOOTH_YUV_BT709 ? 0.2126 : 0.299;
  const double kb = matrix == BOOTH_YUV_BT709 ? 0.0722 : 0.114;
  const double kg = 1.0 - kr - kb;
  const double ys = full_range ? 1.0 : 255.0 / 219.0;
  const double cs = full_range ? 1.0 : 255.0 / 224.0;
  return (YuvCoeffs){
      .y_offset = full_range ? 0 : 16,
      .y = fix(ys),
      .rv = fix(cs * 2.0 * (1.0 - kr)),
      .gu = fix(cs * 2.0 * kb * (1.0 - kb) / kg),
      .gv = fix(cs * 2.0 * kr * (1.0 - kr) / kg),
      .bu = fix(cs * 2.0 * (1.0 - kb)),
  };
}

static inline guint8
clamp8(int v)
{
  return (guint8)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The chroma part of a pixel, shared by the two (4:2:2) or four (4:2:0) pixels it covers. */
typedef struct {
  int r, g, b;
} Chroma;

static inline Chroma
chroma_terms(const YuvCoeffs *k, int u, int v)
{
  u -= 128;
  v -= 128;
  return (Chroma){k->rv * v, -k->gu * u - k->gv * v, k->bu * u};
}

static inline void
put_yuv(guint8 *dst, ptrdiff_t o, const YuvCoeffs *k, int y, Chroma c)
{
  const int l = (y - k->y_offset) * k->y + FIX_HALF;
  dst[o] = clamp8((l + c.r) >> FIX_SHIFT);
  dst[o + 1] = clamp8((l + c.g) >> FIX_SHIFT);
  dst[o + 2] = clamp8((l + c.b) >> FIX_SHIFT);
}

static inline void
row_422(const guint8 *s, int width, const FormatInfo *fi, const YuvCoeffs *k, guint8 *dst,
        ptrdiff_t o, ptrdiff_t pix)
{
  const int yi = fi->c0, ui = fi->c1, vi = fi->c2;
  const int pairs = width / 2;
  for (int i = 0; i < pairs; i++, s += 4) {
    const Chroma c = chroma_terms(k, s[ui], s[vi]);
    put_yuv(dst, o, k, s[yi], c);
    put_yuv(dst, o + pix, k, s[yi + 2], c);
    o += 2 * pix;
  }
  if (width & 1)
    put_yuv(dst, o, k, s[yi], chroma_terms(k, s[ui], s[vi]));
}

/* Two rows of luma share one row of chroma. For the last row of an odd height, y1 is y0 and
 * o1 is o0: the pixel is simply written twice, which keeps the loop free of tests. */
static inline void
rows_420(const guint8 *y0, const guint8 *y1, const guint8 *c, int width, int ui, const YuvCoeffs *k,
         guint8 *dst, ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t pix)
{
  const int vi = ui ^ 1;
  const int pairs = width / 2;
  for (int i = 0; i < pairs; i++, c += 2, y0 += 2, y1 += 2) {
    const Chroma ch = chroma_terms(k, c[ui], c[vi]);
    put_yuv(dst, o0, k, y0[0], ch);
    put_yuv(dst, o0 + pix, k, y0[1], ch);
    put_yuv(dst, o1, k, y1[0], ch);
    put_yuv(dst, o1 + pix, k, y1[1], ch);
    o0 += 2 * pix;
    o1 += 2 * pix;
  }
  if (width & 1) {
    const Chroma ch = chroma_terms(k, c[ui], c[vi]);
    put_yuv(dst, o0, k, y0[0], ch);
    put_yuv(dst, o1, k, y1[0], ch);
  }
}

static inline void
row_rgb(const guint8 *s, int width, const FormatInfo *fi, guint8 *dst, ptrdiff_t o, ptrdiff_t pix)
{
  const int bpp = fi->bpp, ri = fi->c0, gi = fi->c1, bi = fi->c2;
  for (int x = 0; x < width; x++, s += bpp, o += pix) {
    dst[o] = s[ri];
    dst[o + 1] = s[gi];
    dst[o + 2] = s[bi];
  }
}

static void
convert_422(const guint8 *data, const BoothPixelLayout *l, const YuvCoeffs *k, Placement pl)
{
  const FormatInfo *fi = &formats[l->format];
  for (int y = 0; y < l->height; y++) {
    const guint8 *s = data + l->offset[0] + (gsize)y * (gsize)l->stride[0];
    const ptrdiff_t o = pl.origin + y * pl.row;
    row_422(s, l->width, fi, k, pl.base, o, pl.pix);
  }
}

static void
convert_420(const guint8 *data, const BoothPixelLayout *l, const YuvCoeffs *k, Placement pl)
{
  const int ui = formats[l->format].c1;
  for (int y = 0; y < l->height; y += 2) {
    const int y1 = MIN(y + 1, l->height - 1);
    const guint8 *r0 = data + l->offset[0] + (gsize)y * (gsize)l->stride[0];
    const guint8 *r1 = data + l->offset[0] + (gsize)y1 * (gsize)l->stride[0];
    const guint8 *c = data + l->offset[1] + (gsize)(y / 2) * (gsize)l->stride[1];
    const ptrdiff_t o0 = pl.origin + y * pl.row, o1 = pl.origin + y1 * pl.row;
    rows_420(r0, r1, c, l->width, ui, k, pl.base, o0, o1, pl.pix);
  }
}

static void
convert_rgb(const guint8 *src, gsize offset, int stride, const FormatInfo *fi, int width,
            int height, Placement pl)
{
  for (int y = 0; y < height; y++) {
    const guint8 *s = src + offset + (gsize)y * (gsize)stride;
    const ptrdiff_t o = pl.origin + y * pl.row;
    if (pl.pix == 3 && fi->bpp == 3 && fi->c0 == 0)
      memcpy(pl.base + o, s, (gsize)width * 3);
    else
      row_rgb(s, width, fi, pl.base, o, pl.pix);
  }
}

/* ---- MJPEG ---- */

/* libjpeg steps over damage with a warning and fills the rest with grey, and TurboJPEG keeps
 * only the first message of a decode, so a later, worse one would go unseen. The decoder is
 * therefore stopped at the first warning, which is then the whole story: every warning drops
 * the frame except padding between the image data and the end marker, which many UVC webcams
 * put in every frame and which comes after the last pixel is out. */
static gboolean
jpeg_warning_is_padding(const char *msg)
{
  return strstr(msg, "extraneous bytes before marker 0xd9") != NULL;
}

/* TurboJPEG 2.1 leaves its decoder in the middle of a header after a failure there (it
 * returns without aborting), and every later frame then fails on the stale state: one bad
 * frame would blind the camera for good. A fresh decoder after any failure costs an allocation
 * only on frames that are already lost. */
static void
converter_reset_decoder(BoothConverter *conv)
{
  if (conv->tj)
    tjDestroy(conv->tj);
  conv->tj = NULL;
}

static BoothFrame *
convert_mjpeg(BoothConverter *conv, const guint8 *data, gsize len, const BoothPixelLayout *l,
              int rotation, gboolean *corrupt, GError **error)
{
  const gsize end = l->bytes_used ? l->bytes_used : len;
  if (l->offset[0] >= end) {
    *corrupt = TRUE;
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "MJPEG frame: empty (%" G_GSIZE_FORMAT " bytes from offset %" G_GSIZE_FORMAT ")",
                end, l->offset[0]);
    return NULL;
  }
  const guint8 *jpeg = data + l->offset[0];
  const unsigned long jpeg_len = (unsigned long)(end - l->offset[0]);

  if (!conv->tj) {
    conv->tj = tjInitDecompress();
    if (!conv->tj) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot start the JPEG decoder (%s)",
                  tjGetErrorStr2(NULL));
      return NULL;
    }
  }
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  *corrupt = TRUE;
  if (tjDecompressHeader3(conv->tj, jpeg, jpeg_len, &width, &height, &subsamp, &colorspace) != 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "MJPEG frame: truncated or corrupt JPEG (%s)", tjGetErrorStr2(conv->tj));
    converter_reset_decoder(conv);
    return NULL;
  }
  /* A frame cut inside its tables reads as a tables-only stream, which has no image. */
  if (width < 1 || height < 1) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "MJPEG frame: truncated or corrupt JPEG (the image header is missing)");
    return NULL;
  }
  if (width != l->width || height != l->height) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "MJPEG frame: the JPEG is %d x %d pixels, the camera was set up for %d x %d", width,
                height, l->width, l->height);
    return NULL;
  }

  *corrupt = FALSE;
  g_autoptr(BoothFrame) out =
      rotation % 180 ? booth_frame_new(height, width) : booth_frame_new(width, height);
  if (!out) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "not enough memory for a %d x %d frame",
                width, height);
    return NULL;
  }
  guint8 *dst = out->data;
  int pitch = out->stride;
  if (rotation != 0) {
    const gsize need = (gsize)width * (gsize)height * 3;
    if (conv->scratch_size < need) {
      g_free(conv->scratch);
      conv->scratch_size = 0;
      conv->scratch = g_try_malloc(need);
      if (!conv->scratch) {
        g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                    "not enough memory to rotate a %d x %d frame", width, height);
        return NULL;
      }
      conv->scratch_size = need;
    }
    dst = conv->scratch;
    pitch = width * 3;
  }

  /* LIMITSCANS: a crafted progressive JPEG could otherwise hold the camera thread for minutes. */
  if (tjDecompress2(conv->tj, jpeg, jpeg_len, dst, width, pitch, height, TJPF_RGB,
                    TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING) != 0) {
    const char *msg = tjGetErrorStr2(conv->tj);
    if (tjGetErrorCode(conv->tj) == TJERR_FATAL || !jpeg_warning_is_padding(msg)) {
      *corrupt = TRUE;
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "MJPEG frame: truncated or corrupt JPEG (%s)", msg);
      converter_reset_decoder(conv);
      return NULL;
    }
    booth_debug("camera", "MJPEG frame: %s (decoded anyway)", msg);
  }
  if (rotation != 0)
    convert_rgb(dst, 0, pitch, &formats[BOOTH_PIX_RGB888], width, height,
                placement_for(out, width, height, rotation));
  return g_steal_pointer(&out);
}

/* ---- the converter ---- */

BoothConverter *
booth_converter_new(void)
{
  BoothConverter *conv = g_new0(BoothConverter, 1);
  g_mutex_init(&conv->stats_lock);
  return conv;
}

void
booth_converter_free(BoothConverter *conv)
{
  if (!conv)
    return;
  if (conv->tj)
    tjDestroy(conv->tj);
  g_free(conv->scratch);
  g_mutex_clear(&conv->stats_lock);
  g_free(conv);
}

BoothConverterStats
booth_converter_stats(BoothConverter *conv)
{
  g_assert(conv);
  g_mutex_lock(&conv->stats_lock);
  BoothConverterStats stats = conv->stats;
  g_mutex_unlock(&conv->stats_lock);
  return stats;
}

static BoothFrame *
convert_raw(const guint8 *data, gsize len, const BoothPixelLayout *l, int rotation,
            gboolean *corrupt, GError **error)
{
  const FormatInfo *fi = &formats[l->format];
  if (!layout_check_extent(l, l->bytes_used ? l->bytes_used : len, error)) {
    *corrupt = TRUE;
    return NULL;
  }
  BoothFrame *out =
      rotation % 180 ? booth_frame_new(l->height, l->width) : booth_frame_new(l->width, l->height);
  if (!out) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "not enough memory for a %d x %d frame",
                l->width, l->height);
    return NULL;
  }
  const Placement pl = placement_for(out, l->width, l->height, rotation);
  const YuvCoeffs k = yuv_coeffs(l->matrix, l->full_range);
  switch (fi->kind) {
  case KIND_PACKED_422:
    convert_422(data, l, &k, pl);
    break;
  case KIND_SEMI_420:
    convert_420(data, l, &k, pl);
    break;
  case KIND_PACKED_RGB:
  case KIND_MJPEG:
  default:
    convert_rgb(data, l->offset[0], l->stride[0], fi, l->width, l->height, pl);
    break;
  }
  return out;
}

BoothFrame *
booth_converter_convert(BoothConverter *conv, const guint8 *data, gsize len,
                        const BoothPixelLayout *layout, int rotation, GError **error)
{
  g_assert(conv && layout);
  g_assert(data || len == 0);
  g_assert(!error || !*error);

  if (!layout_check(layout, len, rotation, error))
    return NULL;
  gboolean corrupt = FALSE;
  BoothFrame *out = layout->format == BOOTH_PIX_MJPEG
                        ? convert_mjpeg(conv, data, len, layout, rotation, &corrupt, error)
                        : convert_raw(data, len, layout, rotation, &corrupt, error);
  g_mutex_lock(&conv->stats_lock);
  if (out)
    conv->stats.converted++;
  else if (corrupt)
    conv->stats.dropped_corrupt++;
  g_mutex_unlock(&conv->stats_lock);
  return out;
}
